// Sensor naming and the choice of informative sensors.
//
// Every data set names its sensors in its catalogue (C-MAPSS: sensor1..sensor21). Convention used
// throughout src/domain/data: a *sensor index* is the 0-based position of a sensor in its data set's
// catalogue, which is also its position in a reading; a *sensor name* is the catalogue's name for it
// (what the API and the database show).

import { DataError } from './errors';
import type { EngineSeries } from './series';
import { healthyReadings, sensorCatalogue } from './series';
import { columnStats } from './stats';

/** The names an error message lists: the catalogue's first ones. */
function catalogueExcerpt(catalogue: readonly string[]): string {
  const shown = catalogue.slice(0, 30).join(', ');
  return catalogue.length > 30 ? `${shown}, ... (${catalogue.length} sensors)` : shown;
}

export class UnknownSensorError extends DataError {
  constructor(
    readonly sensor: string | number,
    catalogue: readonly string[],
  ) {
    super(
      typeof sensor === 'string'
        ? `unknown sensor name "${sensor}": expected one of ${catalogueExcerpt(catalogue)}`
        : `sensor index ${sensor} is out of range: expected an integer from 0 to ${catalogue.length - 1} (${catalogue.length} sensors)`,
    );
    this.name = 'UnknownSensorError';
  }
}

/** The index of `name` in `catalogue`. Throws UnknownSensorError when the catalogue has no such sensor. */
export function sensorIndex(catalogue: readonly string[], name: string): number {
  const index = catalogue.indexOf(name);
  if (index < 0) throw new UnknownSensorError(name, catalogue);
  return index;
}

/** The name of sensor `index` of `catalogue`. Throws UnknownSensorError for an index outside it. */
export function sensorName(catalogue: readonly string[], index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= catalogue.length) throw new UnknownSensorError(index, catalogue);
  return catalogue[index];
}

export function sensorIndices(catalogue: readonly string[], names: readonly string[]): number[] {
  return names.map((name) => sensorIndex(catalogue, name));
}

export function sensorNames(catalogue: readonly string[], indices: readonly number[]): string[] {
  return indices.map((index) => sensorName(catalogue, index));
}

/**
 * A usable feature list: non-empty, non-negative integer indices, no repeats (order is kept: it is the
 * feature order). Indices beyond the catalogue are caught where the readings are read.
 */
export function assertSensorSelection(indices: readonly number[]): void {
  if (indices.length === 0) throw new DataError('the sensor selection is empty');
  const bad = indices.find((index) => !Number.isInteger(index) || index < 0);
  if (bad !== undefined) throw new DataError(`sensor index ${bad} is not a non-negative integer`);
  if (new Set(indices).size !== indices.length) {
    throw new DataError(`the sensor selection repeats a sensor: [${indices.join(', ')}]`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Informative sensors
//
// Criterion: a sensor is dropped when, over the healthy rows, its standard deviation is at most half of
// its recording resolution (the step its values are written with, e.g. 0.01 for "641.82").
// Why half a step: a quantity that is physically constant but sits near a rounding boundary is
// recorded as a flicker between two adjacent values, and such a two-level signal has
// std = step * sqrt(p (1 - p)) <= step / 2. So a std of at most half a step cannot be told apart from
// rounding noise around a constant, while anything above it needs at least three levels or a wider
// spread. The rule is scale-free (unlike an absolute std cut) and does not depend on the offset of the
// sensor (unlike a relative std cut, which fails for sensors with a large mean).
// On FD001 (train units 1-70, RUL > 100) the dropped sensors reach at most 0.19 steps (sensor 6) and
// the kept ones at least 1.15 steps (sensor 17): a factor > 2 on either side of the cut.

/** Default cut, in recording steps: see the criterion above. */
export const DEFAULT_MIN_STD_STEPS = 0.5;
/** Finest resolution looked for when inferring it from the values (10^-6). */
export const MAX_RESOLUTION_DECIMALS = 6;

export interface SensorSelectionOptions {
  /** Healthy rows are those with RUL > healthyRul. */
  healthyRul: number;
  /** Keep a sensor only when std > minStdSteps * resolution. Default 0.5. */
  minStdSteps?: number;
  /**
   * Recording resolution of each sensor of the catalogue, in catalogue order. When omitted, each
   * sensor's resolution is inferred from its healthy values (see inferResolution).
   */
  resolutions?: readonly number[];
}

export interface SensorVariability {
  index: number;
  name: string;
  mean: number;
  /** Population std over the healthy rows. */
  std: number;
  resolution: number;
  /** std / resolution: how many recording steps the sensor typically moves. */
  stdInSteps: number;
  informative: boolean;
}

/**
 * The recording resolution of a set of values: the largest step 10^-k (k = 0..maxDecimals) that every
 * value is a whole multiple of. 641.82 and 1589.7 give 0.01; integers give 1. Values with more than
 * maxDecimals decimals give 10^-maxDecimals.
 */
export function inferResolution(values: ArrayLike<number>, maxDecimals = MAX_RESOLUTION_DECIMALS): number {
  for (let decimals = 0; decimals < maxDecimals; decimals++) {
    const scale = 10 ** decimals;
    let whole = true;
    for (let i = 0; i < values.length && whole; i++) {
      const scaled = values[i] * scale;
      // Tolerance for the binary representation of decimals (0.07 * 100 = 7.000000000000001).
      whole = Math.abs(scaled - Math.round(scaled)) <= 1e-9 * Math.max(1, Math.abs(scaled));
    }
    if (whole) return 1 / scale;
  }
  return 1 / 10 ** maxDecimals;
}

/** Per-sensor statistics of the healthy rows of the given (training) engines and the keep/drop decision. */
export function describeSensorVariability(
  series: readonly EngineSeries[],
  options: SensorSelectionOptions,
): SensorVariability[] {
  const minStdSteps = options.minStdSteps ?? DEFAULT_MIN_STD_STEPS;
  if (!Number.isFinite(minStdSteps) || minStdSteps < 0) {
    throw new DataError(`minStdSteps must be a non-negative number, got ${minStdSteps}`);
  }
  const catalogue = sensorCatalogue(series);
  if (options.resolutions !== undefined) {
    if (options.resolutions.length !== catalogue.length || !options.resolutions.every((r) => Number.isFinite(r) && r > 0)) {
      throw new DataError(`resolutions must hold ${catalogue.length} positive numbers, one per sensor`);
    }
  }
  const rows = healthyReadings(series, options.healthyRul);
  if (rows.length === 0) {
    throw new DataError(`no healthy rows (RUL > ${options.healthyRul}) to choose sensors from`);
  }
  return catalogue.map((name, index) => {
    const { mean, std } = columnStats(rows, index);
    const resolution = options.resolutions?.[index] ?? inferResolution(rows.map((row) => row[index]));
    const stdInSteps = std / resolution;
    // The relative slack absorbs rounding in the std of an exact 50/50 two-level flicker (0.5000000001).
    const informative = stdInSteps > minStdSteps * (1 + 1e-9);
    return { index, name, mean, std, resolution, stdInSteps, informative };
  });
}

/**
 * Indices (ascending) of the sensors that vary over the healthy rows (RUL > healthyRul) of the given
 * training engines; near-constant sensors are dropped (criterion above). On FD001 train units 1-70 with
 * healthyRul 100 this keeps sensors 2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21.
 */
export function selectInformativeSensors(series: readonly EngineSeries[], options: SensorSelectionOptions): number[] {
  const selected = describeSensorVariability(series, options)
    .filter((sensor) => sensor.informative)
    .map((sensor) => sensor.index);
  if (selected.length === 0) throw new DataError('every sensor is constant over the healthy rows');
  return selected;
}
