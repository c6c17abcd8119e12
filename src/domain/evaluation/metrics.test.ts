import { downsampleCurve, prCurve, rankScores, rocAucFromRanking, rocCurve, type RocPoint } from './curves';
import { EvaluationInputError } from './errors';
import { evaluateScores } from './metrics';

describe('evaluateScores, hand-computed', () => {
  it('computes the metrics of a case without ties', () => {
    // Positives score 0.35 and 0.8, negatives 0.1 and 0.4.
    const result = evaluateScores([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.38);
    // Above 0.38: 0.4 (negative) and 0.8 (positive).
    expect(result.confusion).toEqual({ tp: 1, fp: 1, tn: 1, fn: 1 });
    expect(result.counts).toEqual({ total: 4, positives: 2, negatives: 2, predictedPositives: 2, predictedNegatives: 2 });
    expect([result.precision, result.recall, result.f1, result.accuracy]).toEqual([0.5, 0.5, 0.5, 0.5]);
    // 3 of the 4 positive-negative pairs are ordered correctly (only 0.35 < 0.4 is not).
    expect(result.rocAuc).toBe(0.75);
    // Ranking 0.8 (+), 0.4 (-), 0.35 (+), 0.1 (-): AP = 1/2 * 1 + 1/2 * 2/3 = 5/6.
    expect(result.prAuc).toBeCloseTo(5 / 6, 15);
  });

  it('handles tied scores as scikit-learn does', () => {
    const labels = [1, 0, 1, 0, 1, 0];
    const scores = [0.9, 0.9, 0.5, 0.5, 0.5, 0.1];
    const result = evaluateScores(labels, scores, 0.5);
    // Pairs: positive 0.9 beats 0.5 and 0.1 and ties 0.9 (2.5); each positive 0.5 beats 0.1 and ties
    // 0.5 (1.5 each). (2.5 + 1.5 + 1.5) / 9 = 11/18 (sklearn: 0.6111111111111112).
    expect(result.rocAuc).toBe(11 / 18);
    // Steps: >= 0.9 gives 1 TP of 2 predicted (recall 1/3, precision 1/2); >= 0.5 gives 3 TP of 5
    // (recall 1, precision 3/5). AP = 1/3 * 1/2 + 2/3 * 3/5 = 17/30 (sklearn: 0.5666666666666667).
    expect(result.prAuc).toBeCloseTo(17 / 30, 15);
    // Strictly above 0.5: the two 0.9 scores.
    expect(result.confusion).toEqual({ tp: 1, fp: 1, tn: 2, fn: 2 });
    expect(result.precision).toBe(0.5);
    expect(result.recall).toBe(1 / 3);
    expect(result.f1).toBeCloseTo(0.4, 15); // 2 * 1/2 * 1/3 / (1/2 + 1/3)
    expect(result.accuracy).toBe(0.5);
    expect(result.rocCurve).toEqual([
      { falsePositiveRate: 0, truePositiveRate: 0, threshold: null },
      { falsePositiveRate: 1 / 3, truePositiveRate: 1 / 3, threshold: 0.9 },
      { falsePositiveRate: 2 / 3, truePositiveRate: 1, threshold: 0.5 },
      { falsePositiveRate: 1, truePositiveRate: 1, threshold: 0.1 },
    ]);
    expect(result.prCurve).toEqual([
      { recall: 0, precision: 1, threshold: null },
      { recall: 1 / 3, precision: 0.5, threshold: 0.9 },
      { recall: 1, precision: 0.6, threshold: 0.5 },
      { recall: 1, precision: 0.5, threshold: 0.1 },
    ]);
  });

  it('scores a perfect and a reversed ranking 1 and 0', () => {
    expect(evaluateScores([0, 0, 1], [1, 2, 3], 2).rocAuc).toBe(1);
    expect(evaluateScores([0, 0, 1], [1, 2, 3], 2).prAuc).toBe(1);
    expect(evaluateScores([1, 0, 0], [3, 2, 1], 0).rocAuc).toBe(1);
    expect(evaluateScores([0, 0, 1], [3, 2, 1], 0).rocAuc).toBe(0);
    // All scores tied: chance level.
    expect(evaluateScores([0, 1, 0, 1], [7, 7, 7, 7], 0).rocAuc).toBe(0.5);
    expect(evaluateScores([0, 1, 0, 1], [7, 7, 7, 7], 0).prAuc).toBe(0.5);
  });
});

describe('evaluateScores, degenerate inputs', () => {
  it('gives precision 0 when nothing is predicted positive', () => {
    const result = evaluateScores([0, 1, 1], [0.1, 0.2, 0.3], 1);
    expect(result.confusion).toEqual({ tp: 0, fp: 0, tn: 1, fn: 2 });
    expect([result.precision, result.recall, result.f1]).toEqual([0, 0, 0]);
    expect(result.accuracy).toBeCloseTo(1 / 3, 15);
    expect(result.rocAuc).toBe(1); // ranking metrics do not depend on the threshold
  });

  it('leaves ROC-AUC and AP undefined (null) without positives, recall 0', () => {
    const result = evaluateScores([0, 0], [0.1, 0.9], 0.5);
    expect(result.confusion).toEqual({ tp: 0, fp: 1, tn: 1, fn: 0 });
    expect([result.precision, result.recall, result.f1]).toEqual([0, 0, 0]);
    expect(result.rocAuc).toBeNull();
    expect(result.prAuc).toBeNull();
    expect(result.rocCurve).toEqual([]);
    expect(result.prCurve).toEqual([]);
  });

  it('leaves ROC-AUC undefined without negatives, AP is then 1', () => {
    const result = evaluateScores([1, 1], [0.1, 0.9], 0.5);
    expect(result.rocAuc).toBeNull();
    expect(result.prAuc).toBe(1);
    expect(result.rocCurve).toEqual([]);
  });

  it('rejects invalid input', () => {
    expect(() => evaluateScores([], [], 0)).toThrow(EvaluationInputError);
    expect(() => evaluateScores([0, 1], [0.5], 0)).toThrow('2 labels but 1 scores');
    expect(() => evaluateScores([0, 2], [0.5, 0.6], 0)).toThrow('label 1 is 2, expected 0 or 1');
    expect(() => evaluateScores([0, 1], [0.5, NaN], 0)).toThrow(/not a finite number/);
    expect(() => evaluateScores([0, 1], [0.5, 0.6], NaN)).toThrow(/threshold is NaN/);
    expect(() => evaluateScores([0, 1], [0.5, 0.6], 0, { maxCurvePoints: 1 })).toThrow(/maxCurvePoints/);
  });
});

/** Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator). */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function trapezoidArea(points: RocPoint[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const width = points[i].falsePositiveRate - points[i - 1].falsePositiveRate;
    area += (width * (points[i].truePositiveRate + points[i - 1].truePositiveRate)) / 2;
  }
  return area;
}

describe('curves', () => {
  const random = generator(7);
  const n = 2000;
  const labels = Array.from({ length: n }, () => (random() < 0.2 ? 1 : 0));
  // Rounded to 0.001 so that many scores tie.
  const scores = labels.map((label) => Math.round((random() + 0.4 * label) * 1000) / 1000);

  it('ROC-AUC equals the pairwise count with ties as one half', () => {
    let wins = 0;
    let positives = 0;
    let negatives = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i] === 1) positives++;
      else negatives++;
      if (labels[i] !== 1) continue;
      for (let j = 0; j < n; j++) {
        if (labels[j] === 0) wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(evaluateScores(labels, scores, 0.5).rocAuc).toBeCloseTo(wins / (positives * negatives), 14);
  });

  it('drops only collinear ROC points: the full curve has the AUC as its area', () => {
    const ranking = rankScores(labels, scores);
    const curve = rocCurve(ranking);
    expect(curve.length).toBeLessThan(ranking.thresholds.length + 1);
    expect(trapezoidArea(curve)).toBeCloseTo(rocAucFromRanking(ranking) as number, 12);
    // A perfectly separated ranking is just its three corners.
    expect(rocCurve(rankScores([1, 1, 1, 0, 0, 0], [6, 5, 4, 3, 2, 1])).map((p) => [p.falsePositiveRate, p.truePositiveRate])).toEqual([
      [0, 0],
      [0, 1],
      [1, 1],
    ]);
  });

  it('down-samples to at most maxCurvePoints, keeping both ends', () => {
    const full = prCurve(rankScores(labels, scores));
    expect(full.length).toBeGreaterThan(200);
    const result = evaluateScores(labels, scores, 0.5);
    expect(result.prCurve.length).toBe(200);
    expect(result.prCurve[0]).toEqual(full[0]);
    expect(result.prCurve[199]).toEqual(full[full.length - 1]);
    expect(result.rocCurve.length).toBeLessThanOrEqual(200);
    expect(result.rocCurve[0]).toMatchObject({ falsePositiveRate: 0, truePositiveRate: 0 });
    expect(result.rocCurve[result.rocCurve.length - 1]).toMatchObject({ falsePositiveRate: 1, truePositiveRate: 1 });
    // The down-sampled ROC curve keeps the area within a small tolerance.
    expect(Math.abs(trapezoidArea(result.rocCurve) - (result.rocAuc as number))).toBeLessThan(0.005);
    expect(evaluateScores(labels, scores, 0.5, { maxCurvePoints: 10 }).prCurve).toHaveLength(10);
  });

  it('keeps the corner of an L-shaped curve (largest triangle)', () => {
    const points: [number, number][] = [];
    for (let x = 0; x <= 50; x++) points.push([x, 0]);
    for (let y = 1; y <= 50; y++) points.push([50, y]);
    expect(downsampleCurve(points, 3, (p) => p)).toEqual([
      [0, 0],
      [50, 0],
      [50, 50],
    ]);
    expect(downsampleCurve(points, 2, (p) => p)).toEqual([
      [0, 0],
      [50, 50],
    ]);
    const kept = downsampleCurve(points, 7, (p) => p);
    expect(kept).toHaveLength(7);
    expect(kept).toContainEqual([50, 0]);
    expect(downsampleCurve(points.slice(0, 5), 7, (p) => p)).toEqual(points.slice(0, 5));
  });
});
