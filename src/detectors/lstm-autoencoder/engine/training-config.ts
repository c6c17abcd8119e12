// Training configuration: defaults equal to the PyTorch reference (../shared/anchors/reference_lstm_ae.py)
// and validation with messages that name the offending field.

import { AutoencoderArchitecture, REFERENCE_ARCHITECTURE, validateArchitecture } from './architecture';
import { LSTM_BIAS_PARAMETERISATIONS, LstmBiasParameterisation } from './bias-parameterisation';
import { INITIALISATION_SCHEMES, InitialisationScheme } from './initialisation';

export interface EarlyStoppingConfig {
  /** Epochs without an improvement larger than minDelta before training stops. */
  patience: number;
  /** Smallest decrease of the monitored loss that counts as an improvement. */
  minDelta: number;
  /** On stopping (or at the end), return the parameters of the best epoch instead of the last. */
  restoreBest: boolean;
}

export interface TrainingConfig {
  architecture: AutoencoderArchitecture;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Learning rate reached by the cosine schedule after the last epoch (PyTorch eta_min). */
  minLearningRate: number;
  /** 'cosine': CosineAnnealingLR stepped per epoch; 'constant': no schedule. */
  schedule: 'cosine' | 'constant';
  beta1: number;
  beta2: number;
  epsilon: number;
  /** PyTorch Adam weight_decay (L2 added to the gradient). */
  weightDecay: number;
  /** Global gradient-norm clipping threshold; null disables clipping. */
  clipNorm: number | null;
  /** Reshuffle the training windows every epoch (PyTorch DataLoader shuffle=True). */
  shuffle: boolean;
  /** Seeds initialisation and shuffling: same seed, same backend -> same weights. */
  seed: number;
  initialisation: InitialisationScheme;
  /**
   * 'pair' (default): optimise each LSTM bias as PyTorch's two vectors bias_ih + bias_hh, which makes the
   * effective bias learn about twice as fast as one vector would (see ./bias-parameterisation.ts);
   * 'single': one bias vector, as tf.layers/Keras train it.
   */
  lstmBias: LstmBiasParameterisation;
  /**
   * Each batch's gradient is computed as the sum of this many consecutive blocks (one per worker thread
   * when training in parallel). Part of the configuration because float summation order depends on it:
   * with the same value, one thread and several threads produce bit-identical weights.
   */
  gradientBlocks: number;
  /** Monitors the validation loss (the training loss when no validation windows are given). */
  earlyStopping: EarlyStoppingConfig | null;
}

export const DEFAULT_TRAINING_CONFIG: Readonly<TrainingConfig> = Object.freeze({
  architecture: REFERENCE_ARCHITECTURE,
  epochs: 80,
  batchSize: 128,
  learningRate: 2e-3,
  minLearningRate: 0,
  schedule: 'cosine',
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 1e-5,
  clipNorm: 1.0,
  shuffle: true,
  seed: 0,
  initialisation: 'pytorch',
  lstmBias: 'pair',
  gradientBlocks: 2,
  earlyStopping: null,
});

export const DEFAULT_EARLY_STOPPING: Readonly<EarlyStoppingConfig> = Object.freeze({
  patience: 10,
  minDelta: 0,
  restoreBest: true,
});

export type TrainingConfigInput = Partial<Omit<TrainingConfig, 'architecture' | 'earlyStopping'>> & {
  architecture?: Partial<AutoencoderArchitecture>;
  /** true = the default early stopping; an object overrides some of its fields. */
  earlyStopping?: Partial<EarlyStoppingConfig> | boolean | null;
};

export class TrainingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingConfigError';
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new TrainingConfigError(message);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Defaults filled in and every field validated; throws TrainingConfigError. */
export function resolveTrainingConfig(input: TrainingConfigInput = {}): TrainingConfig {
  check(input !== null && typeof input === 'object', 'training config must be an object');
  const known = new Set<string>(Object.keys(DEFAULT_TRAINING_CONFIG));
  for (const key of Object.keys(input)) check(known.has(key), `unknown training config field "${key}"`);

  const architecture = { ...DEFAULT_TRAINING_CONFIG.architecture, ...(input.architecture ?? {}) };
  try {
    validateArchitecture(architecture);
  } catch (error) {
    throw new TrainingConfigError((error as Error).message);
  }

  let earlyStopping: EarlyStoppingConfig | null = null;
  if (input.earlyStopping === true) earlyStopping = { ...DEFAULT_EARLY_STOPPING };
  else if (input.earlyStopping && typeof input.earlyStopping === 'object') {
    earlyStopping = { ...DEFAULT_EARLY_STOPPING, ...input.earlyStopping };
  } else {
    check(input.earlyStopping == null || input.earlyStopping === false, 'earlyStopping must be a boolean, an object or null');
  }

  const config: TrainingConfig = {
    ...DEFAULT_TRAINING_CONFIG,
    ...(input as Partial<TrainingConfig>),
    architecture,
    earlyStopping,
  };

  check(Number.isInteger(config.epochs) && config.epochs >= 1, `epochs must be a positive integer, got ${config.epochs}`);
  check(Number.isInteger(config.batchSize) && config.batchSize >= 1, `batchSize must be a positive integer, got ${config.batchSize}`);
  check(isFiniteNumber(config.learningRate) && config.learningRate > 0, `learningRate must be > 0, got ${config.learningRate}`);
  check(
    isFiniteNumber(config.minLearningRate) && config.minLearningRate >= 0 && config.minLearningRate <= config.learningRate,
    `minLearningRate must be in [0, learningRate], got ${config.minLearningRate}`,
  );
  check(
    config.schedule === 'cosine' || config.schedule === 'constant',
    `schedule must be "cosine" or "constant", got ${String(config.schedule)}`,
  );
  check(isFiniteNumber(config.beta1) && config.beta1 >= 0 && config.beta1 < 1, `beta1 must be in [0, 1), got ${config.beta1}`);
  check(isFiniteNumber(config.beta2) && config.beta2 >= 0 && config.beta2 < 1, `beta2 must be in [0, 1), got ${config.beta2}`);
  check(isFiniteNumber(config.epsilon) && config.epsilon > 0, `epsilon must be > 0, got ${config.epsilon}`);
  check(isFiniteNumber(config.weightDecay) && config.weightDecay >= 0, `weightDecay must be >= 0, got ${config.weightDecay}`);
  check(
    config.clipNorm === null || (isFiniteNumber(config.clipNorm) && config.clipNorm > 0),
    `clipNorm must be > 0 or null, got ${config.clipNorm}`,
  );
  check(typeof config.shuffle === 'boolean', 'shuffle must be a boolean');
  check(Number.isSafeInteger(config.seed), `seed must be an integer, got ${config.seed}`);
  check(
    INITIALISATION_SCHEMES.includes(config.initialisation),
    `initialisation must be one of ${INITIALISATION_SCHEMES.join(', ')}, got ${String(config.initialisation)}`,
  );
  check(
    LSTM_BIAS_PARAMETERISATIONS.includes(config.lstmBias),
    `lstmBias must be one of ${LSTM_BIAS_PARAMETERISATIONS.join(', ')}, got ${String(config.lstmBias)}`,
  );
  check(
    Number.isInteger(config.gradientBlocks) && config.gradientBlocks >= 1 && config.gradientBlocks <= 64,
    `gradientBlocks must be an integer in [1, 64], got ${config.gradientBlocks}`,
  );
  if (earlyStopping) {
    check(
      Number.isInteger(earlyStopping.patience) && earlyStopping.patience >= 1,
      `earlyStopping.patience must be a positive integer, got ${earlyStopping.patience}`,
    );
    check(
      isFiniteNumber(earlyStopping.minDelta) && earlyStopping.minDelta >= 0,
      `earlyStopping.minDelta must be >= 0, got ${earlyStopping.minDelta}`,
    );
    check(typeof earlyStopping.restoreBest === 'boolean', 'earlyStopping.restoreBest must be a boolean');
  }
  return config;
}
