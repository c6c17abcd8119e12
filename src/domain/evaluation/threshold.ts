// The alarm threshold: a high quantile of the anomaly scores of healthy calibration windows, i.e. the
// score that healthy engines exceed only (1 - quantile) of the time.

import { EvaluationInputError } from './errors';

export const DEFAULT_THRESHOLD_QUANTILE = 0.99;

/**
 * numpy's default quantile (method "linear", numpy >= 1.22): the value at the virtual position
 * (n - 1) * q of the sorted values, interpolated between its two neighbours the way numpy's `_lerp`
 * does it (from the nearer neighbour, hence the two branches), in double precision. The result is
 * bit-identical to np.quantile(values, q) and np.percentile(values, 100 q) of numpy 1.24, also for
 * float32 values (numpy interpolates a scalar quantile of float32 data in float64).
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new EvaluationInputError(`the quantile must be in [0, 1], got ${q}`);
  assertFiniteScores(values);
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;

  const virtualIndex = (n - 1) * q;
  if (virtualIndex >= n - 1) return sorted[n - 1];
  const below = Math.floor(virtualIndex);
  const gamma = virtualIndex - below;
  const a = sorted[below];
  const b = sorted[below + 1];
  const difference = b - a;
  return gamma >= 0.5 ? b - difference * (1 - gamma) : a + difference * gamma;
}

/**
 * Threshold = the `quantile` (default 0.99, numpy's linear interpolation) of the calibration scores.
 * Convention, as in the reference: a window is anomalous when its score is strictly greater than the
 * threshold. Requires 0 < quantile <= 1 and at least one finite score.
 */
export function calibrateThreshold(scores: ArrayLike<number>, quantileLevel = DEFAULT_THRESHOLD_QUANTILE): number {
  if (!(quantileLevel > 0 && quantileLevel <= 1)) {
    throw new EvaluationInputError(`the threshold quantile must satisfy 0 < q <= 1, got ${quantileLevel}`);
  }
  return quantile(scores, quantileLevel);
}

/**
 * A window is anomalous when its score is strictly above the threshold, compared in double precision.
 * (The reference's `s > tau` on a float32 array compares against float32(tau); the two differ only for
 * a score exactly equal to float32(tau) when float32(tau) > tau.)
 */
export function isAnomalous(score: number, threshold: number): boolean {
  return score > threshold;
}

export function assertFiniteScores(scores: ArrayLike<number>): void {
  if (scores.length === 0) throw new EvaluationInputError('no scores');
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new EvaluationInputError(`score ${i} is not a finite number: ${scores[i]}`);
  }
}

/**
 * The highest threshold at which at least `targetRecall` of the positive windows (labels 1) score above
 * it: the midpoint between the score of the positive that reaches the target and the next lower score
 * (so the threshold flags exactly the windows ranked at or above that positive). Used to calibrate a
 * threshold on labelled run-to-failure trajectories rather than on healthy windows alone.
 */
export function thresholdForRecall(labels: ArrayLike<number>, scores: ArrayLike<number>, targetRecall: number): number {
  if (!(targetRecall > 0 && targetRecall <= 1))
    throw new EvaluationInputError(`the target recall must satisfy 0 < recall <= 1, got ${targetRecall}`);
  assertFiniteScores(scores);
  if (labels.length !== scores.length) throw new EvaluationInputError(`${labels.length} labels for ${scores.length} scores`);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0;
  if (positives === 0) throw new EvaluationInputError('no positive window to reach a recall on');
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const needed = Math.ceil(targetRecall * positives - 1e-9);
  let found = 0;
  for (let rank = 0; rank < order.length; rank++) {
    if (labels[order[rank]] === 1) found++;
    if (found < needed) continue;
    // Windows tied with this one are flagged with it: move past the tie, then cut below it.
    let last = rank;
    while (last + 1 < order.length && scores[order[last + 1]] === scores[order[rank]]) last++;
    const score = scores[order[last]];
    if (last + 1 === order.length) return score - Math.max(Math.abs(score), 1) * 1e-9;
    return (score + scores[order[last + 1]]) / 2;
  }
  throw new EvaluationInputError('unreachable: the target recall is reached at the last positive');
}
