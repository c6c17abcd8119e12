import { EvaluationInputError } from './errors';
import { calibrateThreshold, isAnomalous, quantile, thresholdForRecall } from './threshold';

describe('quantile (numpy linear interpolation)', () => {
  it('interpolates at the virtual index (n - 1) q of the sorted values', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5); // index 1.5
    expect(quantile([3, 1, 2], 0.25)).toBe(1.5); // unsorted input; index 0.5 between 1 and 2
    expect(quantile([10, 20, 30, 40, 50], 0.25)).toBe(20); // index exactly 1
  });

  it('returns the extremes at q = 0 and q = 1, and the single value of one score', () => {
    expect(quantile([5, -2, 9], 0)).toBe(-2);
    expect(quantile([5, -2, 9], 1)).toBe(9);
    expect(quantile([0.25], 0.99)).toBe(0.25);
  });

  it('interpolates from the nearer neighbour like numpy _lerp, to the last bit', () => {
    // np.quantile([0.18, 0.86], 0.54) == 0.5472 (numpy 1.24); a + (b - a) g would give 0.5471999999999999.
    expect(0.18 + (0.86 - 0.18) * 0.54).toBe(0.5471999999999999);
    expect(quantile([0.18, 0.86], 0.54)).toBe(0.5472);
  });
});

describe('calibrateThreshold', () => {
  it('is the 99th percentile by default', () => {
    // 101 scores 0..100: index 100 * 0.99 = 99.
    expect(calibrateThreshold(Array.from({ length: 101 }, (_, i) => i))).toBe(99);
    // 708 calibration scores 0..707 (the reference's calibration size): index 707 * 0.99 = 699.93.
    expect(calibrateThreshold(Float32Array.from({ length: 708 }, (_, i) => 707 - i))).toBeCloseTo(699.93, 10);
    // 5 scores: index 3.96 -> 40 + 0.96 * 10.
    expect(calibrateThreshold([50, 10, 40, 20, 30])).toBeCloseTo(49.6, 12);
  });

  it('accepts another quantile in (0, 1]', () => {
    expect(calibrateThreshold([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(calibrateThreshold([1, 2, 3, 4, 5], 1)).toBe(5);
  });

  it('validates the quantile and the scores', () => {
    expect(() => calibrateThreshold([1, 2], 0)).toThrow(EvaluationInputError);
    expect(() => calibrateThreshold([1, 2], 1.01)).toThrow('the threshold quantile must satisfy 0 < q <= 1, got 1.01');
    expect(() => calibrateThreshold([1, 2], NaN)).toThrow(EvaluationInputError);
    expect(() => calibrateThreshold([])).toThrow('no scores');
    expect(() => calibrateThreshold([1, NaN])).toThrow('score 1 is not a finite number: NaN');
    expect(() => calibrateThreshold([1, Infinity])).toThrow(EvaluationInputError);
  });

  it('does not reorder the caller array', () => {
    const scores = [3, 1, 2];
    calibrateThreshold(scores);
    expect(scores).toEqual([3, 1, 2]);
  });
});

describe('isAnomalous', () => {
  it('is strict: a score equal to the threshold is normal', () => {
    expect(isAnomalous(1, 1)).toBe(false);
    expect(isAnomalous(1.0000001, 1)).toBe(true);
  });
});

describe('thresholdForRecall', () => {
  it('is the highest threshold flagging the target share of the positives, cutting between two scores', () => {
    // positives score 0.9, 0.7, 0.5, 0.3; negatives 0.8, 0.6, 0.1
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.3, 0.1];
    const labels = [1, 0, 1, 0, 1, 1, 0];
    expect(thresholdForRecall(labels, scores, 0.25)).toBeCloseTo(0.85, 15);
    expect(thresholdForRecall(labels, scores, 0.5)).toBeCloseTo(0.65, 15);
    expect(thresholdForRecall(labels, scores, 0.75)).toBeCloseTo(0.4, 15);
    expect(thresholdForRecall(labels, scores, 1)).toBeCloseTo(0.2, 15);
    // a recall between two steps needs the next positive: 0.6 of 4 positives is 3 of them
    expect(thresholdForRecall(labels, scores, 0.6)).toBeCloseTo(0.4, 15);
    // every score above the threshold is flagged (strictly greater), and the recall is reached
    for (const target of [0.25, 0.5, 0.6, 0.75, 1]) {
      const threshold = thresholdForRecall(labels, scores, target);
      const found = scores.filter((score, i) => labels[i] === 1 && isAnomalous(score, threshold)).length;
      expect(found / 4).toBeGreaterThanOrEqual(target);
    }
  });

  it('flags windows tied with the last positive it needs, and stays below the lowest score when it needs them all', () => {
    expect(thresholdForRecall([1, 0, 1], [0.5, 0.5, 0.2], 0.5)).toBeCloseTo(0.35, 15);
    const lowest = thresholdForRecall([1, 1], [2, 3], 1);
    expect(lowest).toBeLessThan(2);
    expect(lowest).toBeGreaterThan(1.99);
  });

  it('refuses a target outside (0, 1], no positive, mismatched lengths and non-finite scores', () => {
    expect(() => thresholdForRecall([1], [1], 0)).toThrow(EvaluationInputError);
    expect(() => thresholdForRecall([1], [1], 1.1)).toThrow(EvaluationInputError);
    expect(() => thresholdForRecall([0, 0], [1, 2], 0.5)).toThrow('no positive');
    expect(() => thresholdForRecall([1], [1, 2], 0.5)).toThrow('1 labels for 2 scores');
    expect(() => thresholdForRecall([1, 0], [1, NaN], 0.5)).toThrow(EvaluationInputError);
  });
});
