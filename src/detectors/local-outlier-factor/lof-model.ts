// The local outlier factor (Breunig et al. 2000) for novelty detection, with scikit-learn's
// LocalOutlierFactor(novelty=True) semantics: the training points' k-distances and local reachability
// densities are fixed at fit; a new point's LOF is the mean ratio of its k nearest training points'
// densities to its own. About 1 inside a healthy cluster, larger the sparser its neighbourhood.
//
// Neighbours are searched in the training points' principal axes, centred: a rotation keeps every
// distance, centring keeps the norms small (the float32 products of the search err in proportion to them),
// and summing the exact distances in these coordinates, as an earlier partial-distance search needed,
// keeps the scores of models fitted before bit-identical.
import { principalAxes } from '../common/principal-axes';
import { NeighbourSearch } from './nearest-neighbours';

/** scikit-learn adds it to the mean reachability distance, so that duplicates give no infinite density. */
const DENSITY_EPSILON = 1e-10;

export interface LofModel {
  /** Features of a point; feature f belongs to sensor f % sensors. */
  dimensions: number;
  sensors: number;
  k: number;
  /** [dimensions] standardisation of the raw features: (value - mean) / std. */
  mean: Float64Array;
  std: Float64Array;
  /** [count, dimensions] the standardised training points. */
  points: Float64Array;
  /** [dimensions] and [dimensions, dimensions]: the principal axes of the standardised points (one per row) and their centre. */
  centre: Float64Array;
  axes: Float64Array;
  /** [count] each training point's distance to its k-th nearest other training point. */
  kDistance: Float64Array;
  /** [count] each training point's local reachability density. */
  density: Float64Array;
}

/** Mean and population std of each column (std 1 for a constant column, which is centred only). */
function standardisation(rows: Float64Array, count: number, dimensions: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(dimensions);
  const std = new Float64Array(dimensions);
  for (let i = 0; i < count; i++) for (let d = 0; d < dimensions; d++) mean[d] += rows[i * dimensions + d];
  for (let d = 0; d < dimensions; d++) mean[d] /= count;
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dimensions; d++) {
      const deviation = rows[i * dimensions + d] - mean[d];
      std[d] += deviation * deviation;
    }
  }
  for (let d = 0; d < dimensions; d++) {
    const value = Math.sqrt(std[d] / count);
    std[d] = value > 0 ? value : 1;
  }
  return { mean, std };
}

function standardiseInPlace(rows: Float64Array, count: number, mean: Float64Array, std: Float64Array): void {
  const dimensions = mean.length;
  for (let i = 0; i < count; i++)
    for (let d = 0; d < dimensions; d++) rows[i * dimensions + d] = (rows[i * dimensions + d] - mean[d]) / std[d];
}

/** `rows` centred on `centre` and expressed on `axes` (each row of `axes` one unit axis). */
function rotate(rows: Float64Array, count: number, centre: Float64Array, axes: Float64Array): Float64Array {
  const dimensions = centre.length;
  const out = new Float64Array(count * dimensions);
  const centred = new Float64Array(count * dimensions);
  for (let i = 0; i < count * dimensions; i += dimensions) for (let d = 0; d < dimensions; d++) centred[i + d] = rows[i + d] - centre[d];
  // Four rows per pass over the axes (each axis value read once for four sums), each sum in the order of d.
  let i = 0;
  for (; i + 3 < count; i += 4) {
    const [a, b, c, e] = [i * dimensions, (i + 1) * dimensions, (i + 2) * dimensions, (i + 3) * dimensions];
    for (let j = 0; j < dimensions; j++) {
      const axis = j * dimensions;
      let sumA = 0;
      let sumB = 0;
      let sumC = 0;
      let sumE = 0;
      for (let d = 0; d < dimensions; d++) {
        const value = axes[axis + d];
        sumA += value * centred[a + d];
        sumB += value * centred[b + d];
        sumC += value * centred[c + d];
        sumE += value * centred[e + d];
      }
      out[a + j] = sumA;
      out[b + j] = sumB;
      out[c + j] = sumC;
      out[e + j] = sumE;
    }
  }
  for (; i < count; i++) {
    const row = i * dimensions;
    for (let j = 0; j < dimensions; j++) {
      let sum = 0;
      for (let d = 0; d < dimensions; d++) sum += axes[j * dimensions + d] * centred[row + d];
      out[row + j] = sum;
    }
  }
  return out;
}

/** Fits on `count` rows of raw features (standardised in place); uses k = min(neighbours, count - 1). */
export function fitLof(
  rows: Float64Array,
  count: number,
  dimensions: number,
  sensors: number,
  neighbours: number,
  signal?: AbortSignal,
): LofModel {
  const { mean, std } = standardisation(rows, count, dimensions);
  standardiseInPlace(rows, count, mean, std);
  const k = Math.min(neighbours, count - 1);
  const { mean: centre, axes } = principalAxes(rows, count, dimensions);
  const rotated = rotate(rows, count, centre, axes);
  const search = new NeighbourSearch(rotated, count, dimensions, k);
  const self = Int32Array.from({ length: count }, (_, i) => i);
  const { indices: neighbourIndices, squaredDistances } = search.search(rotated, count, self, signal);
  const neighbourDistances = squaredDistances.map(Math.sqrt);
  const kDistance = new Float64Array(count);
  for (let i = 0; i < count; i++) kDistance[i] = neighbourDistances[i * k + k - 1];
  const density = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let reach = 0;
    for (let j = 0; j < k; j++) reach += Math.max(neighbourDistances[i * k + j], kDistance[neighbourIndices[i * k + j]]);
    density[i] = 1 / (reach / k + DENSITY_EPSILON);
  }
  return { dimensions, sensors, k, mean, std, points: rows, centre, axes, kDistance, density };
}

/** A scorer of raw feature rows for `model`, keeping its search buffers between calls. */
export function lofScorer(model: LofModel): (rows: Float64Array, count: number) => { scores: Float64Array; contributions: Float32Array } {
  const { dimensions, sensors, k, mean, std, points, centre, axes, kDistance, density } = model;
  const training = points.length / dimensions;
  const search = new NeighbourSearch(rotate(points, training, centre, axes), training, dimensions, k);
  const shares = new Float64Array(sensors);

  /**
   * LOF of each row (rows are standardised in place). Contributions: each sensor's share of the squared
   * distances to the k nearest training points (its features' squared differences, summed), times the LOF.
   */
  return (rows, count) => {
    standardiseInPlace(rows, count, mean, std);
    const rotated = rotate(rows, count, centre, axes);
    const scores = new Float64Array(count);
    const contributions = new Float32Array(count * sensors);
    const { indices, squaredDistances } = search.search(rotated, count);
    for (let r = 0; r < count; r++) {
      const offset = r * dimensions;
      let reach = 0;
      for (let j = r * k; j < (r + 1) * k; j++) reach += Math.max(Math.sqrt(squaredDistances[j]), kDistance[indices[j]]);
      const own = 1 / (reach / k + DENSITY_EPSILON);
      let ratio = 0;
      for (let j = r * k; j < (r + 1) * k; j++) ratio += density[indices[j]] / own;
      const lof = ratio / k;
      scores[r] = lof;
      shares.fill(0);
      let total = 0;
      for (let j = r * k; j < (r + 1) * k; j++) {
        const row = indices[j] * dimensions;
        // Feature d belongs to sensor d % sensors: one block of sensors at a time, in the order of d.
        for (let block = 0; block < dimensions; block += sensors) {
          const width = Math.min(sensors, dimensions - block);
          for (let s = 0; s < width; s++) {
            const difference = rows[offset + block + s] - points[row + block + s];
            shares[s] += difference * difference;
            total += difference * difference;
          }
        }
      }
      if (total > 0) for (let s = 0; s < sensors; s++) contributions[r * sensors + s] = (lof * shares[s]) / total;
    }
    return { scores, contributions };
  };
}
