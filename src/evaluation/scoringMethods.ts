// Scoring methods: how a window's anomaly score is derived from its per-sensor reconstruction errors
// (the mean squared error of each sensor over the window's time steps, [count, features]), and how the
// method's threshold is calibrated. A method is a JSON-safe description stored with a model version
// (model_versions.scoring_method), fitted once at training on the training engines, and applied to
// windows being scored. Every method scores a window from its own errors only (no engine context), so a
// raw window sent by a client, a live engine's new window and a stored trajectory are scored alike.
//
// Methods:
//  - 'reconstruction-error' (the default, the reference's score): mean over sensors of the per-sensor
//    errors, i.e. the mean squared reconstruction error over the window's steps x sensors. Threshold: the
//    requested quantile (default 0.99) of the scores of the healthy calibration windows.
//  - 'normalised-error': each sensor's error divided by its typical error on healthy training windows
//    (sensorScale), log-transformed, and averaged after dropping the `trim` lowest and the `trim` highest
//    sensors of the window:
//        r_j = ln(max(e_j / c_j, RATIO_FLOOR)),  score = mean of the middle F - 2 trim values of sorted r.
//    Trimming keeps the two core-speed sensors (9 and 14 on FD001), whose relative error explodes on
//    some engines and not others, from dominating the score.
//  - 'degradation-logistic': the log-odds that the window ends within anomalyRul cycles of failure,
//        score = intercept + sum_j coefficients_j r_j   (r_j as above),
//    an L2-regularised logistic regression (./logisticRegression.ts) of the anomaly labels of every
//    window of the training engines' run-to-failure trajectories. The autoencoder never saw those
//    degraded windows; the regression learns which sensors' errors grow near failure.
//  The last two set their threshold on the calibration engines' labelled run-to-failure trajectories
//  (every window, anomalous when RUL <= anomalyRul): the highest threshold that flags `calibrationRecall`
//  (0.95) of their anomalous windows (thresholdForRecall). A healthy-quantile threshold fires on early
//  degradation (RUL 31-80), which the labels count as false alarms; this one is set where the labelled
//  alarms are.
//
// Study on FD001 (reference network, seeds 0-2, errors dumped by bench/quality.ts --dump). Parameters
// were selected on the calibration engines 71-80 only (precision at 95% recall of their trajectories);
// the test engines 81-100 were only measured. Candidates: the methods above with trim 0-3 and L2 1e-4 to
// 1e-2; causal smoothing of the score along an engine's windows (mean of the last 3-20 windows, EMA
// 0.1-0.2); subtracting the engine's own early-life level (first 10-30 windows); a level's slope over
// 10-30 cycles as an extra regressor; thresholds at a calibration recall of 0.93, 0.95, 0.97 or at the
// calibration F1 optimum. Smoothing and baselines lower the ranking on calibration and test alike: the
// error grows fast near failure, so averaging with earlier windows delays the positives more than it
// quiets the negatives; the slope adds nothing. On calibration, 'degradation-logistic' (L2 1e-3) gives
// the best precision at 95% recall (0.67-0.70 over the seeds, mean 0.69, against 0.63-0.68, mean 0.65,
// for 'normalised-error' with trim 2 and 0.64-0.68, mean 0.66, for the reference's score). On the test engines no candidate reaches ROC-AUC 0.98 with precision 0.70
// at recall 0.93 on every seed (figures in README, Detection quality): the windows just before RUL 30
// are reconstructed about as badly as those just after, and no causal score built on these errors
// separates them on every engine.

import { EvaluationInputError } from './errors';
import { fitLogisticRegression } from './logisticRegression';
import { calibrateThreshold, thresholdForRecall } from './threshold';

export type ScoringMethodKind = 'reconstruction-error' | 'normalised-error' | 'degradation-logistic';

export interface ReconstructionErrorMethod {
  kind: 'reconstruction-error';
}

export interface NormalisedErrorMethod {
  kind: 'normalised-error';
  /** Typical (mean) error of each sensor on the healthy training windows, floored (see fitScoringMethod). */
  sensorScale: number[];
  /** Sensors dropped at each end of a window's sorted log-ratios; 2 * trim < features. */
  trim: number;
  /** Share of the calibration trajectories' anomalous windows the threshold flags (0 < recall <= 1). */
  calibrationRecall: number;
}

/** A scoring method as stored with a model version (plain JSON: strings, numbers, arrays of numbers). */
export interface DegradationLogisticMethod {
  kind: 'degradation-logistic';
  /** Typical (mean) error of each sensor on the healthy training windows, floored (see fitScoringMethod). */
  sensorScale: number[];
  /** One weight per sensor on its log error ratio, and the intercept: the log-odds of RUL <= anomalyRul. */
  coefficients: number[];
  intercept: number;
  /** L2 penalty the regression was fitted with (on standardised log ratios, per window). */
  l2: number;
  /** Share of the calibration trajectories' anomalous windows the threshold flags (0 < recall <= 1). */
  calibrationRecall: number;
}

export type ScoringMethod = ReconstructionErrorMethod | NormalisedErrorMethod | DegradationLogisticMethod;

/** The reference configuration, the default of every model version. */
export const DEFAULT_SCORING_METHOD: ReconstructionErrorMethod = Object.freeze({ kind: 'reconstruction-error' as const });
export const SCORING_METHOD_KINDS: readonly ScoringMethodKind[] = ['reconstruction-error', 'normalised-error', 'degradation-logistic'];

/** Defaults chosen on the calibration engines (71-80) of FD001 only (never the test engines); see the header. */
export const DEFAULT_TRIM = 2;
export const DEFAULT_CALIBRATION_RECALL = 0.95;
export const DEFAULT_L2 = 1e-3;

/** Lower bound of a per-sensor error ratio before the log (a perfectly reconstructed sensor). */
export const RATIO_FLOOR = 1e-6;
/** A sensor's typical error is floored at this fraction of the mean typical error over the sensors. */
export const SCALE_FLOOR_FRACTION = 1e-6;

export interface ScoringMethodOptions {
  kind: ScoringMethodKind;
  trim?: number;
  calibrationRecall?: number;
  l2?: number;
}

/** Per-sensor errors of a set of windows: [count, features] row-major. ReconstructionErrors fits. */
export interface SensorErrorSet {
  sensorErrors: Float32Array | Float64Array;
}

export interface ScoringFitInputs {
  features: number;
  /** Healthy training windows: their per-sensor errors give each sensor's typical error. */
  train: SensorErrorSet;
  /**
   * Every window of the training engines' run-to-failure trajectories, labelled 1 when anomalous (RUL <=
   * anomalyRul): what 'degradation-logistic' regresses on.
   */
  trainTrajectories?: SensorErrorSet & { labels: ArrayLike<number> };
}

/** Windows to score. */
export interface ScoringBatch {
  /** [count, features] row-major. */
  sensorErrors: Float32Array | Float64Array;
  features: number;
  /** Defaults to sensorErrors.length / features. */
  count?: number;
  /**
   * [count] the mean squared error of each window over its steps x sensors as the forward pass computed
   * it (float32). When given, 'reconstruction-error' returns these, bit for bit the reference's score;
   * otherwise it averages the per-sensor errors (equal up to float rounding).
   */
  windowErrors?: ArrayLike<number>;
}

/** What a method's threshold is calibrated on: scores of calibration windows under the method. */
export interface CalibrationScores {
  /** Healthy windows of the calibration engines. */
  healthy: ArrayLike<number>;
  /** Every window of the calibration engines' run-to-failure trajectories, labelled 1 when anomalous. */
  trajectories?: { scores: ArrayLike<number>; labels: ArrayLike<number> };
}

function fail(message: string): never {
  throw new EvaluationInputError(message);
}

function assertInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) fail(`${name} must be an integer >= ${min}, got ${value}`);
}

function assertRecall(recall: number): void {
  if (!(typeof recall === 'number' && recall > 0 && recall <= 1)) fail(`calibrationRecall must satisfy 0 < recall <= 1, got ${recall}`);
}

function assertTrim(trim: number, features: number): void {
  assertInteger('trim', trim, 0);
  if (2 * trim >= features) fail(`trim ${trim} leaves no sensor of ${features}: 2 trim must be below the number of sensors`);
}

/**
 * Mean of each sensor's error over `count` windows, floored at SCALE_FLOOR_FRACTION of the mean over the
 * sensors so that a sensor reconstructed perfectly on the healthy windows does not divide by zero.
 */
export function typicalSensorErrors(errors: Float32Array | Float64Array, features: number): number[] {
  assertInteger('features', features, 1);
  if (errors.length === 0 || errors.length % features !== 0) {
    fail(`${errors.length} per-sensor errors are not a positive multiple of ${features} sensors`);
  }
  const count = errors.length / features;
  const sums = new Float64Array(features);
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < features; k++) {
      const value = errors[n * features + k];
      if (!Number.isFinite(value) || value < 0) fail(`per-sensor error [${n}, ${k}] is ${value}, expected a finite value >= 0`);
      sums[k] += value;
    }
  }
  const means = Array.from(sums, (sum) => sum / count);
  const overall = means.reduce((a, b) => a + b, 0) / features;
  if (!(overall > 0)) fail('every sensor has a zero typical error: nothing to normalise by');
  const floor = SCALE_FLOOR_FRACTION * overall;
  return means.map((mean) => Math.max(mean, floor));
}

/**
 * Fits a scoring method: its parameters come from the per-sensor errors given (healthy training windows)
 * and the options only. 'reconstruction-error' has no parameter.
 */
export function fitScoringMethod(options: ScoringMethodOptions | ScoringMethodKind, inputs: ScoringFitInputs): ScoringMethod {
  const resolved: ScoringMethodOptions = typeof options === 'string' ? { kind: options } : options;
  const { features } = inputs;
  assertInteger('features', features, 1);
  switch (resolved.kind) {
    case 'reconstruction-error':
      return { kind: 'reconstruction-error' };
    case 'normalised-error': {
      const trim = resolved.trim ?? DEFAULT_TRIM;
      assertTrim(trim, features);
      const calibrationRecall = resolved.calibrationRecall ?? DEFAULT_CALIBRATION_RECALL;
      assertRecall(calibrationRecall);
      return { kind: 'normalised-error', sensorScale: typicalSensorErrors(inputs.train.sensorErrors, features), trim, calibrationRecall };
    }
    case 'degradation-logistic': {
      const calibrationRecall = resolved.calibrationRecall ?? DEFAULT_CALIBRATION_RECALL;
      assertRecall(calibrationRecall);
      const l2 = resolved.l2 ?? DEFAULT_L2;
      if (inputs.trainTrajectories === undefined) fail('degradation-logistic regresses on the labelled trajectories of the training engines: none given');
      const sensorScale = typicalSensorErrors(inputs.train.sensorErrors, features);
      const { sensorErrors, labels } = inputs.trainTrajectories;
      if (sensorErrors.length !== labels.length * features) fail(`${sensorErrors.length} per-sensor errors for ${labels.length} labelled windows of ${features} sensors`);
      assertFiniteErrors(sensorErrors, sensorErrors.length);
      const model = fitLogisticRegression(logRatios(sensorErrors, labels.length, features, sensorScale), labels, features, { l2 });
      return { kind: 'degradation-logistic', sensorScale, coefficients: model.coefficients, intercept: model.intercept, l2, calibrationRecall };
    }
    default:
      return fail(`unknown scoring method "${String((resolved as { kind: unknown }).kind)}"`);
  }
}

/** Checks a stored description (e.g. read back from the database) and returns it typed. */
export function parseScoringMethod(value: unknown, features: number): ScoringMethod {
  if (typeof value !== 'object' || value === null) fail('a scoring method must be an object');
  const method = value as Record<string, unknown>;
  const isScale = (scale: unknown): scale is number[] =>
    Array.isArray(scale) && scale.length === features && scale.every((c) => typeof c === 'number' && Number.isFinite(c) && c > 0);
  switch (method.kind) {
    case 'reconstruction-error':
      return { kind: 'reconstruction-error' };
    case 'normalised-error': {
      if (!isScale(method.sensorScale)) fail(`normalised-error needs ${features} positive sensorScale values`);
      assertTrim(method.trim as number, features);
      assertRecall(method.calibrationRecall as number);
      return { kind: 'normalised-error', sensorScale: [...method.sensorScale], trim: method.trim as number, calibrationRecall: method.calibrationRecall as number };
    }
    case 'degradation-logistic': {
      const { coefficients, intercept, l2 } = method;
      if (!isScale(method.sensorScale)) fail(`degradation-logistic needs ${features} positive sensorScale values`);
      if (!(Array.isArray(coefficients) && coefficients.length === features && coefficients.every((c) => typeof c === 'number' && Number.isFinite(c)))) {
        fail(`degradation-logistic needs ${features} finite coefficients`);
      }
      if (!(typeof intercept === 'number' && Number.isFinite(intercept))) fail('degradation-logistic needs a finite intercept');
      if (!(typeof l2 === 'number' && l2 > 0)) fail('degradation-logistic needs its l2 penalty (> 0)');
      assertRecall(method.calibrationRecall as number);
      return {
        kind: 'degradation-logistic',
        sensorScale: [...method.sensorScale],
        coefficients: [...(coefficients as number[])],
        intercept,
        l2,
        calibrationRecall: method.calibrationRecall as number,
      };
    }
    default:
      return fail(`unknown scoring method "${String(method.kind)}"`);
  }
}

function batchCount(batch: ScoringBatch): number {
  const { sensorErrors, features } = batch;
  assertInteger('features', features, 1);
  const count = batch.count ?? sensorErrors.length / features;
  assertInteger('count', count, 0);
  if (sensorErrors.length < count * features) fail(`${sensorErrors.length} per-sensor errors, ${count} windows of ${features} sensors need ${count * features}`);
  return count;
}

/** Mean of the per-sensor errors of each window: the reference's score. */
function meanErrors(errors: Float32Array | Float64Array, count: number, features: number): Float64Array {
  const out = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    let total = 0;
    for (let k = 0; k < features; k++) total += errors[n * features + k];
    out[n] = total / features;
  }
  return out;
}

/** The 'normalised-error' score of each window: trimmed mean of the log error ratios. */
function normalisedErrors(errors: Float32Array | Float64Array, count: number, features: number, scale: readonly number[], trim: number): Float64Array {
  if (scale.length !== features) fail(`the method has ${scale.length} sensor scales, the windows ${features} sensors`);
  assertTrim(trim, features);
  const out = new Float64Array(count);
  const logs = new Float64Array(features);
  const kept = features - 2 * trim;
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < features; k++) logs[k] = Math.log(Math.max(errors[n * features + k] / scale[k], RATIO_FLOOR));
    logs.sort();
    let total = 0;
    for (let k = trim; k < features - trim; k++) total += logs[k];
    out[n] = total / kept;
  }
  return out;
}

/** ln(max(e / scale, RATIO_FLOOR)) of every sensor of `count` windows, [count, features]. */
function logRatios(errors: Float32Array | Float64Array, count: number, features: number, scale: readonly number[]): Float64Array {
  if (scale.length !== features) fail(`the method has ${scale.length} sensor scales, the windows ${features} sensors`);
  const out = new Float64Array(count * features);
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < features; k++) out[n * features + k] = Math.log(Math.max(errors[n * features + k] / scale[k], RATIO_FLOOR));
  }
  return out;
}

/** The 'degradation-logistic' score of each window: intercept + coefficients . log ratios (a log-odds). */
function logisticScores(errors: Float32Array | Float64Array, count: number, features: number, method: DegradationLogisticMethod): Float64Array {
  const ratios = logRatios(errors, count, features, method.sensorScale);
  const out = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    let logit = method.intercept;
    for (let k = 0; k < features; k++) logit += method.coefficients[k] * ratios[n * features + k];
    out[n] = logit;
  }
  return out;
}

function assertFiniteErrors(errors: Float32Array | Float64Array, length: number): void {
  for (let i = 0; i < length; i++) {
    const value = errors[i];
    if (!Number.isFinite(value) || value < 0) fail(`per-sensor error ${i} is ${value}, expected a finite value >= 0`);
  }
}

/**
 * Scores of `count` windows under a fitted method, in the batch's order, in double precision; each
 * window's score depends on its own errors only.
 */
export function applyScoringMethod(method: ScoringMethod, batch: ScoringBatch): Float64Array {
  const count = batchCount(batch);
  const { sensorErrors, features } = batch;
  assertFiniteErrors(sensorErrors, count * features);
  switch (method.kind) {
    case 'reconstruction-error':
      if (batch.windowErrors !== undefined) {
        if (batch.windowErrors.length < count) fail(`${batch.windowErrors.length} window errors for ${count} windows`);
        return Float64Array.from({ length: count }, (_, n) => batch.windowErrors![n]);
      }
      return meanErrors(sensorErrors, count, features);
    case 'normalised-error':
      return normalisedErrors(sensorErrors, count, features, method.sensorScale, method.trim);
    case 'degradation-logistic':
      return logisticScores(sensorErrors, count, features, method);
    default:
      return fail(`unknown scoring method "${String((method as { kind: unknown }).kind)}"`);
  }
}

/**
 * The threshold of a fitted method from the scores of calibration windows under it: the reference's
 * quantile (`quantileLevel`) of the healthy calibration windows for 'reconstruction-error'; for
 * 'normalised-error' the highest threshold flagging `calibrationRecall` of the anomalous windows of the
 * calibration trajectories (see the header).
 */
export function calibrateMethodThreshold(method: ScoringMethod, calibration: CalibrationScores, quantileLevel: number): number {
  switch (method.kind) {
    case 'reconstruction-error':
      return calibrateThreshold(calibration.healthy, quantileLevel);
    case 'normalised-error':
    case 'degradation-logistic': {
      if (calibration.trajectories === undefined) fail(`${method.kind} calibrates its threshold on labelled calibration trajectories: none given`);
      return thresholdForRecall(calibration.trajectories.labels, calibration.trajectories.scores, method.calibrationRecall);
    }
    default:
      return fail(`unknown scoring method "${String((method as { kind: unknown }).kind)}"`);
  }
}
