// PCA reconstruction of flattened windows: the healthy windows' leading principal axes span what normal
// looks like; a window's residual off that subspace is what they cannot explain. Scoring needs the
// residual only, which either basis gives: x - W W^T x from the k leading axes, or R R^T x from the D - k
// others. The model keeps the smaller one, so a window costs 2 D min(k, D - k) multiply-adds.
import { componentsForVariance, principalAxes } from '../common/principal-axes';
import { DIRECTION_CYCLES } from '../common/window-features';
import type { WindowBatch, WindowScores } from '../detector';
import { LANES, laneProducts } from './lane-products';

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

/** A scorer of windows for `model`: it keeps the basis, transposed too, and its work buffers between calls. */
export function pcaScorer(model: PcaModel): (windows: WindowBatch) => WindowScores {
  const { dimensions, sensors, mean, basis, basisKind } = model;
  const rows = basis.length / dimensions;
  const products = laneProducts(basis, rows, dimensions);
  const { centred, reconstruction } = products;
  const length = dimensions / sensors;
  const recent = Math.min(DIRECTION_CYCLES, length);
  const residual = new Float64Array(dimensions * LANES);
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
    for (let first = 0; first < count; first += LANES) {
      // A last group of fewer windows repeats its last window in the spare lanes.
      for (let l = 0; l < LANES; l++) {
        const offset = Math.min(first + l, count - 1) * dimensions;
        for (let d = 0; d < dimensions; d++) centred[d * LANES + l] = x[offset + d] - mean[d];
      }
      products.run();
      if (basisKind === 'principal') for (let i = 0; i < residual.length; i++) residual[i] = centred[i] - reconstruction[i];
      else residual.set(reconstruction);
      for (let l = 0; l < LANES && first + l < count; l++) {
        const w = first + l;
        squares.fill(0);
        recentSums.fill(0);
        let total = 0;
        for (let d = 0; d < dimensions; d++) {
          const r = residual[d * LANES + l];
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
