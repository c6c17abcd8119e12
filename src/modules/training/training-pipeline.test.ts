// The training use case end to end on a small configuration: real data (the first FD001 engines), real
// training in worker threads, real registration in the database.
import type { ModelVersion } from '@prisma/client';
import { deserialiseModel, reconstructionErrors, selectBackend } from '../../detectors/lstm-autoencoder/engine';
import { createLogger } from '../../platform/observability/logger';
import { createServices, type AppServices } from '../../main/services';
import { loadDatasetSeries } from '../engines/engine-series';
import { labelledTrajectories, prepareDataset } from '../../domain/data/splits';
import {
  applyScoringMethod,
  fitScoringMethodWithScores,
  L2_CANDIDATES,
  parseScoringMethod,
} from '../../detectors/lstm-autoencoder/scoring-methods';
import { thresholdForRecall } from '../../domain/evaluation/threshold';
import { importFirstUnits, importMultiCondition, TEST_CONDITIONS } from '../../../test/support/cmapss-fixtures';
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

/** A C-MAPSS cycle's reading by catalogue name (sensor1..21, setting1..3). */
function reading(cycle: { sensors: number[]; settings: number[] }, name: string): number {
  const index = Number(name.replace(/^\D+/, '')) - 1;
  return name.startsWith('setting') ? cycle.settings[index] : cycle.sensors[index];
}

/** The network a registered lstm-autoencoder version stores in its artifact. */
function networkOf(version: ModelVersion) {
  const artifact = version.artifact as { topology: Record<string, unknown>; weightSpecs: never };
  return deserialiseModel({
    topology: artifact.topology,
    weightSpecs: artifact.weightSpecs,
    weights: Buffer.from(version.artifactBinary!),
  });
}

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
    expect(epochs.every((epoch) => epoch.validationLoss !== null && epoch.loss !== null && epoch.loss > 0)).toBe(true);

    const version = await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
    expect(version).toMatchObject({ name: 'tiny', isActive: true, status: 'READY', windowLength: 30, thresholdQuantile: 0.99 });
    expect(version.sensors).toHaveLength(14);
    expect(version.kind).toBe('lstm-autoencoder');
    expect(version.options).toEqual({
      hidden: 8,
      code: 4,
      epochs: 3,
      batchSize: 64,
      learningRate: 0.002,
      weightDecay: 1e-5,
      clipNorm: 1,
      seed: 7,
      earlyStoppingPatience: null,
      scoringMethod: 'reconstruction-error',
    });
    expect(version.summary).toMatchObject({ selectedEpoch: 3, stopReason: 'completed', threads: expect.any(Number) });
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
    expect(metrics.anomalous).toBe(dataset.testLabels!.reduce((sum, label) => sum + label, 0));
    expect(metrics.confusion.tp + metrics.confusion.fp).toBe(scores.filter((score) => score.isAnomaly).length);

    // Reloading the version from the database reproduces the stored scores exactly.
    const model = networkOf(version);
    const recomputed = reconstructionErrors(model, dataset.test.x, dataset.test.count);
    const stored = new Map(scores.map((score) => [`${score.engineId}:${score.endCycle}`, score.reconstructionError]));
    dataset.test.endCycles.forEach((endCycle, index) => {
      expect(stored.get(`${dataset.test.engineIds[index]}:${endCycle}`)).toBe(recomputed.windowErrors[index]);
    });
  });

  it.each([
    ['normalised-error', { trim: 2, calibrationRecall: 0.95 }],
    [
      'degradation-logistic',
      { recentSteps: 10, withSlopes: true, withInputs: true, lookBack: 50, calibrationRecall: 0.95, crossFitFolds: 5 },
    ],
  ])(
    'trains with the %s scoring: fitted on training engines, threshold on labelled trajectories, applied everywhere',
    async (kind, parameters) => {
      const job = await services.jobs.enqueue({ ...TINY_TRAINING, name: kind, scoringMethod: kind });
      const finished = await services.runner.runNext();
      expect(finished).toMatchObject({ id: job.id, status: 'SUCCEEDED' });
      const version = await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
      const method = parseScoringMethod(version.scoringMethod, 14);
      expect(method).toMatchObject({ kind, ...parameters });
      if (method.kind === 'degradation-logistic') expect(L2_CANDIDATES).toContain(method.l2);

      // normalised-error: the threshold flags 95% of the anomalous windows of calibration engines 5-6 (all their
      // windows, not only the healthy ones), scored by the registered network. degradation-logistic: cross-fitted
      // on the trajectories of engines 1-6, the threshold flags 95% of their anomalous windows by out-of-fold score.
      const series = await loadDatasetSeries(db().prisma, 'FD001', 'TRAIN');
      const dataset = prepareDataset(
        series,
        { trainUnits: [1, 2, 3, 4], calibrationUnits: [5, 6], testUnits: [7, 8], healthyRul: 100, anomalyRul: 30 },
        {},
      );
      const model = networkOf(version);
      const calibration = labelledTrajectories(series, [5, 6], dataset);
      expect(calibration.windows.count).toBeGreaterThan(dataset.calibration.count);
      const calibrationErrors = reconstructionErrors(model, calibration.windows.x, calibration.windows.count);
      if (method.kind === 'degradation-logistic') {
        const labelledErrors = (units: number[]) => {
          const { windows, labels } = labelledTrajectories(series, units, dataset);
          return { ...reconstructionErrors(model, windows.x, windows.count), labels, engines: windows.engineIds, earlier: windows.earlier };
        };
        const { method: refitted, outOfFold } = fitScoringMethodWithScores('degradation-logistic', {
          features: 14,
          train: reconstructionErrors(model, dataset.train.x, dataset.train.count),
          trainTrajectories: labelledErrors([1, 2, 3, 4]),
          calibrationTrajectories: labelledErrors([5, 6]),
        });
        expect(refitted).toEqual(method);
        expect(version.threshold).toBe(thresholdForRecall(outOfFold!.labels, outOfFold!.scores, parameters.calibrationRecall));
      } else {
        const calibrationScores = applyScoringMethod(method, { ...calibrationErrors, features: 14, count: calibration.windows.count });
        expect(version.threshold).toBe(thresholdForRecall(calibration.labels, calibrationScores, parameters.calibrationRecall));
      }

      // Stored test scores, a trajectory and a raw window sent by a client all score with the method.
      const testErrors = reconstructionErrors(model, dataset.test.x, dataset.test.count);
      const expected = applyScoringMethod(method, {
        ...testErrors,
        features: 14,
        count: dataset.test.count,
        earlier: dataset.test.earlier,
      });
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
      if (method.kind === 'degradation-logistic') await expectLiveEngineScoredAlike(engine7.id, version.id, trajectory.points);
    },
  );

  /**
   * A live engine fed a stored engine's cycles scores like it, windows looking back past what one append,
   * one read or one scoring pass holds: the windows read the cycles before them from the engine's history.
   */
  async function expectLiveEngineScoredAlike(engineId: number, versionId: number, points: readonly { endCycle: number; score: number }[]) {
    const stored = await db().prisma.cycle.findMany({ where: { engineId }, orderBy: { cycle: 'asc' } });
    const cycles = stored.map((cycle) => ({ settings: cycle.settings, sensors: cycle.sensors }));
    const scoresFrom = (cycle: number) => points.filter((point) => point.endCycle >= cycle).map((point) => point.score);
    const read = await services.liveEngines.create(`look-back-read-${versionId}`, 'FD001');
    await services.liveEngines.append(read.id, cycles.slice(0, 100), { score: false });
    expect((await services.trajectories.trajectory(read.id, versionId)).points.map((point) => point.score)).toEqual(
      points.filter((point) => point.endCycle <= 100).map((point) => point.score),
    );
    await services.liveEngines.append(read.id, cycles.slice(100), { score: false });
    expect((await services.trajectories.trajectory(read.id, versionId)).points.map((point) => point.score)).toEqual(scoresFrom(0));
    const appended = await services.liveEngines.create(`look-back-append-${versionId}`, 'FD001');
    await services.liveEngines.append(appended.id, cycles.slice(0, 120), { score: false });
    const plan = await services.engines.planAppend(appended.id, cycles.slice(120));
    const loaded = await services.models.load(await services.models.resolve(versionId));
    const { trajectory } = await services.trajectories.scoreAppend(plan, loaded);
    expect(trajectory.points.map((point) => point.score)).toEqual(scoresFrom(121));

    // A client window sent with the engine's 50 cycles before it scores like the engine's own window; alone, as a first window.
    const columnsOf = (from: number, to: number) =>
      Array.from({ length: 21 }, (_, s) => ({
        sensor: `sensor${s + 1}`,
        values: stored.slice(from - 1, to).map((cycle) => cycle.sensors[s]),
      }));
    const late = points.find((point) => point.endCycle === 150)!;
    const withHistory = await services.scoring.scoreWindow({ columns: columnsOf(71, 150) }, versionId);
    expect(withHistory.score).toBe(late.score);
    const alone = await services.scoring.scoreWindow({ columns: columnsOf(121, 150) }, versionId);
    expect(alone.score).not.toBeCloseTo(late.score, 3);
  }

  it('refuses an unknown scoring method, naming the ones there are', async () => {
    await expect(services.jobs.enqueue({ ...TINY_TRAINING, scoringMethod: 'trend-forecast' })).rejects.toMatchObject({
      code: 'INVALID_TRAINING_CONFIG',
      message:
        'lstm-autoencoder: scoringMethod must be one of reconstruction-error, normalised-error, degradation-logistic, got "trend-forecast"',
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
      message: expect.stringMatching(/no data set named "FD003": import it first/),
    });
    expect(await db().prisma.trainingJob.count()).toBe(before);
  });

  it('takes a kind and its options, and refuses options of another kind or given twice', async () => {
    const before = await db().prisma.trainingJob.count();
    await expect(services.jobs.enqueue({ kind: 'no-such-kind' })).rejects.toMatchObject({
      code: 'INVALID_TRAINING_CONFIG',
      message: expect.stringMatching(/^unknown detector kind "no-such-kind": kinds are lstm-autoencoder/),
    });
    await expect(services.jobs.enqueue({ ...TINY_TRAINING, kindOptions: { 'lstm-autoencoder': { hidden: 16 } } })).rejects.toMatchObject({
      code: 'INVALID_TRAINING_CONFIG',
      message: "hidden given twice: at the top level and in the kind's options",
    });
    await expect(services.jobs.enqueue({ kindOptions: { 'lstm-autoencoder': { hidden: 0 } } })).rejects.toMatchObject({
      code: 'INVALID_TRAINING_CONFIG',
      message: 'lstm-autoencoder: hidden must be at least 1, got 0',
    });
    await expect(services.jobs.enqueue({ kindOptions: { 'lstm-autoencoder': { layers: 3 } } })).rejects.toMatchObject({
      message: expect.stringMatching(/^lstm-autoencoder: unknown option layers/),
    });
    expect(await db().prisma.trainingJob.count()).toBe(before);

    const { trainUnits, calibrationUnits, testUnits, ...network } = TINY_TRAINING;
    const job = await services.jobs.enqueue({
      trainUnits,
      calibrationUnits,
      testUnits,
      kind: 'lstm-autoencoder',
      kindOptions: { 'lstm-autoencoder': network },
    });
    expect(job.totalEpochs).toBe(3);
    expect(job.config).toMatchObject({ kind: 'lstm-autoencoder', options: { ...network, scoringMethod: 'reconstruction-error' } });
    await db().prisma.trainingJob.delete({ where: { id: job.id } });
  });

  it('runs a job queued before detector kinds (its stored configuration names no kind)', async () => {
    const job = await services.jobs.enqueue({ ...TINY_TRAINING, epochs: 1 });
    const { kind: _kind, options, ...rest } = job.config as { kind: string; options: Record<string, number> };
    const legacy = {
      ...rest,
      scoringMethod: 'reconstruction-error',
      training: {
        architecture: { hidden: options.hidden, code: options.code },
        epochs: 1,
        batchSize: options.batchSize,
        learningRate: options.learningRate,
        weightDecay: options.weightDecay,
        clipNorm: options.clipNorm,
        seed: options.seed,
        earlyStopping: null,
      },
    };
    await db().prisma.trainingJob.update({ where: { id: job.id }, data: { config: legacy } });
    const finished = await services.runner.runNext(job.id);
    expect(finished).toMatchObject({ status: 'SUCCEEDED' });
    const version = await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
    expect(version).toMatchObject({ kind: 'lstm-autoencoder', options: { hidden: 8, code: 4, epochs: 1, seed: 7 } });
  });

  it('normalises within operating regimes on multi-condition data, and scores raw windows with their settings', async () => {
    await importMultiCondition(db().prisma, 8);
    const job = await services.jobs.enqueue({ ...TINY_TRAINING, dataset: 'FD002', epochs: 1 });
    const finished = await services.runner.runNext(job.id);
    expect(finished).toMatchObject({ status: 'SUCCEEDED' });
    const version = await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
    const regimes = version.regimes as { settings: string[]; centroids: number[][]; rows: number[] };
    expect(regimes.settings).toEqual(['setting1', 'setting2', 'setting3']);
    expect(regimes.centroids).toHaveLength(TEST_CONDITIONS.length);
    expect(version.sensors).toHaveLength(14);

    const engine7 = await db().prisma.engine.findFirstOrThrow({ where: { dataset: { name: 'FD002' }, role: 'TRAIN', unit: 7 } });
    const trajectory = await services.trajectories.trajectory(engine7.id, version.id);
    const cycles = await db().prisma.cycle.findMany({ where: { engineId: engine7.id, cycle: { lte: 30 } }, orderBy: { cycle: 'asc' } });
    const column = (name: string) => cycles.map((cycle) => reading(cycle, name));
    const sensorColumns = Array.from({ length: 21 }, (_, s) => ({ sensor: `sensor${s + 1}`, values: column(`sensor${s + 1}`) }));
    const settingColumns = [1, 2, 3].map((s) => ({ sensor: `setting${s}`, values: column(`setting${s}`) }));
    const scored = await services.scoring.scoreWindow({ columns: [...sensorColumns, ...settingColumns] }, version.id);
    expect(scored.score).toBeCloseTo(trajectory.points[0].score, 5);
    // The rows form: values in the version's sensor order, settings beside them.
    const rows = await services.scoring.scoreWindow(
      {
        values: cycles.map((cycle) => version.sensors.map((name) => reading(cycle, name))),
        settings: cycles.map((cycle) => [1, 2, 3].map((s) => reading(cycle, `setting${s}`))),
      },
      version.id,
    );
    expect(rows.score).toBe(scored.score);

    const before = await db().prisma.window.count();
    await expect(services.scoring.scoreWindow({ columns: sensorColumns }, version.id)).rejects.toMatchObject({
      code: 'INVALID_WINDOW',
      message: expect.stringMatching(/normalises within operating regimes: give the settings of every row .*setting1 is missing/),
    });
    expect(await db().prisma.window.count()).toBe(before);
  });

  it('trains without regimes when asked (regimes: OFF), and refuses a count with OFF', async () => {
    const job = await services.jobs.enqueue({ ...TINY_TRAINING, dataset: 'FD002', epochs: 1, regimes: 'OFF' });
    const finished = await services.runner.runNext(job.id);
    const version = await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
    expect(version.regimes).toBeNull();
    await expect(services.jobs.enqueue({ dataset: 'FD002', regimes: 'OFF', regimeCount: 2 })).rejects.toMatchObject({
      code: 'INVALID_TRAINING_CONFIG',
      message: 'regimeCount asks for operating regimes, but regimes is OFF',
    });
  });

  it.each(['isolation-forest', 'local-outlier-factor', 'pca-reconstruction', 'z-score'])(
    'trains the %s kind through the same job, and the registered version scores its test windows again identically',
    async (kind) => {
      const { trainUnits, calibrationUnits, testUnits } = TINY_TRAINING;
      const job = await services.jobs.enqueue({ trainUnits, calibrationUnits, testUnits, kind, name: kind });
      expect(job.totalEpochs).toBe(1);
      const finished = await services.runner.runNext(job.id);
      expect(finished).toMatchObject({ status: 'SUCCEEDED' });
      const version = await db().prisma.modelVersion.findUniqueOrThrow({ where: { id: finished!.modelVersionId! } });
      expect(version).toMatchObject({ kind, backend: 'js' });
      const epochs = await db().prisma.trainingEpoch.findMany({ where: { jobId: job.id } });
      expect(epochs).toHaveLength(1);

      const engine7 = await db().prisma.engine.findFirstOrThrow({ where: { dataset: { name: 'FD001' }, role: 'TRAIN', unit: 7 } });
      const stored = await db().prisma.score.findMany({
        where: { modelVersionId: version.id, engineId: engine7.id },
        orderBy: { endCycle: 'asc' },
      });
      const cycles = await db().prisma.cycle.findMany({ where: { engineId: engine7.id, cycle: { lte: 30 } }, orderBy: { cycle: 'asc' } });
      const client = await services.scoring.scoreWindow(
        { values: cycles.map((cycle) => version.sensors.map((name) => reading(cycle, name))) },
        version.id,
      );
      expect(client.score).toBeCloseTo(stored[0].score, 4);
      expect(client.contributions.map((entry) => entry.sensor).sort()).toEqual([...version.sensors].sort());
    },
  );
});
