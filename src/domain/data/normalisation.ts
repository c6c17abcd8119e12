// Z-score normalisation of the selected sensors, fitted on healthy rows of the training engines only:
// degraded cycles and held-out engines must not leak into the statistics the model is trained with.

import { DataError } from './errors';
import type { EngineSeries } from './series';
import { healthyReadings, sensorCatalogue } from './series';
import { assertSensorSelection, sensorNames } from './sensors';
import { columnStats } from './stats';

/** One entry per selected sensor, in the order of the sensor selection. */
export interface Normalisation {
  mean: number[];
  std: number[];
}

/**
 * Below this fraction of max(|mean|, 1) a std is treated as zero: it is rounding error of a constant
 * column (FD001's sensor 1 gives 5e-11 around a mean of 518.67), not a spread to divide by.
 */
export const ZERO_STD_RELATIVE_TOLERANCE = 1e-9;

/**
 * Mean and population std (numpy's default, ddof = 0) of each selected sensor over the rows with
 * RUL > healthyRul of the given engines.
 *
 * Zero-std rule: a sensor that is constant over those rows gets std = 1, so it is centred but not
 * scaled (what scikit-learn's StandardScaler does) instead of producing NaN or Infinity. Sensors chosen
 * by selectInformativeSensors never hit this rule; it protects explicitly chosen constant sensors.
 */
export function fitNormalisation(
  series: readonly EngineSeries[],
  sensorIndices: readonly number[],
  options: { healthyRul: number },
): Normalisation {
  assertSensorSelection(sensorIndices);
  sensorNames(sensorCatalogue(series), sensorIndices); // every index must be a sensor of the catalogue
  const rows = healthyReadings(series, options.healthyRul);
  if (rows.length === 0) {
    throw new DataError(`no healthy rows (RUL > ${options.healthyRul}) to fit the normalisation on`);
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (const index of sensorIndices) {
    const stats = columnStats(rows, index);
    if (!Number.isFinite(stats.mean) || !Number.isFinite(stats.std)) {
      throw new DataError(`sensor index ${index}: non-finite readings in the healthy rows`);
    }
    mean.push(stats.mean);
    std.push(stats.std <= ZERO_STD_RELATIVE_TOLERANCE * Math.max(1, Math.abs(stats.mean)) ? 1 : stats.std);
  }
  return { mean, std };
}

/** Checks that a normalisation fits `featureCount` features and can be divided by. */
export function assertNormalisation(normalisation: Normalisation, featureCount: number): void {
  const { mean, std } = normalisation;
  if (mean.length !== featureCount || std.length !== featureCount) {
    throw new DataError(
      `the normalisation has ${mean.length} means and ${std.length} stds but there are ${featureCount} sensors`,
    );
  }
  for (let f = 0; f < featureCount; f++) {
    if (!Number.isFinite(mean[f]) || !Number.isFinite(std[f]) || std[f] <= 0) {
      throw new DataError(`normalisation feature ${f}: mean must be finite and std finite and > 0`);
    }
  }
}

/**
 * Normalises readings that are already restricted to the selected sensors (rows x features, row-major,
 * as a client sends a window) into `out` from `offset`, the same way windows of engine series are.
 */
export function normaliseSelectedInto(values: ArrayLike<number>, normalisation: Normalisation, out: Float32Array, offset = 0): void {
  const features = normalisation.mean.length;
  for (let index = 0; index < values.length; index++) {
    const f = index % features;
    out[offset + index] = (values[index] - normalisation.mean[f]) / normalisation.std[f];
  }
}
