// Engine-level metrics in stored evaluations: the registration of a trained version and a later
// evaluateModelVersion both carry them, measured on the scores the database holds.
import { createServices, type AppServices } from '../../main/services';
import { engineLevelMetrics, type LabelledEngine } from '../../domain/evaluation/engine-level';
import { DEFAULT_ALERT_RULE } from '../../domain/alerts/alert-rule';
import { ErrorCode, ServiceError } from '../../platform/errors';
import { createLogger } from '../../platform/observability/logger';
import { importFirstUnits } from '../../../test/support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../../../test/support/databases';
import type { MetricsRecord } from './evaluation-records';

describe('EvaluationService engine-level metrics', () => {
  let testDatabase: TestDatabase;
  let services: AppServices;
  let versionId: number;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    services = createServices(testDatabase.database, createLogger('silent'));
    const job = await services.jobs.enqueue({
      name: 'z-score',
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
    });
    const finished = await services.runner.runNext(job.id);
    expect(finished?.status).toBe('SUCCEEDED');
    versionId = finished!.modelVersionId!;
  });

  afterAll(async () => {
    await testDatabase?.dispose();
  });

  /** Engines 7 and 8 as stored: every scored window, its RUL from the run-to-failure history. */
  async function storedTestEngines(): Promise<{ engines: LabelledEngine[]; threshold: number }> {
    const { prisma } = testDatabase.database;
    const version = await prisma.modelVersion.findUniqueOrThrow({ where: { id: versionId } });
    const rows = await prisma.$queryRawUnsafe<{ engine_id: number; end_cycle: number; score: number; last_cycle: number }[]>(
      `SELECT s.engine_id, s.end_cycle, s.score, e.last_cycle FROM scores s JOIN engines e ON e.id = s.engine_id
        WHERE s.model_version_id = $1 AND e.unit IN (7, 8) ORDER BY s.engine_id, s.end_cycle`,
      versionId,
    );
    const engines = new Map<number, LabelledEngine & { windows: LabelledEngine['windows'][number][] }>();
    for (const row of rows) {
      if (!engines.has(row.engine_id)) engines.set(row.engine_id, { engineId: row.engine_id, windows: [] });
      engines.get(row.engine_id)!.windows.push({ cycle: row.end_cycle, score: row.score, rul: row.last_cycle - row.end_cycle });
    }
    return { engines: [...engines.values()], threshold: version.threshold };
  }

  it('stores them with the registration of a trained version, from the test engines scores', async () => {
    const { prisma } = testDatabase.database;
    const [registration] = await prisma.evaluation.findMany({ where: { modelVersionId: versionId } });
    const metrics = registration.metrics as unknown as MetricsRecord;
    const { engines, threshold } = await storedTestEngines();
    expect(engines).toHaveLength(2);
    const expected = engineLevelMetrics(engines, threshold, { healthyRul: 100, anomalyRul: 30 });
    expect(metrics.engineLevel).toEqual({
      ...expected,
      rule: { k: DEFAULT_ALERT_RULE.k, n: DEFAULT_ALERT_RULE.n, m: DEFAULT_ALERT_RULE.m },
    });
    expect(metrics.engineLevel).toMatchObject({ engines: 2, failingEngines: 2 });
    expect(metrics.engineLevel!.healthyCycles).toBe(
      engines.flatMap((engine) => engine.windows).filter((window) => window.rul > 100).length,
    );

    const version = await prisma.modelVersion.findUniqueOrThrow({ where: { id: versionId } });
    expect((version.metrics as unknown as MetricsRecord).engineLevel).toEqual(metrics.engineLevel);
  });

  it('stores them with every evaluation of a version', async () => {
    const { prisma } = testDatabase.database;
    const [registration] = await prisma.evaluation.findMany({ where: { modelVersionId: versionId }, orderBy: { id: 'asc' } });
    const evaluated = await services.evaluations.evaluate(versionId);
    expect((evaluated.metrics as unknown as MetricsRecord).engineLevel).toEqual(
      (registration.metrics as unknown as MetricsRecord).engineLevel,
    );

    // Other engines, partly healthy: unit 5 and 6 with a wider anomaly bound.
    const wider = await services.evaluations.evaluate(versionId, { units: [{ from: 5, to: 6 }], anomalyRul: 60 });
    const engineLevel = (wider.metrics as unknown as MetricsRecord).engineLevel!;
    expect(engineLevel).toMatchObject({ engines: 2, failingEngines: 2 });
    expect(engineLevel.alertedBeforeFailure).toBeLessThanOrEqual(2);
  });

  it('reports them per version in a comparison, as an evaluation of the same engines does', async () => {
    const job = await services.jobs.enqueue({
      name: 'z-score, fewer engines',
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 3 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
    });
    const other = (await services.runner.runNext(job.id))!.modelVersionId!;
    const comparison = await services.evaluations.compare([versionId, other]);
    for (const [index, id] of [versionId, other].entries()) {
      const evaluated = await services.evaluations.evaluate(id);
      const expected = (evaluated.metrics as unknown as MetricsRecord).engineLevel;
      expect(expected).toMatchObject({ engines: 2, failingEngines: 2 });
      expect(comparison.versions[index].metrics.engineLevel).toEqual(expected);
    }
  });

  it('refuses an anomaly bound that is not below the version healthy bound, storing nothing', async () => {
    const { prisma } = testDatabase.database;
    const before = await prisma.evaluation.count();
    const refused = services.evaluations.evaluate(versionId, { anomalyRul: 100 });
    await expect(refused).rejects.toBeInstanceOf(ServiceError);
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    expect(await prisma.evaluation.count()).toBe(before);
  });
});
