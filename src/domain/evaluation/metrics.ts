// Detection metrics of anomaly scores against 0/1 labels: threshold metrics (confusion matrix,
// precision, recall, F1, accuracy) at one threshold, and threshold-free ranking metrics (ROC-AUC,
// average precision) with their curves. Values match scikit-learn 1.2 as used by the reference.
//
// Degenerate inputs, defined rather than thrown or NaN:
//  - no predicted positive: precision = 0; no positive label: recall = 0; precision + recall = 0:
//    F1 = 0 (scikit-learn's zero_division default, without its warning);
//  - a single class among the labels: rocAuc = null and rocCurve = [] (scikit-learn raises);
//  - no positive label: prAuc = null and prCurve = [] (scikit-learn returns 0 with a warning).
// Empty input, labels other than 0/1, non-finite scores or a NaN threshold throw EvaluationInputError.

import type { PrPoint, RocPoint } from './curves';
import { averagePrecisionFromRanking, downsampleCurve, prCurve, rankScores, rocAucFromRanking, rocCurve } from './curves';
import { EvaluationInputError } from './errors';
import { assertFiniteScores } from './threshold';

export const DEFAULT_MAX_CURVE_POINTS = 200;

export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface EvaluationCounts {
  total: number;
  positives: number;
  negatives: number;
  predictedPositives: number;
  predictedNegatives: number;
}

export interface Evaluation {
  /** Windows with score > threshold are predicted anomalous. */
  threshold: number;
  counts: EvaluationCounts;
  confusion: ConfusionMatrix;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  /** Area under the ROC curve (ties count one half); null with a single class. */
  rocAuc: number | null;
  /** Average precision (scikit-learn's average_precision_score); null without positives. */
  prAuc: number | null;
  /** Down-sampled to at most maxCurvePoints points, first and last kept. */
  rocCurve: RocPoint[];
  prCurve: PrPoint[];
}

export interface EvaluateOptions {
  /** Most points kept per curve (>= 2); default 200. */
  maxCurvePoints?: number;
}

/** Checks parallel 0/1 labels and finite scores. */
export function assertLabelledScores(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) {
    throw new EvaluationInputError(`${labels.length} labels but ${scores.length} scores`);
  }
  assertFiniteScores(scores);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new EvaluationInputError(`label ${i} is ${labels[i]}, expected 0 or 1`);
  }
}

/** Confusion matrix of the prediction "score > threshold" (strictly, as in the reference). */
export function confusionAt(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): ConfusionMatrix {
  if (Number.isNaN(threshold)) throw new EvaluationInputError('the threshold is NaN');
  const confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i] > threshold;
    if (labels[i] === 1) {
      if (predicted) confusion.tp++;
      else confusion.fn++;
    } else if (predicted) confusion.fp++;
    else confusion.tn++;
  }
  return confusion;
}

/** numerator / denominator, or 0 when the denominator is 0 (scikit-learn's zero_division default). */
function ratioOrZero(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

export function evaluateScores(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
  options: EvaluateOptions = {},
): Evaluation {
  const maxCurvePoints = options.maxCurvePoints ?? DEFAULT_MAX_CURVE_POINTS;
  if (!Number.isInteger(maxCurvePoints) || maxCurvePoints < 2) {
    throw new EvaluationInputError(`maxCurvePoints must be an integer >= 2, got ${maxCurvePoints}`);
  }
  assertLabelledScores(labels, scores);
  const confusion = confusionAt(labels, scores, threshold);
  const { tp, fp, tn, fn } = confusion;
  const total = labels.length;

  const precision = ratioOrZero(tp, tp + fp);
  const recall = ratioOrZero(tp, tp + fn);
  // scikit-learn's expression (2 p r / (p + r)), so that the value matches it to the last bit.
  const f1 = ratioOrZero(2 * precision * recall, precision + recall);

  const ranking = rankScores(labels, scores);
  return {
    threshold,
    counts: {
      total,
      positives: tp + fn,
      negatives: fp + tn,
      predictedPositives: tp + fp,
      predictedNegatives: tn + fn,
    },
    confusion,
    precision,
    recall,
    f1,
    accuracy: (tp + tn) / total,
    rocAuc: rocAucFromRanking(ranking),
    prAuc: averagePrecisionFromRanking(ranking),
    rocCurve: downsampleCurve(rocCurve(ranking), maxCurvePoints, (p) => [p.falsePositiveRate, p.truePositiveRate]),
    prCurve: downsampleCurve(prCurve(ranking), maxCurvePoints, (p) => [p.recall, p.precision]),
  };
}
