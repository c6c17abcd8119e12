// Ranking curves (ROC and precision-recall) and their down-sampling for display.

import { EvaluationInputError } from './errors';

/**
 * The ranking of scores at each distinct score value, from the highest score down: predicting
 * "anomalous" for every score >= thresholds[k] gives truePositives[k] and falsePositives[k]
 * (cumulative counts). This is scikit-learn's `_binary_clf_curve`; tied scores form one step.
 */
export interface RankedCounts {
  thresholds: number[];
  truePositives: number[];
  falsePositives: number[];
  positives: number;
  negatives: number;
}

export function rankScores(labels: ArrayLike<number>, scores: ArrayLike<number>): RankedCounts {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((i, j) => scores[j] - scores[i]);
  const thresholds: number[] = [];
  const truePositives: number[] = [];
  const falsePositives: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (labels[i] === 1) tp++;
    else fp++;
    // Close a step after the last of a run of equal scores.
    if (k === order.length - 1 || scores[order[k + 1]] !== scores[i]) {
      thresholds.push(scores[i]);
      truePositives.push(tp);
      falsePositives.push(fp);
    }
  }
  return { thresholds, truePositives, falsePositives, positives: tp, negatives: fp };
}

export interface RocPoint {
  falsePositiveRate: number;
  truePositiveRate: number;
  /** Score >= threshold is predicted anomalous at this point; null for the (0, 0) start (nothing predicted). */
  threshold: number | null;
}

export interface PrPoint {
  recall: number;
  precision: number;
  /** Score >= threshold is predicted anomalous at this point; null for the (recall 0, precision 1) start. */
  threshold: number | null;
}

/**
 * Exact area under the ROC curve: the trapezoids between consecutive steps, so tied scores count as
 * half a correctly ordered pair (the Mann-Whitney statistic, what roc_auc_score computes). Summed as
 * integers (twice the area in units of one positive-negative pair) and divided once, so the result is
 * the correctly rounded value of the exact rational. null when either class is absent.
 */
export function rocAucFromRanking(ranking: RankedCounts): number | null {
  const { truePositives: tps, falsePositives: fps, positives, negatives } = ranking;
  if (positives === 0 || negatives === 0) return null;
  let twiceArea = 0;
  let previousTp = 0;
  let previousFp = 0;
  for (let k = 0; k < tps.length; k++) {
    twiceArea += (fps[k] - previousFp) * (tps[k] + previousTp);
    previousTp = tps[k];
    previousFp = fps[k];
  }
  return twiceArea / (2 * positives * negatives);
}

/**
 * Average precision, scikit-learn's `average_precision_score`: sum over the steps of
 * (recall gained at the step) x (precision at the step), i.e. a step function, no interpolation.
 * null when there is no positive (scikit-learn returns 0 with a warning there).
 */
export function averagePrecisionFromRanking(ranking: RankedCounts): number | null {
  const { truePositives: tps, falsePositives: fps, positives } = ranking;
  if (positives === 0) return null;
  let sum = 0;
  let previousTp = 0;
  for (let k = 0; k < tps.length; k++) {
    if (tps[k] !== previousTp) sum += (tps[k] - previousTp) * (tps[k] / (tps[k] + fps[k]));
    previousTp = tps[k];
  }
  return sum / positives;
}

/**
 * ROC curve: (0, 0), then one point per distinct score. Points on a straight segment between their
 * neighbours are left out (checked exactly on the integer counts), which does not change the curve.
 * Empty when either class is absent.
 */
export function rocCurve(ranking: RankedCounts): RocPoint[] {
  const { thresholds, truePositives: tps, falsePositives: fps, positives, negatives } = ranking;
  if (positives === 0 || negatives === 0) return [];
  const corners: number[] = []; // indices into the steps, -1 for the origin
  const at = (k: number) => (k < 0 ? [0, 0] : [fps[k], tps[k]]);
  for (let k = -1; k < tps.length; k++) {
    if (k >= 0 && k < tps.length - 1) {
      const [x0, y0] = at(corners[corners.length - 1]);
      const [x1, y1] = at(k);
      const [x2, y2] = at(k + 1);
      if ((x1 - x0) * (y2 - y1) === (y1 - y0) * (x2 - x1)) continue; // collinear with the neighbours
    }
    corners.push(k);
  }
  return corners.map((k) => ({
    falsePositiveRate: k < 0 ? 0 : fps[k] / negatives,
    truePositiveRate: k < 0 ? 0 : tps[k] / positives,
    threshold: k < 0 ? null : thresholds[k],
  }));
}

/**
 * Precision-recall curve as scikit-learn 1.2's precision_recall_curve gives it: (recall 0,
 * precision 1), then one point per distinct score from the highest down (recall never decreases).
 * Empty when there is no positive.
 */
export function prCurve(ranking: RankedCounts): PrPoint[] {
  const { thresholds, truePositives: tps, falsePositives: fps, positives } = ranking;
  if (positives === 0) return [];
  const points: PrPoint[] = [{ recall: 0, precision: 1, threshold: null }];
  for (let k = 0; k < tps.length; k++) {
    points.push({ recall: tps[k] / positives, precision: tps[k] / (tps[k] + fps[k]), threshold: thresholds[k] });
  }
  return points;
}

/**
 * At most `maxPoints` of `points` (at least 2), keeping the first and the last, chosen with
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): the interior is cut into maxPoints - 2 buckets
 * of consecutive points and each bucket keeps the point forming the largest triangle with the point
 * kept before it and the average of the next bucket, which preserves corners and the overall shape.
 * Returns a copy of `points` when they already fit.
 */
export function downsampleCurve<T>(points: readonly T[], maxPoints: number, xy: (point: T) => [number, number]): T[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new EvaluationInputError(`maxPoints must be an integer >= 2, got ${maxPoints}`);
  }
  const n = points.length;
  if (n <= maxPoints) return points.slice();
  if (maxPoints === 2) return [points[0], points[n - 1]];
  const coordinates = points.map(xy);
  const buckets = maxPoints - 2;
  const bucketSize = (n - 2) / buckets;
  // Bucket b covers [bucketStart(b), bucketStart(b + 1)); the last one ends exactly at n - 1 (computed,
  // not multiplied, so that rounding of bucketSize cannot drop a point), and "bucket" `buckets` is the
  // last point alone.
  const bucketStart = (b: number) => (b >= buckets ? n - 1 + (b - buckets) : 1 + Math.floor(b * bucketSize));
  const kept: T[] = [points[0]];
  let previous = 0;
  for (let b = 0; b < buckets; b++) {
    const start = bucketStart(b);
    const end = bucketStart(b + 1); // exclusive
    // Average of the next bucket (the last point, for the last bucket).
    const nextStart = end;
    const nextEnd = bucketStart(b + 2);
    let averageX = 0;
    let averageY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      averageX += coordinates[i][0];
      averageY += coordinates[i][1];
    }
    averageX /= nextEnd - nextStart;
    averageY /= nextEnd - nextStart;
    const [px, py] = coordinates[previous];
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const [x, y] = coordinates[i];
      const area = Math.abs((px - averageX) * (y - py) - (px - x) * (averageY - py));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    kept.push(points[best]);
    previous = best;
  }
  kept.push(points[n - 1]);
  return kept;
}
