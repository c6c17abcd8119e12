// The score distributions of the healthy and anomalous windows of an evaluation, as one histogram with
// shared bins, so that an operator sees where the threshold cuts them. Stored with the evaluation: a
// few dozen counts, where the scores themselves are thousands of windows.
//
// Reconstruction errors are positive and skewed (most healthy windows near the bottom, a long anomalous
// tail), so positive scores get logarithmic bins; a method whose scores can be zero or negative
// (log-odds) gets linear ones. The range covers every score and the threshold.
import { assertLabelledScores } from './metrics';
import { EvaluationInputError } from './errors';

export const DEFAULT_HISTOGRAM_BINS = 40;

export interface ScoreHistogram {
  /** bins + 1 rising bin edges: bin k holds edges[k] <= score < edges[k + 1] (the last bin also its upper edge). */
  edges: number[];
  /** Windows labelled 0 (healthy) per bin. */
  healthy: number[];
  /** Windows labelled 1 (anomalous) per bin. */
  anomalous: number[];
  /** Whether the edges are spaced evenly on a logarithmic scale (every score and the threshold positive). */
  logScale: boolean;
}

/** The bin of `value` among rising `edges`: the last k with edges[k] <= value, at most the last bin. */
function binOf(edges: readonly number[], value: number): number {
  let low = 0;
  let high = edges.length - 2;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (edges[middle] <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}

export function scoreHistogram(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
  bins: number = DEFAULT_HISTOGRAM_BINS,
): ScoreHistogram {
  if (!Number.isInteger(bins) || bins < 1) throw new EvaluationInputError(`bins must be a positive integer, got ${bins}`);
  if (!Number.isFinite(threshold)) throw new EvaluationInputError(`the threshold must be finite, got ${threshold}`);
  if (scores.length === 0) throw new EvaluationInputError('no score to count');
  assertLabelledScores(labels, scores);
  let low = threshold;
  let high = threshold;
  for (let i = 0; i < scores.length; i++) {
    low = Math.min(low, scores[i]);
    high = Math.max(high, scores[i]);
  }
  const logScale = low > 0;
  // One bin when every score equals the threshold: there is no width to divide.
  const count = low === high ? 1 : bins;
  const edges = [low];
  for (let k = 1; k < count; k++) {
    const edge = logScale ? Math.exp(Math.log(low) + ((Math.log(high) - Math.log(low)) * k) / count) : low + ((high - low) * k) / count;
    // Rounding of exp and log must not put an edge outside its neighbours.
    edges.push(Math.min(high, Math.max(edges[k - 1], edge)));
  }
  edges.push(high);
  const healthy = new Array<number>(count).fill(0);
  const anomalous = new Array<number>(count).fill(0);
  for (let i = 0; i < scores.length; i++) (labels[i] === 1 ? anomalous : healthy)[binOf(edges, scores[i])]++;
  return { edges, healthy, anomalous, logScale };
}
