// The training use case end to end on a small configuration: real data (the first FD001 engines), real
// training in worker threads, real registration in the database.
import { deserialiseModel, reconstructionErrors, selectBackend } from '../../detectors/lstm-autoencoder/engine';
import { createLogger } from '../../platform/observability/logger';
import { createServices, type AppServices } from '../../main/services';
import { loadDatasetSeries } from '../engines/engine-series';
import { labelledTrajectories, prepareDataset } from '../../domain/data/splits';
import { applyScoringMethod, parseScoringMethod } from '../../detectors/lstm-autoencoder/scoring-methods';
import { thresholdForRecall } from '../../domain/evaluation/threshold';
import { importFirstUnits } from '../../../test/support/cmapss-fixtures';
import { describeEachDatabase } from '../../../test/support/databases';

export const TINY_TRAINING = {
  trainUnits: [{ from: 1, to: 4 }],
  calibrationUnits: [{ from: 5, to: 6 }],
  testUnits: [{ from: 7, to: 8 }],
  hidden: 8,
  code: 4,
  epochs: 3,
  batchSize: 64,
  seed: 7,
};

describeEachDatabase('TrainingPipeline', (db) => {
  let services: AppServices;
  beforeAll(async () => {
    await importFirstUnits(db().prisma, 8);
    services = createServices(db(), createLogger('silent'));
    await selectBackend();
  });

  it('trains, calibrates, evaluates and registers a version with its test scores, in one go', async () => {
    const job = await services.jobs.enqueue({ ...TINY_TRAINING, name: 'tiny', activate: true });
    expect(job.status).toBe('QUEUED');
    const finished = await services.runner.runNext();
    expect(finished).toMatchObject({ id: job.id, status: 'SUCCEEDED', error: null });

    const epochs = await db().prisma.trainingEpoch.findMany({ where: { jobId: job.id }, orderBy: { epoch: 'asc' } });
    expect(epochs.map((epoch) => epoch.epoch)).toEqual([1, 2, 3]);
    expect(epochs.every((epoch) => epoch.validationLoss !== null && epoch.loss > 0)).toBe(true);

    const version = await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
    expect(version).toMatchObject({ name: 'tiny', isActive: true, status: 'READY', windowLength: 30, thresholdQuantile: 0.99 });
    expect(version.sensors).toHaveLength(14);
    expect(version.architecture).toMatchObject({ kind: 'lstm-autoencoder', features: 14, hidden: 8, code: 4, windowLength: 30 });
    expect(version.threshold).toBeGreaterThan(0);

    // The test windows of engines 7-8 are scored and stored under the version, and the stored
    // evaluation agrees with them.
    const series = await loadDatasetSeries(db().prisma, 'FD001', 'TRAIN');
    const dataset = prepareDataset(
      series,
      { trainUnits: [1, 2, 3, 4], calibrationUnits: [5, 6], testUnits: [7, 8], healthyRul: 100, anomalyRul: 30 },
      {},
    );
    const scores = await db().prisma.score.findMany({
      where: { modelVersionId: version.id },
      orderBy: [{ engineId: 'asc' }, { endCycle: 'asc' }],
    });
    expect(scores).toHaveLength(dataset.test.count);
    const evaluation = await db().prisma.evaluation.findFirstOrThrow({ where: { modelVersionId: version.id } });
    const metrics = evaluation.metrics as { windows: number; anomalous: number; confusion: { tp: number; fp: number } };
    expect(metrics.windows).toBe(dataset.test.count);
    expect(metrics.anomalous).toBe(dataset.testLabels.reduce((sum, label) => sum + label, 0));
    expect(metrics.confusion.tp + metrics.confusion.fp).toBe(scores.filter((score) => score.isAnomaly).length);

    // Reloading the version from the database reproduces the stored scores exactly.
    const model = deserialiseModel({
      topology: version.topology as Record<string, unknown>,
      weightSpecs: version.weightSpecs as never,
      weights: Buffer.from(version.weights),
    });
    const recomputed = reconstructionErrors(model, dataset.test.x, dataset.test.count);
    const stored = new Map(scores.map((score) => [`${score.engineId}:${score.endCycle}`, score.reconstructionError]));
    dataset.test.endCycles.forEach((endCycle, index) => {
      expect(stored.get(`${dataset.test.engineIds[index]}:${endCycle}`)).toBe(recomputed.windowErrors[index]);
    });
  });

  it.each([
    ['normalised-error', { trim: 2, calibrationRecall: 0.95 }],
    ['degradation-logistic', { l2: 1e-5, recentSteps: 10, calibrationRecall: 0.97 }],
  ])(
    'trains with the %s scoring: fitted on training engines, threshold on the calibration trajectories, applied everywhere',
    async (kind, parameters) => {
      const job = await services.jobs.enqueue({ ...TINY_TRAINING, name: kind, scoringMethod: kind });
      const finished = await services.runner.runNext();
      expect(finished).toMatchObject({ id: job.id, status: 'SUCCEEDED' });
      const version = await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
      const method = parseScoringMethod(version.scoringMethod, 14);
      expect(method).toMatchObject({ kind, ...parameters });

      // The threshold flags 95% (97%) of the anomalous windows of calibration engines 5-6 (all their windows, not
      // only the healthy ones), scored by the registered network.
      const series = await loadDatasetSeries(db().prisma, 'FD001', 'TRAIN');
      const dataset = prepareDataset(
        series,
        { trainUnits: [1, 2, 3, 4], calibrationUnits: [5, 6], testUnits: [7, 8], healthyRul: 100, anomalyRul: 30 },
        {},
      );
      const model = deserialiseModel({
        topology: version.topology as Record<string, unknown>,
        weightSpecs: version.weightSpecs as never,
        weights: Buffer.from(version.weights),
      });
      const calibration = labelledTrajectories(series, [5, 6], dataset);
      expect(calibration.windows.count).toBeGreaterThan(dataset.calibration.count);
      const calibrationErrors = reconstructionErrors(model, calibration.windows.x, calibration.windows.count);
      const calibrationScores = applyScoringMethod(method, { ...calibrationErrors, features: 14, count: calibration.windows.count });
      expect(version.threshold).toBe(thresholdForRecall(calibration.labels, calibrationScores, parameters.calibrationRecall));

      // Stored test scores, a trajectory and a raw window sent by a client all score with the method.
      const testErrors = reconstructionErrors(model, dataset.test.x, dataset.test.count);
      const expected = applyScoringMethod(method, { ...testErrors, features: 14, count: dataset.test.count });
      const stored = await db().prisma.score.findMany({ where: { modelVersionId: version.id } });
      const byWindow = new Map(stored.map((score) => [`${score.engineId}:${score.endCycle}`, score]));
      dataset.test.endCycles.forEach((endCycle, index) => {
        const score = byWindow.get(`${dataset.test.engineIds[index]}:${endCycle}`)!;
        expect(score.score).toBe(expected[index]);
        expect(score.isAnomaly).toBe(expected[index] > version.threshold);
        expect(score.reconstructionError).toBe(testErrors.windowErrors[index]);
      });
      const engine7 = await db().prisma.engine.findFirstOrThrow({ where: { dataset: { name: 'FD001' }, role: 'TRAIN', unit: 7 } });
      const trajectory = await services.trajectories.trajectory(engine7.id, version.id);
      const engine7Windows = dataset.test.engineIds.map((id, index) => [id, index] as const).filter(([id]) => id === engine7.id);
      expect(trajectory.points.map((point) => point.score)).toEqual(engine7Windows.map(([, index]) => expected[index]));
      const cycles = await db().prisma.cycle.findMany({ where: { engineId: engine7.id, cycle: { lte: 30 } }, orderBy: { cycle: 'asc' } });
      const client = await services.scoring.scoreWindow(
        {
          columns: Array.from({ length: 21 }, (_, s) => ({
            sensor: `sensor${s + 1}`,
            values: cycles.map((cycle) => cycle.sensors[s]),
          })),
        },
        version.id,
      );
      expect(client.score).toBeCloseTo(trajectory.points[0].score, 5);
      expect(client.threshold).toBe(version.threshold);
    },
  );

  it('refuses an unknown scoring method, naming the ones there are', async () => {
    await expect(services.jobs.enqueue({ ...TINY_TRAINING, scoringMethod: 'trend-forecast' })).rejects.toMatchObject({
      code: 'INVALID_TRAINING_CONFIG',
      message: 'scoringMethod must be one of reconstruction-error, normalised-error, degradation-logistic, got "trend-forecast"',
    });
  });

  it('fails a job whose data cannot be split, registering nothing', async () => {
    const before = await db().prisma.modelVersion.count();
    const job = await services.jobs.enqueue({ ...TINY_TRAINING, healthyRul: 400, anomalyRul: 30 });
    const finished = await services.runner.runNext();
    expect(finished).toMatchObject({ id: job.id, status: 'FAILED', modelVersionId: null });
    expect(finished?.error).toMatch(/no healthy rows \(RUL > 400\)/);
    expect(await db().prisma.modelVersion.count()).toBe(before);
  });

  it('rejects an invalid request at once, writing nothing', async () => {
    const before = await db().prisma.trainingJob.count();
    await expect(services.jobs.enqueue({ ...TINY_TRAINING, testUnits: [{ from: 4, to: 5 }] })).rejects.toMatchObject({
      code: 'INVALID_TRAINING_CONFIG',
      message: 'unit 4 is in both trainUnits and testUnits: the split must be engine-disjoint',
    });
    await expect(services.jobs.enqueue({ ...TINY_TRAINING, learningRate: -1 })).rejects.toMatchObject({ code: 'INVALID_TRAINING_CONFIG' });
    await expect(services.jobs.enqueue({ ...TINY_TRAINING, testUnits: [{ from: 50, to: 51 }] })).rejects.toMatchObject({
      code: 'INVALID_TRAINING_CONFIG',
      message: 'testUnits names FD001 training units that are not stored: 50, 51',
    });
    await expect(services.jobs.enqueue({ dataset: 'FD003' })).rejects.toMatchObject({
      message: expect.stringMatching(/import the subset first/),
    });
    expect(await db().prisma.trainingJob.count()).toBe(before);
  });
});
