// Principal axes of rows of features: the eigenvectors of their covariance matrix, by decreasing variance
// (what scikit-learn's PCA finds through an SVD of the centred rows: the same axes up to sign, and
// variances S^2 / (n - 1)). ml-matrix decomposes the covariance matrix; forming it here in tight loops
// over columns is several times faster than through ml-matrix's generic products.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface PrincipalAxes {
  dimensions: number;
  /** [dimensions] the column means. */
  mean: Float64Array;
  /** [dimensions] the variance along each axis, decreasing (clamped at 0). */
  variances: Float64Array;
  /** [dimensions, dimensions] axis j is row j: unit length, orthogonal to the others. */
  axes: Float64Array;
}

/** Principal axes of `rows` (row-major, `count` x `dimensions`); needs at least 2 rows. */
export function principalAxes(rows: ArrayLike<number>, count: number, dimensions: number): PrincipalAxes {
  if (count < 2) throw new RangeError(`principal axes need at least 2 rows, got ${count}`);
  const mean = new Float64Array(dimensions);
  for (let i = 0; i < count; i++) for (let d = 0; d < dimensions; d++) mean[d] += rows[i * dimensions + d];
  for (let d = 0; d < dimensions; d++) mean[d] /= count;
  // Centred columns, contiguous, so that each covariance entry is one streaming dot product.
  const columns = new Float64Array(dimensions * count);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dimensions; d++) columns[d * count + i] = rows[i * dimensions + d] - mean[d];
  }
  const covariance = new Matrix(dimensions, dimensions);
  for (let a = 0; a < dimensions; a++) {
    const first = a * count;
    for (let b = 0; b <= a; b++) {
      const second = b * count;
      let s0 = 0;
      let s1 = 0;
      let i = 0;
      for (; i + 1 < count; i += 2) {
        s0 += columns[first + i] * columns[second + i];
        s1 += columns[first + i + 1] * columns[second + i + 1];
      }
      if (i < count) s0 += columns[first + i] * columns[second + i];
      const value = (s0 + s1) / (count - 1);
      covariance.set(a, b, value);
      covariance.set(b, a, value);
    }
  }
  const decomposition = new EigenvalueDecomposition(covariance, { assumeSymmetric: true });
  const values = decomposition.realEigenvalues;
  const vectors = decomposition.eigenvectorMatrix;
  const order = values.map((_, j) => j).sort((p, q) => values[q] - values[p]);
  const variances = new Float64Array(dimensions);
  const axes = new Float64Array(dimensions * dimensions);
  order.forEach((column, j) => {
    variances[j] = Math.max(0, values[column]);
    for (let d = 0; d < dimensions; d++) axes[j * dimensions + d] = vectors.get(d, column);
  });
  return { dimensions, mean, variances, axes };
}

/**
 * scikit-learn's PCA(n_components=ratio) count: the fewest leading axes whose share of the total variance
 * exceeds `ratio` (np.searchsorted(cumsum, ratio, side='right') + 1), at most every axis.
 */
export function componentsForVariance(variances: Float64Array, ratio: number): number {
  let total = 0;
  for (const value of variances) total += value;
  let cumulative = 0;
  for (let j = 0; j < variances.length; j++) {
    cumulative += variances[j];
    if (cumulative / total > ratio) return j + 1;
  }
  return variances.length;
}
