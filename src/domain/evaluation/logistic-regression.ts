// L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares),
// for a handful of features and tens of thousands of rows: small enough to solve exactly in plain JS.

import { EvaluationInputError } from './errors';

export interface LogisticModel {
  /** One per feature, on the features as given (not standardised). */
  coefficients: number[];
  intercept: number;
}

export interface LogisticOptions {
  /**
   * L2 penalty on the coefficients of the standardised features (each feature scaled to unit variance),
   * per row: the objective is mean log loss + l2 / 2 * |w|^2. The intercept is not penalised.
   */
  l2: number;
  maxIterations?: number;
}

/** Solves the symmetric positive-definite system a x = b (Gaussian elimination with partial pivoting). */
function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const m = a.map((row, i) => {
    const extended = new Float64Array(n + 1);
    extended.set(row);
    extended[n] = b[i];
    return extended;
  });
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    if (m[c][c] === 0) throw new EvaluationInputError('logistic regression: singular system');
    for (let r = c + 1; r < n; r++) {
      const factor = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= factor * m[c][k];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let sum = m[r][n];
    for (let k = r + 1; k < n; k++) sum -= m[r][k] * x[k];
    x[r] = sum / m[r][r];
  }
  return x;
}

/**
 * Fits P(label = 1 | x) = sigmoid(intercept + coefficients . x) to `rows` feature vectors ([rows,
 * features] row-major) and 0/1 labels. Features are standardised internally (so the penalty treats them
 * alike) and the model is returned on the original scale. Deterministic: same inputs, same model.
 */
export function fitLogisticRegression(
  x: ArrayLike<number>,
  labels: ArrayLike<number>,
  features: number,
  options: LogisticOptions,
): LogisticModel {
  const rows = labels.length;
  if (!Number.isInteger(features) || features < 1) throw new EvaluationInputError(`features must be a positive integer, got ${features}`);
  if (rows === 0 || x.length !== rows * features)
    throw new EvaluationInputError(`${x.length} feature values for ${rows} labels of ${features} features`);
  if (!(options.l2 > 0 && Number.isFinite(options.l2))) throw new EvaluationInputError(`l2 must be a finite number > 0, got ${options.l2}`);
  let positives = 0;
  for (let i = 0; i < rows; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new EvaluationInputError(`label ${i} is ${labels[i]}, expected 0 or 1`);
    positives += labels[i];
  }
  if (positives === 0 || positives === rows) throw new EvaluationInputError('logistic regression needs rows of both labels');

  const mean = new Float64Array(features);
  const scale = new Float64Array(features);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < features; k++) {
      const value = x[i * features + k];
      if (!Number.isFinite(value)) throw new EvaluationInputError(`feature [${i}, ${k}] is ${value}`);
      mean[k] += value / rows;
    }
  }
  for (let i = 0; i < rows; i++) for (let k = 0; k < features; k++) scale[k] += (x[i * features + k] - mean[k]) ** 2 / rows;
  for (let k = 0; k < features; k++) scale[k] = Math.sqrt(scale[k]) || 1;

  const size = features + 1; // intercept first
  const weights = new Float64Array(size);
  const z = new Float64Array(size);
  const maxIterations = options.maxIterations ?? 100;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const gradient = new Float64Array(size);
    const hessian = Array.from({ length: size }, () => new Float64Array(size));
    for (let i = 0; i < rows; i++) {
      z[0] = 1;
      for (let k = 0; k < features; k++) z[k + 1] = (x[i * features + k] - mean[k]) / scale[k];
      let logit = 0;
      for (let d = 0; d < size; d++) logit += weights[d] * z[d];
      const p = 1 / (1 + Math.exp(-logit));
      const residual = (p - labels[i]) / rows;
      const curvature = (p * (1 - p)) / rows;
      for (let a = 0; a < size; a++) {
        gradient[a] += residual * z[a];
        for (let b = 0; b <= a; b++) hessian[a][b] += curvature * z[a] * z[b];
      }
    }
    for (let a = 0; a < size; a++) {
      for (let b = 0; b < a; b++) hessian[b][a] = hessian[a][b];
      if (a > 0) {
        gradient[a] += options.l2 * weights[a];
        hessian[a][a] += options.l2;
      }
    }
    const step = solve(hessian, gradient);
    let largest = 0;
    for (let d = 0; d < size; d++) {
      weights[d] -= step[d];
      largest = Math.max(largest, Math.abs(step[d]));
    }
    if (largest < 1e-10) break;
  }

  const coefficients = Array.from({ length: features }, (_, k) => weights[k + 1] / scale[k]);
  let intercept = weights[0];
  for (let k = 0; k < features; k++) intercept -= coefficients[k] * mean[k];
  return { coefficients, intercept };
}
