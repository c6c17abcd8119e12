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

/**
 * The farthest a normalised reading may be from the healthy mean, in standard deviations, for a model to
 * score it: the network computes in float32, and a window's error sums the squares of (reading minus
 * reconstruction) over its cells, so a reading of ~1e19 standard deviations already overflows to
 * Infinity (then NaN). A million standard deviations is no physical reading of any sensor, and keeps
 * every intermediate value finite with many orders of magnitude to spare.
 */
export const MAX_NORMALISED_MAGNITUDE = 1e6;

/** Whether `value` of feature `feature` normalises within MAX_NORMALISED_MAGNITUDE. */
export function isRepresentable(value: number, feature: number, normalisation: Normalisation): boolean {
  return Math.abs((value - normalisation.mean[feature]) / normalisation.std[feature]) <= MAX_NORMALISED_MAGNITUDE;
}

/**
 * Brings normalised values beyond MAX_NORMALISED_MAGNITUDE back to it (keeping their sign), so that
 * readings stored before they could be checked still score as the extreme windows they are instead of
 * as NaN; returns how many it changed.
 */
export function clampToRepresentable(x: Float32Array): number {
  let clamped = 0;
  for (let index = 0; index < x.length; index++) {
    const value = x[index];
    if (value > MAX_NORMALISED_MAGNITUDE || value < -MAX_NORMALISED_MAGNITUDE) {
      x[index] = value > 0 ? MAX_NORMALISED_MAGNITUDE : -MAX_NORMALISED_MAGNITUDE;
      clamped++;
    }
  }
  return clamped;
}
