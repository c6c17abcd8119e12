// Unlabelled data end to end on a real database: a CSV imported with labels=none (no run-to-failure flag,
// no RUL) trains an unsupervised detector, whose version scores windows and trajectories and says it has
// no labels instead of carrying metrics.
import { createLogger } from '../../platform/observability/logger';
import { createServices, type AppServices } from '../../main/services';
import { describeEachDatabase } from '../../../test/support/databases';
import { chunked, fleetCsv } from '../../../test/support/csv-fixtures';
import { parseImportOptions } from '../datasets/import-options';
import { ModelVersionResolver } from '../registry/model-version-resolver';
import { DEFAULT_ALERT_RULE } from '../../domain/alerts/alert-rule';

describeEachDatabase('training on unlabelled engines', (db) => {
  let services: AppServices;
  beforeAll(async () => {
    services = createServices(db(), createLogger('silent'));
    const queued = await services.imports.upload(
      parseImportOptions({ dataset: 'unlabelled-fleet', labels: 'none', filename: 'fleet.csv' }),
      chunked(fleetCsv(8)),
      1 << 30,
    );
    expect(await services.importRunner.runNext(queued.id)).toMatchObject({ status: 'SUCCEEDED', enginesCreated: 8 });
  });

  const split = { trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }], testUnits: [{ from: 7, to: 8 }] };

  it('trains a z-score version that scores the test engines and is registered without metrics or evaluation', async () => {
    const job = await services.jobs.enqueue({ ...split, dataset: 'unlabelled-fleet', kind: 'z-score', name: 'unlabelled' });
    const finished = await services.runner.runNext();
    expect(finished).toMatchObject({ id: job.id, status: 'SUCCEEDED', error: null });
    const version = await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
    expect(version.metrics).toBeNull();
    expect(version.trainedOn).toMatchObject({
      dataset: 'unlabelled-fleet',
      labelled: false,
      counts: { testAnomalous: null, testNormal: null },
    });
    expect(new ModelVersionResolver(services.models, services.evaluations, services.curation).labelled(version)).toBe(false);
    expect(await db().prisma.evaluation.count({ where: { modelVersionId: version.id } })).toBe(0);

    // Every window of the test engines (7 and 8: 259 and 150 cycles, 30-cycle windows) is scored.
    const counts = (version.trainedOn as { counts: { trainWindows: number; testWindows: number } }).counts;
    expect(counts.testWindows).toBe(259 - 29 + (150 - 29));
    // Unlabelled training windows are all the windows of the training engines.
    expect(counts.trainWindows).toBe(192 - 29 + (287 - 29) + (179 - 29) + (189 - 29));
    expect(await db().prisma.score.count({ where: { modelVersionId: version.id } })).toBe(counts.testWindows);

    const engine7 = await db().prisma.engine.findFirstOrThrow({ where: { externalId: 'ESN-7', dataset: { name: 'unlabelled-fleet' } } });
    const trajectory = await services.trajectories.trajectory(engine7.id, version.id);
    expect(trajectory.points).toHaveLength(259 - 29);
    expect(trajectory.points.every((point) => Number.isFinite(point.score))).toBe(true);
  });

  it('keeps the rule when asked to choose it on calibration engines without RUL, and says why', async () => {
    await services.jobs.enqueue({
      ...split,
      dataset: 'unlabelled-fleet',
      kind: 'z-score',
      chooseAlertRule: true,
      alertRule: { drivingSensors: 2 },
    });
    const finished = await services.runner.runNext();
    expect(finished).toMatchObject({ status: 'SUCCEEDED' });
    const version = await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
    expect(version.alertRule).toEqual({ ...DEFAULT_ALERT_RULE, drivingSensors: 2 });
    expect(version.trainedOn).toMatchObject({ alertRuleChoice: { chosen: false, reason: expect.stringMatching(/no RUL/) } });
  });

  it('refuses a split that mixes labelled and unlabelled engines, naming them', async () => {
    const mixed = await services.imports.upload(
      parseImportOptions({ dataset: 'mixed-fleet', labels: 'run-to-failure', filename: 'fleet.csv' }),
      chunked(fleetCsv(6)),
      1 << 30,
    );
    await services.importRunner.runNext(mixed.id);
    const unlabelled = await services.imports.upload(
      parseImportOptions({ dataset: 'mixed-fleet', labels: 'none', filename: 'more.csv' }),
      chunked(
        fleetCsv(8, (lines) =>
          lines.splice(
            0,
            lines.findIndex((line) => line.startsWith('ESN-7,')),
          ),
        ),
      ),
      1 << 30,
    );
    expect(await services.importRunner.runNext(unlabelled.id)).toMatchObject({ status: 'SUCCEEDED', enginesCreated: 2 });
    await services.jobs.enqueue({ ...split, dataset: 'mixed-fleet', kind: 'z-score' });
    const failed = await services.runner.runNext();
    expect(failed).toMatchObject({ status: 'FAILED' });
    expect(JSON.stringify(failed!.error)).toMatch(/unit 7 has no RUL while unit 1 has one/);
  });
});
