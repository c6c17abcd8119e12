import { EvaluationInputError } from './errors';
import { fitLogisticRegression } from './logistic-regression';

// One feature: x = 0 is positive 1 time in 4, x = 1 is positive 3 times in 4. The maximum-likelihood fit
// reproduces both rates: intercept = logit(1/4) = -ln 3, coefficient = logit(3/4) - logit(1/4) = 2 ln 3.
const x = [0, 0, 0, 0, 1, 1, 1, 1];
const labels = [1, 0, 0, 0, 1, 1, 1, 0];

describe('fitLogisticRegression', () => {
  it('finds the maximum-likelihood model when the penalty is negligible', () => {
    const model = fitLogisticRegression(x, labels, 1, { l2: 1e-12 });
    expect(model.intercept).toBeCloseTo(-Math.log(3), 8);
    expect(model.coefficients[0]).toBeCloseTo(2 * Math.log(3), 8);
  });

  it('shrinks the coefficients towards zero, and the intercept towards the base rate, as the penalty grows', () => {
    const weak = fitLogisticRegression(x, labels, 1, { l2: 1e-3 });
    const strong = fitLogisticRegression(x, labels, 1, { l2: 1e3 });
    expect(Math.abs(weak.coefficients[0])).toBeLessThan(2 * Math.log(3));
    expect(Math.abs(strong.coefficients[0])).toBeLessThan(1e-3);
    // base rate 1/2 here: logit 0 at the mean feature value 0.5
    expect(strong.intercept + strong.coefficients[0] * 0.5).toBeCloseTo(0, 6);
  });

  it('penalises standardised features: rescaling a feature rescales its coefficient and changes no prediction', () => {
    // two features, the second informative and noisy
    const rows = [
      [0.1, 0.2],
      [0.4, 1.5],
      [0.3, 0.1],
      [0.9, 2.2],
      [0.5, 0.4],
      [0.2, 1.9],
      [0.8, 0.3],
      [0.7, 2.5],
      [0.6, 1.0],
      [0.15, 1.2],
    ];
    const y = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
    const flat = rows.flat();
    const scaled = rows.flatMap(([a, b]) => [a, b * 1000]);
    const base = fitLogisticRegression(flat, y, 2, { l2: 0.1 });
    const rescaled = fitLogisticRegression(scaled, y, 2, { l2: 0.1 });
    expect(rescaled.coefficients[1] * 1000).toBeCloseTo(base.coefficients[1], 8);
    expect(rescaled.coefficients[0]).toBeCloseTo(base.coefficients[0], 8);
    expect(rescaled.intercept).toBeCloseTo(base.intercept, 8);
    expect(base.coefficients[1]).toBeGreaterThan(0);
  });

  it('refuses one-class labels, non-0/1 labels, a bad penalty and mismatched sizes', () => {
    expect(() => fitLogisticRegression([1, 2], [1, 1], 1, { l2: 1 })).toThrow('both labels');
    expect(() => fitLogisticRegression([1, 2], [1, 2], 1, { l2: 1 })).toThrow('expected 0 or 1');
    expect(() => fitLogisticRegression([1, 2], [1, 0], 1, { l2: 0 })).toThrow(EvaluationInputError);
    expect(() => fitLogisticRegression([1, 2, 3], [1, 0], 1, { l2: 1 })).toThrow('3 feature values for 2 labels');
    expect(() => fitLogisticRegression([1, NaN], [1, 0], 1, { l2: 1 })).toThrow(EvaluationInputError);
  });
});
