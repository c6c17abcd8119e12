// PCA reconstruction of flattened windows: the healthy windows' leading principal axes span what normal
// looks like; a window's residual off that subspace is what they cannot explain. Scoring needs the
// residual only, which either basis gives: x - W W^T x from the k leading axes, or R R^T x from the D - k
// others. The model keeps the smaller one, so a window costs 2 D min(k, D - k) multiply-adds.
import { COLUMNS_PER_GROUP as WINDOWS_PER_GROUP, instantiateProduct, ROWS_PER_TILE, tiled } from '../common/float64-products';
import { componentsForVariance, principalAxes } from '../common/principal-axes';
import { createFixedMemory } from '../common/wasm-assembler';
import { DIRECTION_CYCLES } from '../common/window-features';
import type { WindowBatch, WindowScores } from '../detector';

export interface PcaModel {
  /** Values of a flattened window: window length x sensors. */
  dimensions: number;
  sensors: number;
  components: number;
  /** Share of the healthy windows' variance the components explain. */
  explainedVariance: number;
  /** [dimensions] the healthy windows' mean. */
  mean: Float64Array;
  /** 'principal': rows are the k leading axes; 'residual': rows are the D - k others. */
  basisKind: 'principal' | 'residual';
  /** [rows, dimensions] unit-length orthogonal axes, one per row. */
  basis: Float64Array;
}

export interface PcaChoice {
  /** A fixed count of components; absent: the fewest explaining more than varianceRatio of the variance. */
  components?: number;
  varianceRatio: number;
}

export function fitPca(windows: WindowBatch, choice: PcaChoice): PcaModel {
  const dimensions = windows.windowLength * windows.features;
  const { mean, variances, axes } = principalAxes(windows.x, windows.count, dimensions);
  const components = choice.components ?? componentsForVariance(variances, choice.varianceRatio);
  let kept = 0;
  let total = 0;
  for (let j = 0; j < dimensions; j++) {
    total += variances[j];
    if (j < components) kept += variances[j];
  }
  const basisKind = components <= dimensions - components ? 'principal' : 'residual';
  const basis = basisKind === 'principal' ? axes.slice(0, components * dimensions) : axes.slice(components * dimensions);
  return { dimensions, sensors: windows.features, components, explainedVariance: total > 0 ? kept / total : 1, mean, basisKind, basis };
}

/** Windows per kernel call: 16 groups of 4, whose values (about 215 KB for 420 dimensions) stay in cache. */
const WINDOWS_PER_CALL = 64;

/** [dimensions, rows] the basis transposed: reconstructing one value is one dot product over the axes. */
function transposed(model: PcaModel): Float64Array {
  const { dimensions, basis } = model;
  const rows = basis.length / dimensions;
  const out = new Float64Array(basis.length);
  for (let j = 0; j < rows; j++) for (let d = 0; d < dimensions; d++) out[d * rows + j] = basis[j * dimensions + d];
  return out;
}

/**
 * A scorer of windows for `model`: it keeps the basis, tiled for the kernel (../common/float64-products.ts), and its
 * work buffers in one WebAssembly memory between calls. Per group of four windows: coordinates = B c of
 * the centred windows c, then reconstructions = B^T coordinates, each value summed in order as a plain
 * loop would (bit for bit the scores of the JavaScript loops this replaced).
 */
export function pcaScorer(model: PcaModel): (windows: WindowBatch) => WindowScores {
  const { dimensions, sensors, mean, basis, basisKind } = model;
  const rows = basis.length / dimensions;
  const length = dimensions / sensors;
  const recent = Math.min(DIRECTION_CYCLES, length);
  const rowTiles = Math.ceil(rows / ROWS_PER_TILE);
  const dimensionTiles = Math.ceil(dimensions / ROWS_PER_TILE);
  const groups = WINDOWS_PER_CALL / WINDOWS_PER_GROUP;
  // Byte layout: the two tiled matrices, then the centred windows, coordinates and reconstructions of a call.
  const centredStride = dimensions * WINDOWS_PER_GROUP * 8;
  const coordinateStride = rowTiles * ROWS_PER_TILE * WINDOWS_PER_GROUP * 8;
  const reconstructionStride = dimensionTiles * ROWS_PER_TILE * WINDOWS_PER_GROUP * 8;
  const forwardAddress = 0;
  const backwardAddress = forwardAddress + rowTiles * ROWS_PER_TILE * dimensions * 8;
  const centredAddress = backwardAddress + dimensionTiles * ROWS_PER_TILE * rows * 8;
  const coordinatesAddress = centredAddress + groups * centredStride;
  const reconstructionsAddress = coordinatesAddress + groups * coordinateStride;
  const end = reconstructionsAddress + groups * reconstructionStride;
  const memory = createFixedMemory(Math.max(1, Math.ceil(end / 65536)));
  const product = instantiateProduct(memory);
  tiled(basis, rows, dimensions, new Float64Array(memory.buffer, forwardAddress, (backwardAddress - forwardAddress) / 8));
  tiled(transposed(model), dimensions, rows, new Float64Array(memory.buffer, backwardAddress, (centredAddress - backwardAddress) / 8));
  const centred = new Float64Array(memory.buffer, centredAddress, (coordinatesAddress - centredAddress) / 8);
  const reconstructions = new Float64Array(memory.buffer, reconstructionsAddress, (end - reconstructionsAddress) / 8);
  const principal = basisKind === 'principal';
  const squares = new Float64Array(sensors);
  const recentSums = new Float64Array(sensors);

  /**
   * Residual r = x - reconstruction of each window. Score: the mean of r^2 over the window's cells (the
   * reference's baseline); contribution of a sensor: its r^2 summed over the cycles, over the cells (they
   * add up to the score); direction: its mean r over the last DIRECTION_CYCLES cycles (> 0: it reads
   * higher than healthy windows like it would).
   */
  return (windows) => {
    const { count, x } = windows;
    const scores = new Float64Array(count);
    const contributions = new Float32Array(count * sensors);
    const directions = new Float32Array(count * sensors);
    for (let first = 0; first < count; first += WINDOWS_PER_CALL) {
      const chunk = Math.min(WINDOWS_PER_CALL, count - first);
      for (let n = 0; n < chunk; n++) {
        const offset = (first + n) * dimensions;
        const lane = (n >> 2) * dimensions * WINDOWS_PER_GROUP + (n & 3);
        for (let d = 0; d < dimensions; d++) centred[lane + d * WINDOWS_PER_GROUP] = x[offset + d] - mean[d];
      }
      // The spare lanes of a last group hold earlier windows' values: computed, never read.
      const used = Math.ceil(chunk / WINDOWS_PER_GROUP);
      product(forwardAddress, rowTiles, dimensions, centredAddress, used, centredStride, coordinatesAddress, coordinateStride);
      product(
        backwardAddress,
        dimensionTiles,
        rows,
        coordinatesAddress,
        used,
        coordinateStride,
        reconstructionsAddress,
        reconstructionStride,
      );
      for (let n = 0; n < chunk; n++) {
        const w = first + n;
        const lane = (n >> 2) * dimensions * WINDOWS_PER_GROUP + (n & 3);
        const out = (n >> 2) * dimensionTiles * ROWS_PER_TILE * WINDOWS_PER_GROUP + (n & 3);
        squares.fill(0);
        recentSums.fill(0);
        let total = 0;
        for (let d = 0; d < dimensions; d++) {
          const reconstruction = reconstructions[out + d * WINDOWS_PER_GROUP];
          const r = principal ? centred[lane + d * WINDOWS_PER_GROUP] - reconstruction : reconstruction;
          const s = d % sensors;
          total += r * r;
          squares[s] += r * r;
          if (d >= (length - recent) * sensors) recentSums[s] += r;
        }
        scores[w] = total / dimensions;
        for (let s = 0; s < sensors; s++) {
          contributions[w * sensors + s] = squares[s] / dimensions;
          directions[w * sensors + s] = recentSums[s] / recent;
        }
      }
    }
    return { scores, raw: scores.slice(), contributions, directions };
  };
}
