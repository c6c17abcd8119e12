// Scoring methods: how a window's anomaly score is derived from its per-sensor reconstruction errors
// (the mean squared error of each sensor over the window's time steps, [count, features]) and signed
// residuals, and how the method's threshold is calibrated. A method is a JSON-safe description stored
// with a model version (model_versions.scoring_method), fitted once at training on the training engines,
// and applied to windows being scored. Every method scores a window from its own errors; a
// 'degradation-logistic' fitted with a look-back also from where its engine stood earlier (the windows'
// earlier readings, which an engine's stored or live windows carry): a raw window sent by a client
// without its engine's history is scored as an engine's first window would be.
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
//        score = intercept + sum_j (a_j r_j + b_j u_j + c_j w_j + d_j s_j + e_j m_j + f_j v_j + g_j q_j + h_j k_j),
//    with r_j as above, u_j the mean signed residual (input - reconstruction) of sensor j over the
//    window's last recentSteps (10) cycles, w_j over the whole window and s_j its least-squares slope
//    over the window's steps, and m_j, v_j, q_j the window's own (normalised) reading of sensor j: its
//    mean over the last recentSteps cycles, its slope and its standard deviation over the window
//    (ReconstructionErrors in ./engine/inference.ts), and k_j how far m_j moved since its engine's mean
//    reading over the recentSteps cycles ending lookBack (50) cycles before the window's end (the first
//    window's when the engine is younger: EarlierReadings in ../../domain/data/windows.ts): an L2-regularised
//    logistic regression (../../domain/evaluation/logistic-regression.ts) of the anomaly labels of
//    every window of the training engines' run-to-failure trajectories. The autoencoder never saw those
//    degraded windows. The squared errors say how badly a sensor is reconstructed; the
//    signed residuals say which way it has drifted from what the healthy-trained network expects, and
//    degradation drifts each sensor one way. Versions stored before the residuals were added have no
//    recentSteps and regress on the r_j only, versions stored before the slopes were added (no
//    withSlopes) on r_j, u_j and w_j, versions stored before the input summaries (no withInputs) on r_j,
//    u_j, w_j and s_j; they still parse and score as they did. The slopes lifted the calibration
//    engines' ROC-AUC on FD002 from 0.992 to 0.996; the input summaries (where the sensor stands and how
//    fast it moves, not only how far from what the network expects) lifted FD002's out-of-fold precision
//    at recall 0.95 over engines 1-80 from 0.80 to 0.84, the look-back (one window does not tell an
//    engine that has just risen from one that has read high all its life) FD002's precision at the
//    stored threshold from 0.75-0.77 to 0.80-0.82 at recall 0.97, seeds 0-2 (docs/quality.md). Versions
//    stored before it (no lookBack) score as they did.
//    When the engine of every labelled window is known, it is cross-fitted on the training and
//    calibration engines together (crossFitFolds engine-grouped folds): each fold's windows are scored by
//    the regression fitted on the other folds, the L2 penalty is the one of L2_CANDIDATES whose
//    out-of-fold scores rank the windows best (ROC-AUC), the stored regression is refitted on every
//    engine with it, and the threshold is set on the out-of-fold scores (calibrationRecall 0.95): one
//    set by 80 engines rather than 10 (docs/quality.md). Versions stored before were fitted on the
//    training engines with the penalty that ranked the calibration engines best, their threshold set on
//    those; they keep their parameters and score as they did.
//  The last two set their threshold on labelled run-to-failure trajectories (every window, anomalous when
//  RUL <= anomalyRul): the highest threshold that flags `calibrationRecall` of their anomalous windows
//  (thresholdForRecall), on the calibration engines' trajectories, or on the out-of-fold scores of a
//  cross-fitted 'degradation-logistic'. A healthy-quantile threshold fires on early degradation (RUL
//  31-80), which the labels count as false alarms; this one is set where the labelled alarms are.
//
// Study on FD001 (reference network, seeds 0-5). Parameters were selected on the calibration engines
// 71-80 only; the test engines 81-100 were only measured.
//  - Rejected on calibration: causal smoothing of the score along an engine's windows (mean of the last
//    3-20 windows, EMA 0.1-0.2), subtracting the engine's own early-life level (first 10-30 windows), a
//    level's slope over 10-30 cycles as an extra regressor. The error grows fast near failure, so
//    averaging with earlier windows delays the positives more than it quiets the negatives. (Later, with
//    the input summaries, the readings' move over 50 cycles did help, on FD002 most: lookBack above.)
//  - 'normalised-error': trim 2 of trim 0-3.
//  - 'degradation-logistic' regressors, by precision at 95% recall of the calibration trajectories
//    (mean over seeds 0-5): log ratios alone 0.69; with signed residual means over the last 3, 5 or 10
//    cycles and the whole window 0.79, 0.81, 0.85 (L2 1e-5; 1e-4 to 1e-2 were lower). On seed 0:
//    Mahalanobis distance of the recent residuals to the healthy training windows' 0.65, a linear
//    discriminant fitted on the calibration engines alone 0.74 (each engine scored out of its fit).
//  - calibrationRecall 0.97 for 'degradation-logistic': the recall target is 0.93 on engines never seen,
//    and with a threshold chosen on nine calibration engines the tenth engine's recall varies with a
//    standard error of 0.024-0.029 over the ten (seeds 0-5); 0.93 + 1.5 standard errors ~ 0.97. At 0.95
//    the test recall fell to 0.91-0.93 on four seeds of six (measured before this margin was set).
// Figures for every seed: README, Detection quality; `npm run bench:quality`.

import { EvaluationInputError } from '../../domain/evaluation/errors';
import { rankScores, rocAucFromRanking } from '../../domain/evaluation/curves';
import { fitLogisticRegression } from '../../domain/evaluation/logistic-regression';
import { calibrateThreshold, thresholdForRecall } from '../../domain/evaluation/threshold';

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

export interface DegradationLogisticMethod {
  kind: 'degradation-logistic';
  /** Typical (mean) error of each sensor on the healthy training windows, floored (see fitScoringMethod). */
  sensorScale: number[];
  /**
   * The weights on the regressors (see degradationRegressors), and the intercept: the log-odds of RUL <=
   * anomalyRul. 8 x features of them with lookBack, 7 x features with withInputs, 4 x features with
   * withSlopes, 3 x features when only recentSteps is set;
   * features (log error ratios only) for a version stored before the signed residuals were added.
   */
  coefficients: number[];
  intercept: number;
  /** Steps of the recent residual mean the coefficients were fitted on; absent: log error ratios only. */
  recentSteps?: number;
  /** Whether the coefficients include the residual slopes (set on versions fitted since; needs recentSteps). */
  withSlopes?: boolean;
  /** Whether they include the input summaries too (set on versions fitted since; needs withSlopes). */
  withInputs?: boolean;
  /**
   * Cycles the engine is looked back at (set on versions fitted since; needs withInputs): the coefficients
   * include each sensor's recent mean reading minus the engine's reading that many cycles earlier.
   */
  lookBack?: number;
  /** L2 penalty the regression was fitted with (on standardised regressors, per window). */
  l2: number;
  /** Folds it was cross-fitted with (see the header); absent: fitted on the training engines only. */
  crossFitFolds?: number;
  /** Share of the calibration trajectories' anomalous windows the threshold flags (0 < recall <= 1). */
  calibrationRecall: number;
}

/** A scoring method as stored with a model version (plain JSON: strings, numbers, arrays of numbers). */
export type ScoringMethod = ReconstructionErrorMethod | NormalisedErrorMethod | DegradationLogisticMethod;

/** The reference configuration, the default of every model version. */
export const DEFAULT_SCORING_METHOD: ReconstructionErrorMethod = Object.freeze({ kind: 'reconstruction-error' as const });
export const SCORING_METHOD_KINDS: readonly ScoringMethodKind[] = ['reconstruction-error', 'normalised-error', 'degradation-logistic'];

/** Defaults chosen on the calibration engines (71-80) of FD001 only (never the test engines); see the header. */
export const DEFAULT_TRIM = 2;
export const DEFAULT_CALIBRATION_RECALL = 0.95;
/**
 * degradation-logistic fitted on the training engines only, its threshold set on the ten calibration
 * engines: the target recall 0.93 plus a margin for new engines (see the header).
 */
export const DEGRADATION_CALIBRATION_RECALL = 0.97;
/**
 * degradation-logistic cross-fitted, its threshold set on the out-of-fold scores of 80 engines: the
 * recall of 20 new engines then has a standard error of about 0.02 around it (docs/quality.md).
 */
export const CROSS_FIT_CALIBRATION_RECALL = 0.95;
/** Engine-grouped folds of a cross-fitted degradation-logistic (fewer when there are fewer engines). */
export const CROSS_FIT_FOLDS = 5;
export const DEFAULT_L2 = 1e-5;
/**
 * degradation-logistic: the L2 penalties tried when cross-fitting and no l2 is requested; the one whose
 * out-of-fold scores rank the labelled windows best (ROC-AUC) is kept: the subsets differ (seed 0, with
 * the slopes: FD001 1e-3, FD002 1e-2; docs/quality.md).
 */
export const L2_CANDIDATES: readonly number[] = [1e-5, 1e-4, 1e-3, 1e-2];

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

/**
 * Signed residuals (input - reconstruction) of a set of windows, [count, features] row-major, averaged
 * per sensor over the window's steps and over its last recentSteps steps. ReconstructionErrors fits.
 */
export interface ResidualSet {
  windowResiduals: Float32Array | Float64Array;
  recentResiduals: Float32Array | Float64Array;
  recentSteps: number;
  /** Least-squares slope of each sensor's residual over the window's steps; needed by a method withSlopes. */
  residualSlopes?: Float32Array | Float64Array;
  /**
   * The window's own readings per sensor: mean over its last recentSteps steps, least-squares slope over
   * its steps, standard deviation over its steps; needed by a method withInputs.
   */
  recentInputs?: Float32Array | Float64Array;
  inputSlopes?: Float32Array | Float64Array;
  inputDeviations?: Float32Array | Float64Array;
  /**
   * Where each window's engine stood `cycles` before it: mean readings over `steps` cycles, [count,
   * features] (EarlierReadings); absent for windows without their engine's history.
   */
  earlier?: { cycles: number; steps: number; values: Float32Array | Float64Array };
}

/** Every window of some engines' run-to-failure trajectories, labelled 1 when anomalous (RUL <= anomalyRul). */
export interface LabelledTrajectories extends SensorErrorSet, ResidualSet {
  labels: ArrayLike<number>;
  /** The engine of each window: cross-fitting keeps an engine's windows in one fold. */
  engines?: ArrayLike<number>;
}

export interface ScoringFitInputs {
  features: number;
  /** Healthy training windows: their per-sensor errors give each sensor's typical error. */
  train: SensorErrorSet;
  /** The training engines' trajectories: what 'degradation-logistic' regresses on. */
  trainTrajectories?: LabelledTrajectories;
  /**
   * The calibration engines' trajectories: when given with the engines of both sets' windows,
   * 'degradation-logistic' is cross-fitted on the two together (see the header).
   */
  calibrationTrajectories?: LabelledTrajectories;
}

/** A fitted method, and what its threshold is set on when the fit says so. */
export interface FittedScoringMethod {
  method: ScoringMethod;
  /**
   * The out-of-fold scores and labels of every window a cross-fitted method was fitted on: its threshold
   * is set on these (calibrateMethodThreshold) instead of on the calibration engines' scores. Null when
   * not cross-fitted.
   */
  outOfFold: { scores: Float64Array; labels: Uint8Array } | null;
}

/** Windows to score; 'degradation-logistic' needs their residuals too. */
export interface ScoringBatch extends Partial<ResidualSet> {
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
  return fitScoringMethodWithScores(options, inputs).method;
}

/** fitScoringMethod, with the out-of-fold scores of a cross-fitted method (see FittedScoringMethod). */
export function fitScoringMethodWithScores(
  options: ScoringMethodOptions | ScoringMethodKind,
  inputs: ScoringFitInputs,
): FittedScoringMethod {
  const resolved: ScoringMethodOptions = typeof options === 'string' ? { kind: options } : options;
  if (resolved.kind === 'degradation-logistic') return fitDegradationLogistic(resolved, inputs);
  return { method: fitUnsupervised(resolved, inputs), outOfFold: null };
}

function fitUnsupervised(resolved: ScoringMethodOptions, inputs: ScoringFitInputs): ScoringMethod {
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
    default:
      return fail(`unknown scoring method "${String((resolved as { kind: unknown }).kind)}"`);
  }
}

function checkedTrajectories(name: string, trajectories: LabelledTrajectories, features: number): void {
  const { labels, engines } = trajectories;
  if (trajectories.sensorErrors.length !== labels.length * features) {
    fail(`${trajectories.sensorErrors.length} per-sensor errors for ${labels.length} labelled windows of ${features} sensors`);
  }
  if (engines !== undefined && engines.length !== labels.length) fail(`${engines.length} engines for ${labels.length} ${name} windows`);
  assertFiniteErrors(trajectories.sensorErrors, trajectories.sensorErrors.length);
}

function carriesInputs(set: Partial<ResidualSet>): boolean {
  return set.recentInputs !== undefined && set.inputSlopes !== undefined && set.inputDeviations !== undefined;
}

/** Rows `rows` of x ([count, width] row-major), copied. */
function rowsOf(x: Float64Array, width: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length * width);
  rows.forEach((row, n) => out.set(x.subarray(row * width, (row + 1) * width), n * width));
  return out;
}

function fitDegradationLogistic(resolved: ScoringMethodOptions, inputs: ScoringFitInputs): FittedScoringMethod {
  const { features } = inputs;
  assertInteger('features', features, 1);
  const trajectories = inputs.trainTrajectories;
  if (trajectories === undefined) fail('degradation-logistic regresses on the labelled trajectories of the training engines: none given');
  checkedTrajectories('training', trajectories, features);
  const sensorScale = typicalSensorErrors(inputs.train.sensorErrors, features);
  const withInputs = trajectories.residualSlopes !== undefined && carriesInputs(trajectories);
  const shape = {
    kind: 'degradation-logistic' as const,
    sensorScale,
    recentSteps: trajectories.recentSteps,
    ...(trajectories.residualSlopes === undefined ? {} : { withSlopes: true }),
    ...(withInputs ? { withInputs: true } : {}),
    ...(withInputs && trajectories.earlier !== undefined ? { lookBack: trajectories.earlier.cycles } : {}),
  };
  const regressorsOf = (set: LabelledTrajectories) =>
    degradationRegressors(shape, { ...set, features, count: set.labels.length }, set.labels.length);
  const selection = inputs.calibrationTrajectories;
  if (selection === undefined) {
    const calibrationRecall = resolved.calibrationRecall ?? DEGRADATION_CALIBRATION_RECALL;
    assertRecall(calibrationRecall);
    const x = regressorsOf(trajectories);
    const l2 = resolved.l2 ?? DEFAULT_L2;
    const model = fitLogisticRegression(x, trajectories.labels, x.length / trajectories.labels.length, { l2 });
    return { method: { ...shape, coefficients: model.coefficients, intercept: model.intercept, l2, calibrationRecall }, outOfFold: null };
  }
  checkedTrajectories('calibration', selection, features);
  if (trajectories.engines === undefined || selection.engines === undefined)
    fail('cross-fitting degradation-logistic needs the engine of every training and calibration window');
  const calibrationRecall = resolved.calibrationRecall ?? CROSS_FIT_CALIBRATION_RECALL;
  assertRecall(calibrationRecall);
  const trainX = regressorsOf(trajectories);
  const width = trainX.length / trajectories.labels.length;
  const x = new Float64Array(trainX.length + selection.labels.length * width);
  x.set(trainX);
  x.set(regressorsOf(selection), trainX.length);
  const labels = Uint8Array.from([...Array.from(trajectories.labels), ...Array.from(selection.labels)]);
  const engines = [...Array.from(trajectories.engines), ...Array.from(selection.engines)];
  // Engines in order of first appearance, dealt round-robin into the folds.
  const order = new Map<number, number>();
  for (const engine of engines) if (!order.has(engine)) order.set(engine, order.size);
  const folds = Math.min(CROSS_FIT_FOLDS, order.size);
  if (folds < 2) fail(`cross-fitting degradation-logistic needs at least 2 engines, got ${order.size}`);
  const foldOf = engines.map((engine) => order.get(engine)! % folds);
  const foldRows = Array.from({ length: folds }, (_, fold) => ({
    held: foldOf.flatMap((f, row) => (f === fold ? [row] : [])),
    kept: foldOf.flatMap((f, row) => (f === fold ? [] : [row])),
  }));
  const fit = (rows: readonly number[] | null, l2: number) => {
    const model =
      rows === null
        ? fitLogisticRegression(x, labels, width, { l2 })
        : fitLogisticRegression(
            rowsOf(x, width, rows),
            Uint8Array.from(rows, (row) => labels[row]),
            width,
            { l2 },
          );
    return { ...shape, coefficients: model.coefficients, intercept: model.intercept, l2, calibrationRecall, crossFitFolds: folds };
  };
  const outOfFoldScores = (l2: number): Float64Array => {
    const scores = new Float64Array(labels.length);
    for (const { held, kept } of foldRows) {
      const method = fit(kept, l2);
      const heldX = rowsOf(x, width, held);
      held.forEach((row, n) => {
        let logit = method.intercept;
        for (let k = 0; k < width; k++) logit += method.coefficients[k] * heldX[n * width + k];
        scores[row] = logit;
      });
    }
    return scores;
  };
  let best: { l2: number; scores: Float64Array; rocAuc: number } | null = null;
  for (const l2 of resolved.l2 === undefined ? L2_CANDIDATES : [resolved.l2]) {
    const scores = outOfFoldScores(l2);
    const rocAuc = rocAucFromRanking(rankScores(labels, scores));
    if (rocAuc === null) fail('the labelled trajectories need anomalous and normal windows to cross-fit degradation-logistic');
    if (best === null || rocAuc > best.rocAuc) best = { l2, scores, rocAuc };
  }
  return { method: fit(null, best!.l2), outOfFold: { scores: best!.scores, labels } };
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
      return {
        kind: 'normalised-error',
        sensorScale: [...method.sensorScale],
        trim: method.trim as number,
        calibrationRecall: method.calibrationRecall as number,
      };
    }
    case 'degradation-logistic': {
      const { coefficients, intercept, l2, recentSteps, withSlopes, withInputs, lookBack, crossFitFolds } = method;
      if (!isScale(method.sensorScale)) fail(`degradation-logistic needs ${features} positive sensorScale values`);
      if (recentSteps !== undefined) assertInteger('recentSteps', recentSteps as number, 1);
      if (withSlopes !== undefined && !(withSlopes === true && recentSteps !== undefined))
        fail('degradation-logistic withSlopes must be true, with recentSteps');
      if (withInputs !== undefined && !(withInputs === true && withSlopes === true))
        fail('degradation-logistic withInputs must be true, with withSlopes');
      if (lookBack !== undefined) {
        assertInteger('lookBack', lookBack as number, 1);
        if (withInputs !== true) fail('degradation-logistic lookBack needs withInputs');
      }
      const regressors = features * (recentSteps === undefined ? 1 : lookBack ? 8 : withInputs ? 7 : withSlopes ? 4 : 3);
      if (!(
        Array.isArray(coefficients) &&
        coefficients.length === regressors &&
        coefficients.every((c) => typeof c === 'number' && Number.isFinite(c))
      )) {
        fail(`degradation-logistic needs ${regressors} finite coefficients`);
      }
      if (!(typeof intercept === 'number' && Number.isFinite(intercept))) fail('degradation-logistic needs a finite intercept');
      if (!(typeof l2 === 'number' && l2 > 0)) fail('degradation-logistic needs its l2 penalty (> 0)');
      assertRecall(method.calibrationRecall as number);
      if (crossFitFolds !== undefined) assertInteger('crossFitFolds', crossFitFolds as number, 2);
      return {
        kind: 'degradation-logistic',
        sensorScale: [...method.sensorScale],
        coefficients: [...(coefficients as number[])],
        intercept,
        ...(recentSteps === undefined ? {} : { recentSteps: recentSteps as number }),
        ...(withSlopes === undefined ? {} : { withSlopes: true }),
        ...(withInputs === undefined ? {} : { withInputs: true }),
        ...(lookBack === undefined ? {} : { lookBack: lookBack as number }),
        l2,
        calibrationRecall: method.calibrationRecall as number,
        ...(crossFitFolds === undefined ? {} : { crossFitFolds: crossFitFolds as number }),
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
  if (sensorErrors.length < count * features)
    fail(`${sensorErrors.length} per-sensor errors, ${count} windows of ${features} sensors need ${count * features}`);
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
function normalisedErrors(
  errors: Float32Array | Float64Array,
  count: number,
  features: number,
  scale: readonly number[],
  trim: number,
): Float64Array {
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

/**
 * The regressors of 'degradation-logistic' for `count` windows, [count, regressors] row-major: each
 * sensor's log error ratio, then (when the method has recentSteps) each sensor's mean signed residual
 * over the window's last recentSteps steps, then over the whole window, then (withSlopes) its slope,
 * then (withInputs) the window's recent mean reading, reading slope and reading standard deviation,
 * then (lookBack) that recent mean reading minus the engine's earlier one.
 */
function degradationRegressors(
  method: Pick<DegradationLogisticMethod, 'sensorScale' | 'recentSteps' | 'withSlopes' | 'withInputs' | 'lookBack'>,
  batch: ScoringBatch,
  count: number,
): Float64Array {
  const { features } = batch;
  const ratios = logRatios(batch.sensorErrors, count, features, method.sensorScale);
  if (method.recentSteps === undefined) return ratios;
  const { windowResiduals, recentResiduals, recentSteps } = batch;
  const slopes = method.withSlopes ? batch.residualSlopes : null;
  if (slopes === undefined) fail('degradation-logistic needs the residual slopes of the windows: none given');
  if (slopes !== null && slopes.length < count * features) fail(`residual slopes of fewer than ${count} windows of ${features} sensors`);
  if (windowResiduals === undefined || recentResiduals === undefined)
    fail('degradation-logistic needs the signed residuals of the windows: none given');
  if (recentSteps !== method.recentSteps)
    fail(`the method's recent residuals span ${method.recentSteps} steps, the windows' ${recentSteps}`);
  if (windowResiduals.length < count * features || recentResiduals.length < count * features)
    fail(`residuals of fewer than ${count} windows of ${features} sensors`);
  const inputs = method.withInputs ? [batch.recentInputs, batch.inputSlopes, batch.inputDeviations] : [];
  for (const summary of inputs) {
    if (summary === undefined) fail('degradation-logistic needs the input summaries of the windows: none given');
    if (summary.length < count * features) fail(`input summaries of fewer than ${count} windows of ${features} sensors`);
  }
  const earlier = method.lookBack === undefined ? null : earlierReadings(method as { lookBack: number; recentSteps: number }, batch, count);
  const width = (slopes === null ? 3 : 4 + inputs.length + (earlier === null ? 0 : 1)) * features;
  const out = new Float64Array(count * width);
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < features; k++) {
      const recent = recentResiduals[n * features + k];
      const whole = windowResiduals[n * features + k];
      if (!Number.isFinite(recent) || !Number.isFinite(whole)) fail(`residual of window ${n}, sensor ${k} is not finite`);
      out[n * width + k] = ratios[n * features + k];
      out[n * width + features + k] = recent;
      out[n * width + 2 * features + k] = whole;
      if (slopes !== null) {
        const slope = slopes[n * features + k];
        if (!Number.isFinite(slope)) fail(`residual slope of window ${n}, sensor ${k} is not finite`);
        out[n * width + 3 * features + k] = slope;
      }
      inputs.forEach((summary, i) => {
        const value = summary![n * features + k];
        if (!Number.isFinite(value)) fail(`input summary of window ${n}, sensor ${k} is not finite`);
        out[n * width + (4 + i) * features + k] = value;
      });
      if (earlier !== null) {
        const value = earlier[n * features + k];
        if (!Number.isFinite(value)) fail(`earlier reading of window ${n}, sensor ${k} is not finite`);
        out[n * width + 7 * features + k] = batch.recentInputs![n * features + k] - value;
      }
    }
  }
  return out;
}

/**
 * The earlier readings a method with lookBack compares each window's recent readings with; a window sent
 * without its engine's history is scored as an engine's first window, which reads its own recent cycles.
 */
function earlierReadings(
  method: { lookBack: number; recentSteps: number },
  batch: ScoringBatch,
  count: number,
): Float32Array | Float64Array {
  const { features, earlier } = batch;
  if (earlier === undefined) return batch.recentInputs!;
  if (earlier.cycles !== method.lookBack || earlier.steps !== method.recentSteps) {
    fail(
      `the method looks back ${method.lookBack} cycles over ${method.recentSteps} steps, ` +
        `the windows' earlier readings ${earlier.cycles} over ${earlier.steps}`,
    );
  }
  if (earlier.values.length < count * features) fail(`earlier readings of fewer than ${count} windows of ${features} sensors`);
  return earlier.values;
}

/** The 'degradation-logistic' score of each window: intercept + coefficients . regressors (a log-odds). */
function logisticScores(batch: ScoringBatch, count: number, method: DegradationLogisticMethod): Float64Array {
  const x = degradationRegressors(method, batch, count);
  const width = method.coefficients.length;
  const out = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    let logit = method.intercept;
    for (let k = 0; k < width; k++) logit += method.coefficients[k] * x[n * width + k];
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
      return logisticScores(batch, count, method);
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
      if (calibration.trajectories === undefined)
        fail(`${method.kind} calibrates its threshold on labelled calibration trajectories: none given`);
      return thresholdForRecall(calibration.trajectories.labels, calibration.trajectories.scores, method.calibrationRecall);
    }
    default:
      return fail(`unknown scoring method "${String((method as { kind: unknown }).kind)}"`);
  }
}
