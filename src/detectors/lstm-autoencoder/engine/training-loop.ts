// The epoch/batch loop of the reference: shuffle, batch gradient (delegated to an engine: in-process or
// spread over worker threads), clip, Adam step; cosine learning rate per epoch; validation loss; early
// stopping; progress and cancellation between batches. Independent of where gradients are computed.

import { windowSize } from './architecture';
import { optimisedVariables } from './bias-parameterisation';
import { initialState } from './initialisation';
import { Adam, clipGradientNorm, cosineLearningRate } from './optimiser';
import { deriveRandom, shuffleInPlace } from './random';
import { TrainingConfig } from './training-config';
import { EpochProgress, StopReason } from './training-types';

/** Where batch gradients come from. */
export interface GradientEngine {
  /** The permutation of training windows for the current epoch; the loop writes it, the engine reads it. */
  readonly order: Int32Array;
  readonly trainCount: number;
  readonly validationCount: number;
  /** Gradient of the MSE of windows order[first .. first + rows) into `gradient`; returns their sum of squared errors. */
  batchGradient(parameters: Float32Array, first: number, rows: number, gradient: Float32Array): number;
  /** Sum of squared errors over the validation windows (0 windows: 0). */
  validationSquaredError(parameters: Float32Array): number;
}

export interface LoopHooks {
  onEpoch?: (progress: EpochProgress) => void;
  /** Checked before every batch. */
  isCancelled?: () => boolean;
  /** Awaited after every epoch: lets an in-process caller's event loop run (timers, abort signals). */
  betweenEpochs?: () => Promise<void>;
  /** Start time for elapsedMs (defaults to the loop's start). */
  startedAt?: number;
}

export interface LoopOutcome {
  history: EpochProgress[];
  selectedEpoch: number;
  stopReason: StopReason | 'cancelled';
}

/**
 * Initialises `parameters` (the model the engine computes with: a plain array in process, shared memory
 * across threads) from the config's seed and trains them in place.
 */
export async function runTrainingLoop(
  config: TrainingConfig,
  engine: GradientEngine,
  parameters: Float32Array,
  hooks: LoopHooks = {},
): Promise<LoopOutcome> {
  const startedAt = hooks.startedAt ?? performance.now();
  const values = windowSize(config.architecture);
  const initial = initialState(config.architecture, config.initialisation, config.seed);
  parameters.set(initial.model.parameters);
  const optimised = optimisedVariables(config.lstmBias, config.architecture, initial, parameters);
  const adam = new Adam(optimised.variables.length, config);
  const gradient = new Float32Array(parameters.length);
  const shuffleRandom = deriveRandom(config.seed, 'shuffle');
  const order = engine.order;
  for (let i = 0; i < engine.trainCount; i++) order[i] = i;

  const history: EpochProgress[] = [];
  const early = config.earlyStopping;
  let best = Infinity;
  let bestEpoch = 0;
  let bestParameters: Float32Array | null = null;
  let epochsWithoutImprovement = 0;
  let stopReason: LoopOutcome['stopReason'] = 'completed';

  epochs: for (let epoch = 0; epoch < config.epochs; epoch++) {
    const learningRate =
      config.schedule === 'cosine'
        ? cosineLearningRate(config.learningRate, config.minLearningRate, epoch, config.epochs)
        : config.learningRate;
    // Reshuffle the permutation of the previous epoch, like a DataLoader drawing a new permutation.
    if (config.shuffle) shuffleInPlace(order, shuffleRandom);

    let squaredErrors = 0;
    for (let first = 0; first < engine.trainCount; first += config.batchSize) {
      if (hooks.isCancelled?.()) {
        stopReason = 'cancelled';
        break epochs;
      }
      const rows = Math.min(config.batchSize, engine.trainCount - first);
      squaredErrors += engine.batchGradient(parameters, first, rows, gradient);
      const variableGradient = optimised.variableGradient(gradient);
      if (config.clipNorm !== null) clipGradientNorm(variableGradient, config.clipNorm);
      adam.step(optimised.variables, variableGradient, learningRate);
      optimised.writeModel(parameters);
    }

    const loss = squaredErrors / (engine.trainCount * values);
    if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} in epoch ${epoch + 1}`);
    const validationLoss =
      engine.validationCount > 0 ? engine.validationSquaredError(parameters) / (engine.validationCount * values) : null;
    const progress: EpochProgress = {
      epoch: epoch + 1,
      epochs: config.epochs,
      loss,
      validationLoss,
      learningRate,
      elapsedMs: performance.now() - startedAt,
    };
    history.push(progress);

    let stopNow = false;
    if (early) {
      const monitored = validationLoss ?? loss;
      if (monitored < best - early.minDelta) {
        best = monitored;
        bestEpoch = epoch + 1;
        if (early.restoreBest) bestParameters = parameters.slice();
        epochsWithoutImprovement = 0;
      } else {
        epochsWithoutImprovement += 1;
        stopNow = epochsWithoutImprovement >= early.patience;
      }
    }
    hooks.onEpoch?.(progress);
    if (stopNow) {
      stopReason = 'early-stopping';
      break;
    }
    await hooks.betweenEpochs?.();
  }

  let selectedEpoch = history.length;
  if (stopReason !== 'cancelled' && early?.restoreBest && bestParameters !== null && bestEpoch !== history.length) {
    parameters.set(bestParameters);
    selectedEpoch = bestEpoch;
  }
  return { history, selectedEpoch, stopReason };
}
