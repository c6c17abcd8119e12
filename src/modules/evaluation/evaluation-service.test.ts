// EvaluationService on a real database: window and engine-level metrics and score distributions in
// stored evaluations (the registration of a trained version and a later evaluateModelVersion) equal a
// direct computation on the scores the database holds; a comparison's curves on the common windows;
// splits are bounded, unlabelled engines are refused as such, and every refusal stores and scores nothing.
import type { AppServices } from '../../main/services';
import { engineLevelMetrics, type LabelledEngine } from '../../domain/evaluation/engine-level';
import { DEFAULT_ALERT_RULE } from '../../domain/alerts/alert-rule';
import { ErrorCode, ServiceError } from '../../platform/errors';
import { chunked, fleetCsv } from '../../../test/support/csv-fixtures';
import { openTestDatabase, type TestDatabase } from '../../../test/support/databases';
import { SMALL_SPLIT, zScoreVersionScenario } from '../../../test/support/scenarios';
import { serviceErrorOf } from '../../../test/support/service-errors';
import { parseImportOptions } from '../datasets/import-options';
import { MAX_COMPARED_VERSIONS, MAX_EVALUATED_UNITS, type EvaluationRequest } from './evaluation-service';
import type { MetricsRecord } from './evaluation-records';
import { toEvaluationView } from './evaluation-views';

describe('EvaluationService', () => {
  let testDatabase: TestDatabase;
  let services: AppServices;
  let versionId: number;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    const scenario = await zScoreVersionScenario(testDatabase.database);
    services = scenario.services;
    versionId = scenario.version.id;
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

  it("stores window metrics equal to those counted directly from the test engines' stored scores", async () => {
    const { prisma } = testDatabase.database;
    const [registration] = await prisma.evaluation.findMany({ where: { modelVersionId: versionId } });
    const metrics = registration.metrics as unknown as MetricsRecord;
    const { engines, threshold } = await storedTestEngines();
    const windows = engines.flatMap((engine) => engine.windows);
    const anomalyRul = 30; // the split's default
    const positives = windows.filter((window) => window.rul <= anomalyRul);
    const negatives = windows.filter((window) => window.rul > anomalyRul);
    const tp = positives.filter((window) => window.score > threshold).length;
    const fp = negatives.filter((window) => window.score > threshold).length;
    expect(metrics).toMatchObject({
      threshold,
      windows: windows.length,
      anomalous: positives.length,
      confusion: { tp, fp, fn: positives.length - tp, tn: negatives.length - fp },
      accuracy: (tp + negatives.length - fp) / windows.length,
    });
    expect(metrics.precision).toBeCloseTo(tp / (tp + fp), 12);
    expect(metrics.recall).toBeCloseTo(tp / positives.length, 12);
    expect(metrics.f1).toBeCloseTo((2 * tp) / (2 * tp + fp + positives.length - tp), 12);
    // ROC-AUC as the Mann-Whitney statistic: the share of (anomalous, normal) pairs ranked right, ties half.
    let right = 0;
    for (const positive of positives)
      for (const negative of negatives) right += positive.score > negative.score ? 1 : positive.score === negative.score ? 0.5 : 0;
    expect(metrics.rocAuc).toBeCloseTo(right / (positives.length * negatives.length), 12);
  });

  it('stores engine-level metrics with the registration of a trained version, from the test engines scores', async () => {
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

  it('stores engine-level metrics with every evaluation of a version', async () => {
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

  /** Counts the windows' scores into `edges` (bin k: edges[k] <= score < edges[k + 1], the last closed). */
  function countInto(edges: number[], windows: { score: number; anomalous: boolean }[]) {
    const healthy = new Array(edges.length - 1).fill(0);
    const anomalous = new Array(edges.length - 1).fill(0);
    for (const window of windows) {
      let bin = 0;
      while (bin < edges.length - 2 && edges[bin + 1] <= window.score) bin++;
      (window.anomalous ? anomalous : healthy)[bin]++;
    }
    return { healthy, anomalous };
  }

  it('stores the score distribution of the evaluated windows, healthy and anomalous apart, with every evaluation', async () => {
    const { prisma } = testDatabase.database;
    const [registration] = await prisma.evaluation.findMany({ where: { modelVersionId: versionId }, orderBy: { id: 'asc' } });
    const { engines, threshold } = await storedTestEngines();
    const windows = engines.flatMap((engine) => engine.windows).map((window) => ({ score: window.score, anomalous: window.rul <= 30 }));
    const distribution = toEvaluationView(registration).scoreDistribution!;
    expect(distribution.logScale).toBe(true);
    expect(distribution.edges[0]).toBe(Math.min(threshold, ...windows.map((window) => window.score)));
    expect(distribution.edges.at(-1)).toBe(Math.max(threshold, ...windows.map((window) => window.score)));
    expect(countInto(distribution.edges, windows)).toEqual({ healthy: distribution.healthy, anomalous: distribution.anomalous });
    const metrics = registration.metrics as unknown as MetricsRecord;
    expect(distribution.anomalous.reduce((sum, count) => sum + count, 0)).toBe(metrics.anomalous);
    expect(distribution.healthy.reduce((sum, count) => sum + count, 0)).toBe(metrics.windows - metrics.anomalous);

    // A later evaluation with another anomaly bound labels the same windows otherwise.
    const wider = toEvaluationView(await services.evaluations.evaluate(versionId, { anomalyRul: 60 })).scoreDistribution!;
    const relabelled = engines.flatMap((engine) => engine.windows).map((window) => ({ score: window.score, anomalous: window.rul <= 60 }));
    expect(wider.edges).toEqual(distribution.edges);
    expect(countInto(wider.edges, relabelled)).toEqual({ healthy: wider.healthy, anomalous: wider.anomalous });
  });

  it('compares two versions with their curves on the common windows, and engine-level metrics as an evaluation gives', async () => {
    const job = await services.jobs.enqueue({
      name: 'z-score on fewer units',
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 3 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
    });
    const second = (await services.runner.runNext(job.id))!.modelVersionId!;
    const comparison = await services.evaluations.compare([versionId, second]);
    const { prisma } = testDatabase.database;
    const registrations = await Promise.all(
      [versionId, second].map((id) => prisma.evaluation.findFirstOrThrow({ where: { modelVersionId: id }, orderBy: { id: 'asc' } })),
    );
    // Same windows (the test units, one window length): each version's curves are those of its registration.
    expect(comparison.commonWindows).toBe((registrations[0].metrics as unknown as MetricsRecord).windows);
    comparison.versions.forEach((entry, index) => {
      const registered = toEvaluationView(registrations[index]);
      expect(entry.rocCurve).toEqual(registered.rocCurve);
      expect(entry.prCurve).toEqual(registered.prCurve);
    });
    // Engine-level metrics take each engine's whole sequence, as an evaluation of the same engines does.
    for (const [index, id] of [versionId, second].entries()) {
      const expected = ((await services.evaluations.evaluate(id)).metrics as unknown as MetricsRecord).engineLevel;
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

  /** Expects `call` to be refused with `code` and a message matching `message`, storing and scoring nothing. */
  async function expectRefused(call: () => Promise<unknown>, code: ErrorCode, message: RegExp) {
    const { prisma } = testDatabase.database;
    const before = { evaluations: await prisma.evaluation.count(), scores: await prisma.score.count() };
    const error = await serviceErrorOf(call());
    expect([error.code, error.message]).toEqual([code, expect.stringMatching(message)]);
    expect({ evaluations: await prisma.evaluation.count(), scores: await prisma.score.count() }).toEqual(before);
    return error;
  }

  it('bounds the units of a split before expanding them, and names what is wrong with a range', async () => {
    const tooMany = await expectRefused(
      () =>
        services.evaluations.evaluate(versionId, {
          units: [
            { from: 1, to: MAX_EVALUATED_UNITS },
            { from: 2_000_000, to: 2_000_000 },
          ],
        }),
      ErrorCode.BATCH_TOO_LARGE,
      /^units add up to more than 1000 units \(2 ranges\)/,
    );
    expect(tooMany.details).toMatchObject({ limit: MAX_EVALUATED_UNITS });
    // One range as wide as an int allows is refused by its size alone.
    await expectRefused(
      () => services.evaluations.evaluate(versionId, { units: [{ from: 1, to: 2 ** 31 - 1 }] }),
      ErrorCode.BATCH_TOO_LARGE,
      /more than 1000 units/,
    );
    const cases: [EvaluationRequest, RegExp][] = [
      [
        {
          units: [
            { from: 7, to: 8 },
            { from: 5, to: 4 },
          ],
        },
        /^units\[1\] must be a range with 1 <= from <= to, got 5\.\.4$/,
      ],
      [{ units: [{ from: 0, to: 3 }] }, /^units\[0\] must be a range with 1 <= from <= to, got 0\.\.3$/],
      [{ units: [{ from: 1.5, to: 3 }] }, /^units\[0\] must be a range/],
      [{ units: [] }, /^units must list at least one unit$/],
      [{ anomalyRul: -1 }, /^anomalyRul must be a non-negative integer, got -1$/],
    ];
    for (const [request, message] of cases) {
      await expectRefused(() => services.evaluations.evaluate(versionId, request), ErrorCode.BAD_USER_INPUT, message);
    }
    await expectRefused(
      () => services.evaluations.evaluate(versionId, { units: [{ from: 7, to: 9 }] }),
      ErrorCode.NOT_FOUND,
      /^FD001 train units not stored: 9$/,
    );
    // Without units, another data set or role means all its stored engines: FD002 has none here.
    await expectRefused(
      () => services.evaluations.evaluate(versionId, { dataset: 'FD002' }),
      ErrorCode.NOT_FOUND,
      /^no FD002 train engines are stored$/,
    );
  });

  it('compares between 2 and the most versions, each listed once', async () => {
    const cases: [number[], RegExp][] = [
      [[versionId], /^compare between 2 and 10 model versions, got 1$/],
      [Array.from({ length: MAX_COMPARED_VERSIONS + 1 }, () => versionId), /got 11$/],
      [[versionId, versionId], /^each model version may be listed once$/],
    ];
    for (const [ids, message] of cases) await expectRefused(() => services.evaluations.compare(ids), ErrorCode.BAD_USER_INPUT, message);
  });

  it('says that unlabelled engines have no labels to evaluate against, before scoring any window', async () => {
    const queued = await services.imports.upload(
      parseImportOptions({ dataset: 'unlabelled-fleet', labels: 'none', filename: 'fleet.csv' }),
      chunked(fleetCsv(3)),
      1 << 30,
    );
    expect(await services.importRunner.runNext(queued.id)).toMatchObject({ status: 'SUCCEEDED', enginesCreated: 3 });
    const request: EvaluationRequest = { dataset: 'unlabelled-fleet', units: [{ from: 1, to: 3 }] };
    const message = /^the chosen engines have no labels \(no known RUL\), so there is nothing to evaluate against: units 1, 2, 3$/;
    await expectRefused(() => services.evaluations.evaluate(versionId, request), ErrorCode.BAD_USER_INPUT, message);
    const job = await services.jobs.enqueue({ ...SMALL_SPLIT, name: 'another z-score', kind: 'z-score' });
    const other = (await services.runner.runNext(job.id))!.modelVersionId!;
    await expectRefused(() => services.evaluations.compare([versionId, other], request), ErrorCode.BAD_USER_INPUT, message);
  });
});
