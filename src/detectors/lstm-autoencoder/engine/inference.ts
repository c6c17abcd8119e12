// Scoring: reconstruction errors of windows under a trained autoencoder, on the calling thread, with the
// same fused forward pass as training (so scores and training losses agree to the last bit of the pass).

import { AutoencoderModel, parameterCount, validateArchitecture, windowSize } from './architecture';
import { forwardPass } from './forward-pass';
import * as tf from '@tensorflow/tfjs';
import { disposeWeights, prepareWeights, withPreparedWeights, type PreparedWeights } from './prepared-weights';
import { loadWindows, PassWorkspace } from './workspace';

export interface ReconstructionErrors {
  /** [count] mean squared error of each window over windowLength x features: the anomaly score. */
  windowErrors: Float32Array;
  /** [count, features] mean squared error of each sensor over the window's time steps. */
  sensorErrors: Float32Array;
  /**
   * [count, features] mean signed residual (input - reconstruction) of each sensor over the window's
   * steps: which way, not only how far, a sensor sits from what the healthy-trained network expects.
   */
  windowResiduals: Float32Array;
  /** [count, features] the same over the window's last `recentSteps` steps only. */
  recentResiduals: Float32Array;
  /**
   * [count, features] least-squares slope of each sensor's signed residual over the window's steps, per
   * step: whether the sensor is drifting away from what the network expects within the window.
   */
  residualSlopes: Float32Array;
  /**
   * [count, features] the window's own (normalised) readings, summarised: their mean over the last
   * `recentSteps` steps, their least-squares slope over the window's steps and their standard deviation
   * over the window. Where a sensor stands and how fast it moves, whatever the network makes of it.
   */
  recentInputs: Float32Array;
  inputSlopes: Float32Array;
  inputDeviations: Float32Array;
  /** Steps averaged in recentResiduals: min(RECENT_RESIDUAL_STEPS, windowLength). */
  recentSteps: number;
}

/**
 * Cycles at the end of a window whose residuals are also averaged on their own: degradation shows there
 * first. Chosen on the calibration engines of FD001 (3, 5 and 10 measured; see
 * ../scoring-methods.ts).
 */
export const RECENT_RESIDUAL_STEPS = 10;

export interface ReconstructionOptions {
  /**
   * Windows per forward pass (default 512): bounds the working memory (~40 KB per window for the
   * reference architecture) while keeping matrix products large enough to be efficient.
   */
  chunkSize?: number;
  /**
   * Keeps the model's weights on the backend under this key between calls: uploading them and letting
   * XNNPACK pack them again was ~0.3 ms of every pass, most of a small one. The caller promises that
   * the parameters under a key never change (a model version's key, say); a different parameters array
   * under the same key is prepared afresh. The least recently used beyond CACHED_WEIGHTS are released.
   */
  cacheKey?: string;
}

const DEFAULT_CHUNK = 512;
const CACHED_WEIGHTS = 8;

interface CachedWeights {
  parameters: Float32Array;
  backend: tf.KernelBackend;
  weights: PreparedWeights;
}

// Insertion order is recency: a hit is moved to the end.
const cachedWeights = new Map<string, CachedWeights>();

/** Releases the weights kept under `key` (see ReconstructionOptions.cacheKey); unknown keys are ignored. */
export function releaseCachedWeights(key: string): void {
  const entry = cachedWeights.get(key);
  if (!entry) return;
  cachedWeights.delete(key);
  disposeWeights(entry.weights);
}

function withWeights<T>(model: AutoencoderModel, cacheKey: string | undefined, body: (weights: PreparedWeights) => T): T {
  if (cacheKey === undefined) return withPreparedWeights(model.architecture, model.parameters, { forTraining: false }, body);
  let entry = cachedWeights.get(cacheKey);
  const backend = tf.backend();
  if (entry && (entry.parameters !== model.parameters || entry.backend !== backend)) {
    releaseCachedWeights(cacheKey);
    entry = undefined;
  }
  if (entry) {
    cachedWeights.delete(cacheKey);
  } else {
    entry = {
      parameters: model.parameters,
      backend,
      weights: prepareWeights(model.architecture, model.parameters, { forTraining: false }),
    };
  }
  cachedWeights.set(cacheKey, entry);
  while (cachedWeights.size > CACHED_WEIGHTS) releaseCachedWeights(cachedWeights.keys().next().value as string);
  return body(entry.weights);
}

// One workspace per architecture, reused across calls: scoring is synchronous, so calls never overlap.
const workspaces = new Map<string, PassWorkspace>();

function workspaceFor(model: AutoencoderModel, rows: number): PassWorkspace {
  const { features, windowLength, hidden, code } = model.architecture;
  const key = `${features}x${windowLength}x${hidden}x${code}`;
  let workspace = workspaces.get(key);
  if (workspace === undefined || workspace.capacity < rows) {
    workspace = new PassWorkspace(model.architecture, rows);
    workspaces.set(key, workspace);
  }
  return workspace;
}

/** Frees the cached scoring buffers and weights (they are rebuilt on the next call). */
export function releaseScoringBuffers(): void {
  workspaces.clear();
  for (const key of [...cachedWeights.keys()]) releaseCachedWeights(key);
}

/**
 * Per-window and per-sensor reconstruction errors of `count` windows stored sample-major in `x`
 * ([count, windowLength, features], row-major), in one batched forward pass per chunk. Needs an active
 * tfjs backend (see ./backend.ts).
 */
export function reconstructionErrors(
  model: AutoencoderModel,
  x: Float32Array,
  count: number = x.length / windowSize(model.architecture),
  options: ReconstructionOptions = {},
): ReconstructionErrors {
  const architecture = validateArchitecture(model.architecture);
  const { features: F, windowLength: T } = architecture;
  if (model.parameters.length !== parameterCount(architecture)) {
    throw new RangeError(`model has ${model.parameters.length} parameters, its architecture needs ${parameterCount(architecture)}`);
  }
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (x.length < count * T * F) throw new RangeError(`x holds ${x.length} values, ${count} windows need ${count * T * F}`);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);

  const windowErrors = new Float32Array(count);
  const sensorErrors = new Float32Array(count * F);
  const windowResiduals = new Float32Array(count * F);
  const recentResiduals = new Float32Array(count * F);
  const residualSlopes = new Float32Array(count * F);
  const recentInputs = new Float32Array(count * F);
  const inputSlopes = new Float32Array(count * F);
  const inputDeviations = new Float32Array(count * F);
  const recentSteps = Math.min(RECENT_RESIDUAL_STEPS, T);
  const errors = {
    windowErrors,
    sensorErrors,
    windowResiduals,
    recentResiduals,
    residualSlopes,
    recentInputs,
    inputSlopes,
    inputDeviations,
    recentSteps,
  };
  if (count === 0) return errors;
  const workspace = workspaceFor(model, Math.min(count, chunkSize));
  const sums = new Float64Array(F);
  const residualSums = new Float64Array(F);
  const recentSums = new Float64Array(F);
  const slopeSums = new Float64Array(F);
  const inputSums = new Float64Array(F);
  const inputSquares = new Float64Array(F);
  const recentInputSums = new Float64Array(F);
  const inputSlopeSums = new Float64Array(F);
  // Steps centred on the window's middle; their sum of squares normalises the slope (1 for one step).
  const middle = (T - 1) / 2;
  let centredSquares = 0;
  for (let t = 0; t < T; t++) centredSquares += (t - middle) ** 2;
  centredSquares ||= 1;

  withWeights(model, options.cacheKey, (weights) => {
    for (let first = 0; first < count; first += workspace.capacity) {
      const rows = Math.min(workspace.capacity, count - first);
      loadWindows(workspace, x, null, first, rows);
      forwardPass(weights, workspace, rows);
      const { input, output } = workspace;
      for (let n = 0; n < rows; n++) {
        sums.fill(0);
        residualSums.fill(0);
        slopeSums.fill(0);
        inputSums.fill(0);
        inputSquares.fill(0);
        inputSlopeSums.fill(0);
        for (let t = 0; t < T; t++) {
          const offset = (t * rows + n) * F;
          if (t === T - recentSteps) {
            recentSums.set(residualSums);
            recentInputSums.set(inputSums);
          }
          for (let k = 0; k < F; k++) {
            const value = input[offset + k];
            const d = output[offset + k] - value;
            sums[k] += d * d;
            residualSums[k] -= d;
            slopeSums[k] -= (t - middle) * d;
            inputSums[k] += value;
            inputSquares[k] += value * value;
            inputSlopeSums[k] += (t - middle) * value;
          }
        }
        let total = 0;
        for (let k = 0; k < F; k++) {
          const at = (first + n) * F + k;
          sensorErrors[at] = sums[k] / T;
          windowResiduals[at] = residualSums[k] / T;
          recentResiduals[at] = (residualSums[k] - recentSums[k]) / recentSteps;
          residualSlopes[at] = slopeSums[k] / centredSquares;
          recentInputs[at] = (inputSums[k] - recentInputSums[k]) / recentSteps;
          inputSlopes[at] = inputSlopeSums[k] / centredSquares;
          const mean = inputSums[k] / T;
          inputDeviations[at] = Math.sqrt(Math.max(inputSquares[k] / T - mean * mean, 0));
          total += sums[k];
        }
        windowErrors[first + n] = total / (T * F);
      }
    }
  });
  return errors;
}
