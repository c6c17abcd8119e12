import { batchOf, everyNth, fd001 } from './test-helpers';
import { componentsForVariance, covariance, principalAxes } from './principal-axes';

describe('principal axes', () => {
  it('finds the direction of largest variance first, orthonormal axes and sample variances', () => {
    // Points (t + e, t - e) for t = -2..2 and e = +-0.1: variance along (1, 1)/sqrt 2 is 2 x var(t).
    const rows: number[] = [];
    for (let t = -2; t <= 2; t++) for (const e of [0.1, -0.1]) rows.push(3 + t + e, 1 + t - e);
    const { mean, variances, axes } = principalAxes(rows, 10, 2);
    expect(Array.from(mean)).toEqual([3, 1].map((v) => expect.closeTo(v, 12)));
    // var(t) over the 10 points with n - 1: sum t^2 = 20, so 2 x 20 / 9; across: 2 x 10 x 0.01 / 9.
    expect(variances[0]).toBeCloseTo(40 / 9, 10);
    expect(variances[1]).toBeCloseTo(0.2 / 9, 10);
    expect(Math.abs(axes[0])).toBeCloseTo(Math.SQRT1_2, 10);
    expect(axes[0] * axes[1]).toBeCloseTo(0.5, 10);
    expect(axes[0] * axes[2] + axes[1] * axes[3]).toBeCloseTo(0, 12);
  });

  it('counts components like scikit-learn: the fewest whose share of the variance exceeds the ratio', () => {
    const variances = Float64Array.from([3, 0.5, 0.5]);
    expect(componentsForVariance(variances, 0.5)).toBe(1);
    // 3 / 4 = 0.75 does not exceed 0.75 (np.searchsorted(..., side='right') + 1 gives 2).
    expect(componentsForVariance(variances, 0.75)).toBe(2);
    expect(componentsForVariance(variances, 0.99)).toBe(3);
  });

  it.each([
    ['301 FD001 windows of 420 values', 301, 420],
    ['1,001 rows of 42 of their values (no multiple of 4, an odd count)', 1001, 42],
  ])('forms the covariance of %s bit for bit as the two-way unrolled float64 loop does', (_, count, dimensions) => {
    const rows = everyNth(batchOf(fd001().train), 16, 301).x;
    const { mean, covariance: actual } = covariance(rows, count, dimensions);
    const columns = Array.from({ length: dimensions }, (_, d) =>
      Array.from({ length: count }, (_, i) => rows[i * dimensions + d] - mean[d]),
    );
    let compared = 0;
    for (let a = 0; a < dimensions; a++) {
      for (let b = 0; b < dimensions; b++) {
        let s0 = 0;
        let s1 = 0;
        for (let i = 0; i < count; i++) {
          if (i % 2 === 0) s0 += columns[a][i] * columns[b][i];
          else s1 += columns[a][i] * columns[b][i];
        }
        const expected = (s0 + s1) / (count - 1);
        // Object.is: equal bits; a report only on a difference, not one expect per entry.
        if (!Object.is(actual[a * dimensions + b], expected))
          expect({ a, b, value: actual[a * dimensions + b] }).toEqual({ a, b, value: expected });
        compared++;
      }
    }
    expect(compared).toBe(dimensions * dimensions);
  });
});
