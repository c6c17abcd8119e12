// Features of normalised windows shared by the classic kinds. Feature f of every layout here belongs to
// sensor f % sensors, so per-sensor attributions fold features onto sensors the same way for all of them.
import type { WindowBatch } from '../detector';

export const FEATURE_LAYOUTS = ['flattened', 'summary', 'both'] as const;
export type FeatureLayout = (typeof FEATURE_LAYOUTS)[number];

/** Per-sensor statistics of the summary layout, in the order of its blocks. */
export const SUMMARY_STATISTICS = ['mean', 'slope', 'std', 'last'] as const;

/** Cycles whose mean reading is a window's direction. */
export const DIRECTION_CYCLES = 10;

export function featureCount(layout: FeatureLayout, windowLength: number, sensors: number): number {
  const flattened = windowLength * sensors;
  const summary = SUMMARY_STATISTICS.length * sensors;
  return layout === 'flattened' ? flattened : layout === 'summary' ? summary : flattened + summary;
}

/**
 * The windows as rows of float64 features: 'flattened' is the window itself (cycle, then sensor);
 * 'summary' is, per sensor over the window's cycles, [mean of each sensor, least-squares slope per cycle
 * of each sensor, population std of each sensor, last reading of each sensor]; 'both' is the one then
 * the other. Float64 so that the summary statistics are computed the way numpy computes them in float64.
 */
export function windowFeatures(windows: WindowBatch, layout: FeatureLayout): Float64Array {
  const { count, windowLength: length, features: sensors, x } = windows;
  const width = featureCount(layout, length, sensors);
  const out = new Float64Array(count * width);
  const cells = length * sensors;
  const withFlattened = layout !== 'summary';
  const summaryOffset = withFlattened ? cells : 0;
  // Centred cycle positions: slope = sum((t - mean t) x_t) / sum((t - mean t)^2).
  const centre = (length - 1) / 2;
  let positions = 0;
  for (let t = 0; t < length; t++) positions += (t - centre) * (t - centre);
  for (let w = 0; w < count; w++) {
    const window = w * cells;
    const row = w * width;
    if (withFlattened) for (let c = 0; c < cells; c++) out[row + c] = x[window + c];
    if (layout === 'flattened') continue;
    const base = row + summaryOffset;
    for (let s = 0; s < sensors; s++) {
      let sum = 0;
      for (let t = 0; t < length; t++) sum += x[window + t * sensors + s];
      const mean = sum / length;
      let slope = 0;
      let squares = 0;
      for (let t = 0; t < length; t++) {
        const deviation = x[window + t * sensors + s] - mean;
        slope += (t - centre) * deviation;
        squares += deviation * deviation;
      }
      out[base + s] = mean;
      out[base + sensors + s] = positions > 0 ? slope / positions : 0;
      out[base + 2 * sensors + s] = Math.sqrt(squares / length);
      out[base + 3 * sensors + s] = x[window + (length - 1) * sensors + s];
    }
  }
  return out;
}

/**
 * The mean normalised reading of each sensor over each window's last DIRECTION_CYCLES cycles (all of them
 * in shorter windows): windows are z-scored against healthy rows, so this says in healthy standard
 * deviations which way each sensor reads now. The direction of kinds that have no signed residual.
 */
export function recentMeanReadings(windows: WindowBatch): Float32Array {
  const { count, windowLength: length, features: sensors, x } = windows;
  const out = new Float32Array(count * sensors);
  const recent = Math.min(DIRECTION_CYCLES, length);
  const cells = length * sensors;
  for (let w = 0; w < count; w++) {
    for (let s = 0; s < sensors; s++) {
      let sum = 0;
      for (let t = length - recent; t < length; t++) sum += x[w * cells + t * sensors + s];
      out[w * sensors + s] = sum / recent;
    }
  }
  return out;
}
