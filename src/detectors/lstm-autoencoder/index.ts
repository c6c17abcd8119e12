// The LSTM autoencoder as a detector kind: trained on healthy windows in worker threads (./engine), its
// per-sensor reconstruction errors and signed residuals turned into a score by one of its scoring methods
// (./scoring-methods.ts), the threshold calibrated as that method prescribes.
import type {
  Detector,
  DetectorArtifact,
  DetectorKind,
  FitContext,
  FitData,
  LabelledWindows,
  WindowBatch,
  WindowScores,
} from '../detector';
import { DetectorOptionError } from '../detector';
import { resolveOptionValues } from '../options';
import {
  deserialiseModel,
  reconstructOnThisThread,
  resolveTrainingConfig,
  serialiseModel,
  TrainingConfigError,
  trainAutoencoder,
  type AutoencoderModel,
  type Reconstruct,
  type ReconstructionErrors,
  type TrainingConfig,
  type WeightSpec,
} from './engine';
import {
  calibrateScoring,
  calibratesOnTrajectories,
  fitScoring,
  fitsOnTrajectories,
  scoreErrors,
  SCORING_METHODS,
  storedScoring,
  type FittedScoring,
} from './scoring';

export interface LstmAutoencoderOptions {
  hidden: number;
  code: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  clipNorm: number;
  seed: number;
  /** null: no early stopping. */
  earlyStoppingPatience: number | null;
  scoringMethod: string;
}

/** How this process trains and runs the network (the server gives its inference thread and training niceness). */
export interface LstmAutoencoderRuntime {
  /** Where forward passes run (default: the calling thread). */
  reconstruct?: Reconstruct;
  /** Gradient threads (default: as many as the configuration's gradient blocks and the cores allow). */
  threads?: number;
  /** Niceness of the training threads (0-19). */
  niceness?: number;
  workerScript?: string;
}

function runtimeOf(runtime: Readonly<Record<string, unknown>>): LstmAutoencoderRuntime {
  return (runtime.lstmAutoencoder ?? {}) as LstmAutoencoderRuntime;
}

/** The training configuration of the engine for these options, on windows of `windowLength` x `features`. */
export function trainingConfigOf(options: LstmAutoencoderOptions, windowLength: number, features: number): TrainingConfig {
  return resolveTrainingConfig({
    architecture: { windowLength, features, hidden: options.hidden, code: options.code },
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    weightDecay: options.weightDecay,
    clipNorm: options.clipNorm,
    seed: options.seed,
    ...(options.earlyStoppingPatience !== null ? { earlyStopping: { patience: options.earlyStoppingPatience } } : {}),
  });
}

class LstmAutoencoderDetector implements Detector {
  constructor(
    private readonly model: AutoencoderModel,
    readonly scoring: FittedScoring,
    private readonly reconstruct: Reconstruct,
    private readonly cacheKey: string,
  ) {}

  errors(windows: WindowBatch): Promise<ReconstructionErrors> {
    return this.reconstruct(this.model, this.cacheKey, windows.x, windows.count);
  }

  async score(windows: WindowBatch): Promise<WindowScores> {
    const errors = await this.errors(windows);
    return {
      scores: scoreErrors(this.scoring, errors, windows.count, windows.earlier),
      raw: Float64Array.from(errors.windowErrors),
      contributions: errors.sensorErrors,
      directions: errors.recentResiduals,
    };
  }
}

function labelled(trajectories: LabelledWindows | null, purpose: string): LabelledWindows {
  if (!trajectories) throw new DetectorOptionError(`${purpose} needs labelled run-to-failure engines, and this data set has none`);
  return trajectories;
}

/**
 * Fits the scoring method on the training engines (healthy windows; every labelled window for a method
 * that regresses on them) and sets its threshold on the calibration engines: the requested quantile of
 * their healthy windows' scores ('reconstruction-error'), or from the labelled windows of their full
 * trajectories for a method calibrated that way. 'degradation-logistic' is cross-fitted on the training
 * and calibration engines' trajectories together, its threshold set on the out-of-fold scores.
 */
async function calibrate(
  data: FitData,
  method: string,
  errorsOf: (windows: WindowBatch) => Promise<ReconstructionErrors>,
): Promise<{ scoring: FittedScoring; threshold: number }> {
  const train = await errorsOf(data.train);
  const labelledErrors = async (windows: LabelledWindows) => ({
    count: windows.windows.count,
    labels: windows.labels,
    engines: windows.engines,
    earlier: windows.windows.earlier,
    errors: await errorsOf(windows.windows),
  });
  let trainTrajectories = null;
  let calibrationTrajectories = null;
  if (fitsOnTrajectories(method)) {
    trainTrajectories = await labelledErrors(labelled(await data.trainTrajectories(), `the ${method} scoring method`));
    calibrationTrajectories = await labelledErrors(labelled(await data.calibrationTrajectories(), `the ${method} scoring method`));
  }
  const scoring = fitScoring(method, { train, features: data.train.features, trainTrajectories, calibrationTrajectories });
  const healthy = { count: data.calibration.count, errors: await errorsOf(data.calibration), earlier: data.calibration.earlier };
  let trajectories = calibrationTrajectories;
  if (trajectories === null && calibratesOnTrajectories(scoring)) {
    trajectories = await labelledErrors(labelled(await data.calibrationTrajectories(), `the ${method} scoring method`));
  }
  return { scoring, threshold: calibrateScoring(scoring, { healthy, trajectories }, data.thresholdQuantile) };
}

export const lstmAutoencoderKind: DetectorKind<LstmAutoencoderOptions> = {
  name: 'lstm-autoencoder',
  description:
    'An LSTM encoder-decoder trained to reconstruct healthy windows (worker threads, TensorFlow.js WebAssembly kernels); ' +
    'a window it cannot reconstruct is anomalous. Its scoring method turns per-sensor reconstruction errors and signed ' +
    'residuals into the score.',
  contributions:
    "Each sensor's mean squared reconstruction error over the window (normalised units); directions are the mean signed " +
    'residual (reading minus reconstruction) over the last 10 cycles, in healthy standard deviations.',
  needsLabels: false,
  options: [
    { name: 'hidden', type: 'int', default: 64, min: 1, max: 512, description: 'LSTM state size of encoder and decoder.' },
    { name: 'code', type: 'int', default: 16, min: 1, max: 512, description: 'Bottleneck code size.' },
    { name: 'epochs', type: 'int', default: 80, min: 1, max: 1000, description: 'Training epochs.' },
    { name: 'batchSize', type: 'int', default: 128, min: 1, max: 4096, description: 'Windows per batch.' },
    {
      name: 'learningRate',
      type: 'float',
      default: 0.002,
      min: 1e-7,
      max: 1,
      description: 'Adam learning rate, decayed to 0 on a cosine.',
    },
    { name: 'weightDecay', type: 'float', default: 1e-5, min: 0, max: 1, description: 'Adam L2 weight decay.' },
    { name: 'clipNorm', type: 'float', default: 1, min: 1e-6, max: 1e6, description: 'Global gradient-norm clipping.' },
    { name: 'seed', type: 'int', default: 0, min: 0, max: 2 ** 31 - 1, description: 'Seeds initialisation and shuffling.' },
    {
      name: 'earlyStoppingPatience',
      type: 'int',
      default: null,
      min: 1,
      max: 1000,
      description: 'Stop after this many epochs without improvement of the calibration loss (default: no early stopping).',
    },
    {
      name: 'scoringMethod',
      type: 'string',
      default: SCORING_METHODS[0],
      choices: SCORING_METHODS,
      description:
        'reconstruction-error (the reference: mean squared error, threshold at thresholdQuantile of the healthy calibration ' +
        'windows), normalised-error (trimmed mean of per-sensor log error ratios to their healthy training level) or ' +
        'degradation-logistic (log-odds of RUL <= anomalyRul from the per-sensor log error ratios, signed residuals and their ' +
        "slopes, the window's own readings (recent mean, slope and deviation) and how far each recent reading moved since " +
        "the engine's reading 50 cycles earlier (a window scored alone reads as an engine's first); a " +
        "logistic regression cross-fitted on the training and calibration engines' labelled trajectories); the last two set " +
        "the threshold that flags 95% of the anomalous windows of the calibration engines' trajectories (normalised-error) or " +
        'of the out-of-fold scores of both sets (degradation-logistic).',
    },
  ],

  resolveOptions(input) {
    const values = resolveOptionValues(this.options, input);
    return { earlyStoppingPatience: null, ...values } as unknown as LstmAutoencoderOptions;
  },

  totalSteps(options) {
    return options.epochs;
  },

  async fit(data: FitData, options: LstmAutoencoderOptions, context: FitContext) {
    let config: TrainingConfig;
    try {
      config = trainingConfigOf(options, data.windowLength, data.train.features);
    } catch (error) {
      if (error instanceof TrainingConfigError) throw new DetectorOptionError(error.message);
      throw error;
    }
    const runtime = runtimeOf(context.runtime);
    // Progress is recorded in order, one epoch after the other. A failed record stops the training (it
    // is never left as a rejection nobody awaits) and fails the fit with its own error.
    const stopped = new AbortController();
    const stop = () => stopped.abort();
    context.signal.addEventListener('abort', stop, { once: true });
    let recording: Promise<void> = Promise.resolve();
    let recordFailure: unknown = null;
    let trained;
    try {
      trained = await trainAutoencoder({ train: data.train.x, validation: data.calibration.x }, config, {
        threads: runtime.threads,
        niceness: runtime.niceness,
        workerScript: runtime.workerScript,
        signal: stopped.signal,
        onEpoch: (progress) => {
          recording = recording
            .then(() =>
              context.onProgress({
                step: progress.epoch,
                totalSteps: config.epochs,
                loss: progress.loss,
                validationLoss: progress.validationLoss,
                learningRate: progress.learningRate,
                elapsedMs: Math.round(progress.elapsedMs),
              }),
            )
            .catch((error: unknown) => {
              recordFailure ??= error;
              stopped.abort();
            });
        },
      });
    } catch (error) {
      await recording;
      throw recordFailure ?? error;
    } finally {
      context.signal.removeEventListener('abort', stop);
    }
    await recording;
    if (recordFailure) throw recordFailure;

    const reconstruct = runtime.reconstruct ?? reconstructOnThisThread;
    const errorsOf = (windows: WindowBatch) => reconstruct(trained.model, context.cacheKey, windows.x, windows.count);
    const { scoring, threshold } = await calibrate(data, options.scoringMethod, errorsOf);
    const serialised = serialiseModel(trained.model);
    const artifact: DetectorArtifact = {
      json: { topology: serialised.topology, weightSpecs: serialised.weightSpecs },
      binary: Uint8Array.from(serialised.weights),
    };
    return {
      detector: new LstmAutoencoderDetector(trained.model, scoring, reconstruct, context.cacheKey),
      threshold,
      artifact,
      scoring: { method: scoring.definition.kind, definition: scoring.definition as unknown as Record<string, unknown> },
      summary: {
        backend: trained.backend,
        threads: trained.threads,
        selectedEpoch: trained.selectedEpoch,
        stopReason: trained.stopReason,
        finalLoss: trained.history[trained.history.length - 1]?.loss ?? null,
        training: trained.config,
      },
    };
  },

  async load(stored, runtime) {
    const model = deserialiseModel({
      topology: stored.artifact.json.topology as Record<string, unknown>,
      weightSpecs: stored.artifact.json.weightSpecs as WeightSpec[],
      weights: Buffer.from(stored.artifact.binary ?? new Uint8Array(0)),
    });
    const reconstruct = runtimeOf(runtime).reconstruct ?? reconstructOnThisThread;
    return new LstmAutoencoderDetector(model, storedScoring(stored.scoring.definition, stored.features), reconstruct, stored.cacheKey);
  },
};
