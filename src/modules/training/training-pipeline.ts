// The use case behind a training job: prepare the data set, train the autoencoder (worker threads),
// calibrate the threshold, evaluate on the test engines, and register the model version with its
// evaluation and the scores of the test windows, all in one transaction with the job's success.
import type { Prisma, PrismaClient, TrainingJob } from '@prisma/client';
import type { EngineSeries } from '../../domain/data/series';
import { labelledTrajectories, prepareDataset, type PreparedDataset } from '../../domain/data/splits';
import { evaluateScores, type Evaluation } from '../../domain/evaluation/metrics';
import {
  reconstructOnThisThread,
  serialiseModel,
  trainAutoencoder,
  type Reconstruct,
  type ReconstructionErrors,
  type TrainedAutoencoder,
} from '../../detectors/lstm-autoencoder/engine';
import { exactFloat, exactJson } from '../../platform/db/exact-floats';
import type { Logger } from '../../platform/observability/logger';
import { loadDatasetSeries } from '../engines/engine-series';
import { insertEvaluation, metricsRecord } from '../evaluation/evaluation-records';
import type { ModelRegistry } from '../registry/model-registry';
import {
  calibrateScoring,
  calibratesOnTrajectories,
  fitScoring,
  fitsOnTrajectories,
  scoreWindowSet,
  type FittedScoring,
} from '../../detectors/lstm-autoencoder/scoring';
import type { JobHooks } from './training-job-runner';
import type { TrainingRequest } from './training-request';
import { storeEngineWindowScores, transactionExecutor } from '../scoring/window-store';

export interface PipelineOptions {
  /** Gradient threads (default: as many as the configuration's gradient blocks and the cores allow). */
  threads?: number;
  workerScript?: string;
  /** Niceness of the training threads (0-19); the server trains below its request handling. */
  niceness?: number;
  /** Where calibration and test forward passes run (default: this thread). */
  reconstruct?: Reconstruct;
}

// Registration writes thousands of window and score rows.
const REGISTRATION_TIMEOUT_MS = 5 * 60 * 1000;

export interface Calibrated {
  scoring: FittedScoring;
  threshold: number;
}

/**
 * Fits the scoring method on the training engines (healthy windows; every labelled window for a method
 * that regresses on them) and sets its threshold on the calibration engines: the requested quantile of
 * their healthy windows' scores ('reconstruction-error'), or from the labelled windows of their full
 * trajectories for a method calibrated that way. `series` holds the engines' full trajectories;
 * `reconstruct` gives the trained network's errors of a set of windows.
 */
export async function calibrate(
  dataset: PreparedDataset,
  request: TrainingRequest,
  series: readonly EngineSeries[],
  reconstruct: (x: Float32Array, count: number) => Promise<ReconstructionErrors>,
): Promise<Calibrated> {
  const trainErrors = await reconstruct(dataset.train.x, dataset.train.count);
  let trainTrajectories = null;
  if (fitsOnTrajectories(request.scoringMethod)) {
    const labelled = labelledTrajectories(series, dataset.spec.trainUnits, dataset);
    trainTrajectories = { labels: labelled.labels, errors: await reconstruct(labelled.windows.x, labelled.windows.count) };
  }
  const scoring = fitScoring(request.scoringMethod, { train: trainErrors, features: dataset.sensors.length, trainTrajectories });
  const healthy = { windows: dataset.calibration, errors: await reconstruct(dataset.calibration.x, dataset.calibration.count) };
  let trajectories = null;
  if (calibratesOnTrajectories(scoring)) {
    const labelled = labelledTrajectories(series, dataset.spec.calibrationUnits, dataset);
    trajectories = { ...labelled, errors: await reconstruct(labelled.windows.x, labelled.windows.count) };
  }
  return { scoring, threshold: calibrateScoring(scoring, { healthy, trajectories }, request.thresholdQuantile) };
}

export class TrainingPipeline {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly registry: ModelRegistry,
    private readonly logger: Logger,
    private readonly options: PipelineOptions = {},
  ) {}

  /** The runner's executor: see JobExecutor. */
  readonly execute = async (job: TrainingJob, hooks: JobHooks): Promise<void> => {
    const request = job.config as unknown as TrainingRequest;
    const series = await loadDatasetSeries(this.prisma, request.dataset, 'TRAIN');
    const dataset = prepareDataset(series, request.split, { windowLength: request.windowLength, stride: request.stride });
    this.logger.info({ jobId: job.id, counts: dataset.counts, sensors: dataset.sensorNames }, 'training data prepared');

    const trained = await this.train(dataset, request, hooks);
    const reconstruct = this.options.reconstruct ?? reconstructOnThisThread;
    const modelKey = `training-job:${job.id}:${job.attempts}`;
    const errorsOf = (x: Float32Array, count: number) => reconstruct(trained.model, modelKey, x, count);
    const { scoring, threshold } = await calibrate(dataset, request, series, errorsOf);
    const testErrors = await errorsOf(dataset.test.x, dataset.test.count);
    const testScores = scoreWindowSet(scoring, dataset.test, testErrors);
    const evaluation = evaluateScores(dataset.testLabels, testScores.scores, threshold);
    this.logger.info(
      { jobId: job.id, rocAuc: evaluation.rocAuc, precision: evaluation.precision, recall: evaluation.recall, threshold },
      'model evaluated on the test engines',
    );
    if (hooks.signal.aborted) throw new Error('training job stopped before registration');

    await this.prisma.$transaction(
      async (tx) => {
        const version = await this.registerVersion(tx, request, dataset, trained, scoring, threshold, evaluation);
        await storeEngineWindowScores(
          transactionExecutor(tx),
          version,
          dataset.test.endCycles.map((endCycle, index) => ({ engineId: dataset.test.engineIds[index], endCycle, index })),
          { ...testErrors, scores: testScores.scores, features: dataset.sensors.length },
        );
        await hooks.markSucceeded(tx, version.id);
        if (request.activate) {
          await tx.modelVersion.updateMany({ where: { isActive: true }, data: { isActive: false } });
          await tx.modelVersion.update({ where: { id: version.id }, data: { isActive: true, activatedAt: new Date() } });
        }
      },
      { timeout: REGISTRATION_TIMEOUT_MS, maxWait: REGISTRATION_TIMEOUT_MS },
    );
  };

  private async train(dataset: PreparedDataset, request: TrainingRequest, hooks: JobHooks): Promise<TrainedAutoencoder> {
    // Progress is stored in order, one epoch after the other; a failure to store it fails the job.
    let progressStored: Promise<void> = Promise.resolve();
    const trained = await trainAutoencoder(
      { train: dataset.train.x, validation: dataset.calibration.x },
      { ...request.training, architecture: { ...request.training.architecture, features: dataset.sensors.length } },
      {
        threads: this.options.threads,
        niceness: this.options.niceness,
        workerScript: this.options.workerScript,
        signal: hooks.signal,
        onEpoch: (progress) => {
          progressStored = progressStored.then(() =>
            hooks.onEpoch({
              epoch: progress.epoch,
              loss: progress.loss,
              validationLoss: progress.validationLoss,
              learningRate: progress.learningRate,
              elapsedMs: Math.round(progress.elapsedMs),
            }),
          );
        },
      },
    );
    await progressStored;
    return trained;
  }

  private async registerVersion(
    tx: Prisma.TransactionClient,
    request: TrainingRequest,
    dataset: PreparedDataset,
    trained: TrainedAutoencoder,
    scoring: FittedScoring,
    threshold: number,
    evaluation: Evaluation,
  ) {
    const serialised = serialiseModel(trained.model);
    const version = await tx.modelVersion.create({
      data: {
        version: await this.registry.nextVersionNumber(tx),
        name: request.name,
        architecture: { kind: 'lstm-autoencoder', ...trained.model.architecture },
        hyperparameters: {
          ...trained.config,
          stride: request.stride,
          threads: trained.threads,
          selectedEpoch: trained.selectedEpoch,
          stopReason: trained.stopReason,
          finalLoss: trained.history[trained.history.length - 1]?.loss ?? null,
        } as unknown as Prisma.InputJsonObject,
        sensors: dataset.sensorNames,
        windowLength: request.windowLength,
        normalisation: dataset.normalisation as unknown as Prisma.InputJsonObject,
        scoringMethod: scoring.definition as unknown as Prisma.InputJsonObject,
        threshold,
        thresholdQuantile: request.thresholdQuantile,
        topology: serialised.topology as Prisma.InputJsonObject,
        weightSpecs: serialised.weightSpecs as unknown as Prisma.InputJsonArray,
        weights: Uint8Array.from(serialised.weights),
        backend: trained.backend,
        trainingMs: Math.round(trained.elapsedMs),
        trainedOn: {
          dataset: request.dataset,
          split: { ...request.split },
          counts: { ...dataset.counts },
        } as unknown as Prisma.InputJsonObject,
      },
    });
    // Rewritten as text: Prisma rounds numbers it sends (see platform/db/exact-floats.ts), and scoring with a
    // reloaded version must reproduce these values bit for bit.
    await tx.$executeRawUnsafe(
      `UPDATE model_versions SET threshold = $2::text::float8, normalisation = $3::text::jsonb, scoring_method = $4::text::jsonb,
              metrics = $5::text::jsonb WHERE id = $1`,
      version.id,
      exactFloat(threshold),
      exactJson(dataset.normalisation),
      exactJson(scoring.definition),
      exactJson(metricsRecord(evaluation)),
    );
    await insertEvaluation(tx, {
      modelVersionId: version.id,
      dataset: request.dataset,
      split: { role: 'TRAIN', units: request.split.testUnits, anomalyRul: request.split.anomalyRul, overlapsTraining: false },
      evaluation,
    });
    return { ...version, threshold };
  }
}
