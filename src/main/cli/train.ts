// `train`: queues a training job and runs it in this process (the same code path as the server's
// runner), drawing a progress bar, then prints the metrics of the registered version.
import { SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import type { Database } from '../../platform/db/database';
import type { Logger } from '../../platform/observability/logger';
import { selectBackend } from '../../detectors/lstm-autoencoder/engine';
import { createServices } from '../services';
import type { MetricsRecord } from '../../modules/evaluation/evaluation-records';
import type { TrainingRequestInput, UnitRange } from '../../modules/training/training-request';
import { metricsTable } from './report';
import { cliLogger, withDatabase } from './runtime';
import { parseInteger, parseNumber, parseUnitRanges } from './units';
import { SCORING_METHODS } from '../../detectors/lstm-autoencoder/scoring';

export interface TrainOutcome {
  jobId: number;
  status: string;
  error: string | null;
  modelVersionId: number | null;
  version: number | null;
  metrics: MetricsRecord | null;
  threshold: number | null;
  trainingMs: number | null;
}

export async function runTraining(
  database: Database,
  logger: Logger,
  input: TrainingRequestInput,
  options: { progress: boolean; write: (text: string) => void },
): Promise<TrainOutcome> {
  await selectBackend({ log: (line) => logger.info(line) });
  let bar: SingleBar | null = null;
  const services = createServices(database, logger, {
    runner: {
      onEpoch: (_jobId, progress) => {
        if (!options.progress) return;
        if (!bar) {
          bar = new SingleBar({
            format: 'epoch {value}/{total} [{bar}] loss {loss} val {val} | {elapsed}s elapsed, ~{remaining}s left',
            hideCursor: true,
          });
          bar.start(job.totalEpochs, 0, { loss: '-', val: '-', elapsed: 0, remaining: '?' });
        }
        const perEpoch = progress.elapsedMs / progress.epoch;
        bar.update(progress.epoch, {
          loss: progress.loss.toFixed(5),
          val: progress.validationLoss === null ? '-' : progress.validationLoss.toFixed(5),
          elapsed: (progress.elapsedMs / 1000).toFixed(0),
          remaining: ((perEpoch * (job.totalEpochs - progress.epoch)) / 1000).toFixed(0),
        });
      },
    },
  });
  const job = await services.jobs.enqueue(input);
  options.write(`training job ${job.id} queued: ${job.totalEpochs} epochs\n`);
  const finished = await services.runner.runNext(job.id).finally(() => (bar as SingleBar | null)?.stop());
  if (!finished) throw new Error(`training job ${job.id} was taken by another runner`);
  const version = finished.modelVersionId === null ? null : await services.models.get(finished.modelVersionId);
  const outcome: TrainOutcome = {
    jobId: finished.id,
    status: finished.status,
    error: finished.error,
    modelVersionId: version?.id ?? null,
    version: version?.version ?? null,
    metrics: (version?.metrics as unknown as MetricsRecord | null) ?? null,
    threshold: version?.threshold ?? null,
    trainingMs: version?.trainingMs ?? null,
  };
  if (outcome.metrics && version) {
    options.write(
      `${metricsTable(`model version ${version.version} (id ${version.id}), trained in ${((version.trainingMs ?? 0) / 1000).toFixed(1)} s on ${version.backend}; test engines:`, outcome.metrics)}\n`,
    );
  } else {
    options.write(`training job ${finished.id} ${finished.status.toLowerCase()}${finished.error ? `: ${finished.error}` : ''}\n`);
  }
  return outcome;
}

interface TrainCommandOptions {
  name?: string;
  dataset: string;
  trainUnits?: UnitRange[];
  calibrationUnits?: UnitRange[];
  testUnits?: UnitRange[];
  healthyRul?: number;
  anomalyRul?: number;
  windowLength?: number;
  stride?: number;
  hidden?: number;
  code?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  weightDecay?: number;
  clipNorm?: number;
  seed?: number;
  earlyStoppingPatience?: number;
  thresholdQuantile?: number;
  scoring?: string;
  activate?: boolean;
  progress: boolean;
}

/** The command's options as a training request (validated by the service, like the GraphQL input). */
function trainingInput(options: TrainCommandOptions): TrainingRequestInput {
  return {
    name: options.name ?? null,
    dataset: options.dataset,
    trainUnits: options.trainUnits ?? null,
    calibrationUnits: options.calibrationUnits ?? null,
    testUnits: options.testUnits ?? null,
    healthyRul: options.healthyRul ?? null,
    anomalyRul: options.anomalyRul ?? null,
    windowLength: options.windowLength ?? null,
    stride: options.stride ?? null,
    hidden: options.hidden ?? null,
    code: options.code ?? null,
    epochs: options.epochs ?? null,
    batchSize: options.batchSize ?? null,
    learningRate: options.learningRate ?? null,
    weightDecay: options.weightDecay ?? null,
    clipNorm: options.clipNorm ?? null,
    seed: options.seed ?? null,
    earlyStoppingPatience: options.earlyStoppingPatience ?? null,
    thresholdQuantile: options.thresholdQuantile ?? null,
    scoringMethod: options.scoring ?? null,
    activate: options.activate ?? false,
  };
}

export function trainCommand(): Command {
  return new Command('train')
    .description(
      'Train a model version in this process (the same job as the trainModel mutation: queued, run, calibrated, evaluated on ' +
        'the test units and registered), with a progress bar per epoch; prints the metrics on the test units. Every option ' +
        'defaults to the reference configuration.',
    )
    .option('--name <name>', 'name of the version')
    .option('--dataset <subset>', 'imported subset to train on (FD001..FD004)', 'FD001')
    .option('--train-units <ranges>', 'training units, e.g. 1-70', parseUnitRanges)
    .option('--calibration-units <ranges>', 'units whose healthy windows set the threshold, e.g. 71-80', parseUnitRanges)
    .option('--test-units <ranges>', 'units the version is evaluated on, e.g. 81-100', parseUnitRanges)
    .option('--healthy-rul <cycles>', 'windows ending with RUL above this are healthy (training data)', parseInteger)
    .option('--anomaly-rul <cycles>', 'windows ending with RUL at or below this are anomalous', parseInteger)
    .option('--window-length <cycles>', 'cycles per window', parseInteger)
    .option('--stride <cycles>', 'cycles between the ends of consecutive windows', parseInteger)
    .option('--hidden <units>', 'LSTM units of encoder and decoder', parseInteger)
    .option('--code <units>', 'bottleneck size', parseInteger)
    .option('--epochs <count>', 'training epochs', parseInteger)
    .option('--batch-size <windows>', 'windows per batch', parseInteger)
    .option('--learning-rate <rate>', 'initial Adam learning rate (cosine schedule to 0)', parseNumber)
    .option('--weight-decay <value>', 'Adam L2 weight decay', parseNumber)
    .option('--clip-norm <value>', 'global gradient-norm clipping', parseNumber)
    .option('--seed <integer>', 'seeds initialisation and shuffling', parseInteger)
    .option('--early-stopping-patience <epochs>', 'stop after this many epochs without improvement of the calibration loss', parseInteger)
    .option('--threshold-quantile <q>', 'quantile of the healthy calibration scores used as threshold (reconstruction-error)', parseNumber)
    .addOption(
      new Option('--scoring <method>', 'scoring method (default reconstruction-error; see README, Scoring methods)').choices(
        SCORING_METHODS,
      ),
    )
    .option('--activate', 'make the new version the active one')
    .option('--no-progress', 'no progress bar')
    .action(async (options: TrainCommandOptions) => {
      const outcome = await withDatabase((database) =>
        runTraining(database, cliLogger(), trainingInput(options), {
          progress: options.progress && process.stderr.isTTY === true,
          write: (text) => process.stdout.write(text),
        }),
      );
      if (outcome.status !== 'SUCCEEDED') process.exitCode = 1;
    });
}
