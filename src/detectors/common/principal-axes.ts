// Principal axes of rows of features: the eigenvectors of their covariance matrix, by decreasing variance
// (what scikit-learn's PCA finds through an SVD of the centred rows: the same axes up to sign, and
// variances S^2 / (n - 1)). ml-matrix decomposes the covariance matrix; it is formed here in SIMD, far
// faster than through ml-matrix's generic products.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { COLUMNS_PER_GROUP, instantiateProduct, ROWS_PER_TILE } from './float64-products';
import { createFixedMemory } from './wasm-assembler';

export interface PrincipalAxes {
  dimensions: number;
  /** [dimensions] the column means. */
  mean: Float64Array;
  /** [dimensions] the variance along each axis, decreasing (clamped at 0). */
  variances: Float64Array;
  /** [dimensions, dimensions] axis j is row j: unit length, orthogonal to the others. */
  axes: Float64Array;
}

/**
 * The column means of `rows` (row-major, `count` x `dimensions`) and their covariance matrix
 * ([dimensions, dimensions], divided by count - 1). Entry (a, b) is s0 + s1, s0 summing the products of the
 * centred columns a and b over the even rows in order, s1 over the odd rows: the order of the two-way
 * unrolled loop that formed it before, kept so that fits stay bit for bit the same. The products run in
 * float64 SIMD (./float64-products.ts), one column tile against the tiles up to it (the matrix is symmetric).
 */
export function covariance(rows: ArrayLike<number>, count: number, dimensions: number): { mean: Float64Array; covariance: Float64Array } {
  if (count < 2) throw new RangeError(`principal axes need at least 2 rows, got ${count}`);
  const mean = new Float64Array(dimensions);
  for (let i = 0; i < count; i++) for (let d = 0; d < dimensions; d++) mean[d] += rows[i * dimensions + d];
  for (let d = 0; d < dimensions; d++) mean[d] /= count;
  const tiles = Math.ceil(dimensions / ROWS_PER_TILE);
  // The centred even rows and the odd rows, each tiled ([tile][row][4]), then each one's sums.
  const steps = [Math.ceil(count / 2), Math.floor(count / 2)];
  const sumsBytes = tiles * tiles * ROWS_PER_TILE * COLUMNS_PER_GROUP * 8;
  const centredAddresses = [0, tiles * ROWS_PER_TILE * steps[0] * 8];
  const sumsAddresses = [centredAddresses[1] + tiles * ROWS_PER_TILE * steps[1] * 8];
  sumsAddresses.push(sumsAddresses[0] + sumsBytes);
  const memory = createFixedMemory(Math.ceil((sumsAddresses[1] + sumsBytes) / 65536));
  const product = instantiateProduct(memory);
  const centred = [0, 1].map((half) => new Float64Array(memory.buffer, centredAddresses[half], tiles * ROWS_PER_TILE * steps[half]));
  for (let i = 0; i < count; i++) {
    const half = centred[i & 1];
    const step = (i >> 1) * ROWS_PER_TILE;
    const tileSize = steps[i & 1] * ROWS_PER_TILE;
    for (let d = 0; d < dimensions; d++) half[(d >> 2) * tileSize + step + (d & 3)] = rows[i * dimensions + d] - mean[d];
  }
  for (const half of [0, 1]) {
    const stride = steps[half] * ROWS_PER_TILE * 8;
    for (let group = 0; group < tiles; group++) {
      const out = sumsAddresses[half] + (group * sumsBytes) / tiles;
      product(centredAddresses[half], group + 1, steps[half], centredAddresses[half] + group * stride, 1, stride, out, 0);
    }
  }
  const [even, odd] = [0, 1].map((half) => new Float64Array(memory.buffer, sumsAddresses[half], sumsBytes / 8));
  const matrix = new Float64Array(dimensions * dimensions);
  for (let b = 0; b < dimensions; b++) {
    const column = (b >> 2) * tiles * ROWS_PER_TILE * COLUMNS_PER_GROUP + (b & 3);
    for (let a = 0; a <= b; a++) {
      const at = column + a * COLUMNS_PER_GROUP;
      const value = (even[at] + odd[at]) / (count - 1);
      matrix[a * dimensions + b] = value;
      matrix[b * dimensions + a] = value;
    }
  }
  return { mean, covariance: matrix };
}

/** Principal axes of `rows` (row-major, `count` x `dimensions`); needs at least 2 rows. */
export function principalAxes(rows: ArrayLike<number>, count: number, dimensions: number): PrincipalAxes {
  const { mean, covariance: entries } = covariance(rows, count, dimensions);
  const matrix = new Matrix(dimensions, dimensions);
  for (let a = 0; a < dimensions; a++) for (let b = 0; b < dimensions; b++) matrix.set(a, b, entries[a * dimensions + b]);
  const decomposition = new EigenvalueDecomposition(matrix, { assumeSymmetric: true });
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
