// Fixed-length windows of consecutive cycles: the model's input. A window belongs to one engine and is
// labelled by its last cycle (the cycle at which a live system would score it).

import { regimeOf, type RegimeModel } from './regimes';
import { DataError } from './errors';
import type { Normalisation } from './normalisation';
import { assertNormalisation } from './normalisation';
import type { EngineSeries } from './series';
import { assertValidSeries, describeEngine } from './series';
import { assertSensorSelection } from './sensors';

export const DEFAULT_WINDOW_LENGTH = 30;
export const DEFAULT_STRIDE = 1;
/**
 * How far back a window's engine is looked at (EarlierReadings): 50 cycles lifted the precision of
 * FD002's degradation-logistic at the recall it is calibrated for (docs/quality.md, a longer look-back).
 */
export const LOOK_BACK_CYCLES = 50;
/** Cycles averaged in an earlier reading: the autoencoder's recent steps (RECENT_RESIDUAL_STEPS). */
export const EARLIER_READING_STEPS = 10;

/**
 * Where each window's engine stood LOOK_BACK_CYCLES cycles before the window's last cycle: the mean
 * normalised reading of each sensor over the `steps` cycles ending there, or ending at the engine's first
 * window's last cycle when the engine is younger than that (so an engine's first window reads its own).
 */
export interface EarlierReadings {
  cycles: number;
  steps: number;
  /** [count, features] row-major. */
  values: Float32Array;
}

export interface WindowSet {
  /** count x length x features, row-major (window, then cycle, then feature), normalised. */
  x: Float32Array;
  count: number;
  length: number;
  features: number;
  /** Engine id and C-MAPSS unit (null for live engines) of each window. */
  engineIds: number[];
  units: (number | null)[];
  /** Cycle number of the window's last cycle. */
  endCycles: number[];
  /** RUL at the window's last cycle; null when the engine's RUL is unknown. */
  ruls: (number | null)[];
  /** Each window's engine's readings LOOK_BACK_CYCLES before it. */
  earlier: EarlierReadings;
}

export interface NormalisedFeatures {
  /** Sensor indices in the data set's catalogue, in feature order. */
  sensors: readonly number[];
  /** One mean/std per entry of `sensors`; used when there are no regimes. */
  normalisation: Normalisation;
  /** Operating regimes: each reading is normalised with the statistics of its settings' regime instead. */
  regimes?: RegimeModel | null;
}

export interface SlidingWindowOptions extends NormalisedFeatures {
  /** Cycles per window; default 30. */
  length?: number;
  /** Cycles between the ends of consecutive windows; default 1. */
  stride?: number;
  /** Keeps a window when it returns true, given the RUL at the window's last cycle (null if unknown). */
  keep?: (rulAtLastCycle: number | null) => boolean;
  /** Only windows whose last cycle is at least this one (the earlier cycles still give earlier readings). */
  fromCycle?: number;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new DataError(`${name} must be a positive integer, got ${value}`);
}

/**
 * Normalises the selected sensors of every reading of one engine: (value - mean) / std in double
 * precision, then rounded to float32, the same operations as the reference's `(x - mean) / std`
 * followed by `.astype(np.float32)`. Done once per cycle, then shared by the overlapping windows.
 */
function normaliseRows(engine: EngineSeries, features: NormalisedFeatures): Float32Array {
  const { sensors, regimes } = features;
  const width = sensors.length;
  const rows = engine.readings.length;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const reading = engine.readings[r];
    const regime = regimes ? regimeOf(regimes, engine.settings[r]) : -1;
    const normalisation = regimes ? { mean: regimes.mean[regime], std: regimes.std[regime] } : features.normalisation;
    for (let f = 0; f < width; f++) {
      const value = reading[sensors[f]];
      if (!Number.isFinite(value)) {
        throw new DataError(
          `${describeEngine(engine)}, cycle ${engine.cycles[r]}: sensor index ${sensors[f]} is not a finite number`,
        );
      }
      out[r * width + f] = (value - normalisation.mean[f]) / normalisation.std[f];
    }
  }
  return out;
}

/**
 * Windows of `length` consecutive cycles inside each engine (never across engines). Per engine the
 * first window ends at its length-th cycle and the next ones every `stride` cycles after it, like the
 * reference's `range(WINDOW - 1, n)` for stride 1. Engines shorter than `length` give no window.
 * Windows come out in engine order, then by end cycle.
 */
export function slidingWindows(series: readonly EngineSeries[], options: SlidingWindowOptions): WindowSet {
  const length = options.length ?? DEFAULT_WINDOW_LENGTH;
  const stride = options.stride ?? DEFAULT_STRIDE;
  assertPositiveInteger('window length', length);
  assertPositiveInteger('stride', stride);
  assertSensorSelection(options.sensors);
  const features = options.sensors.length;
  assertNormalisation(options.normalisation, features);

  // First pass: decide which windows to keep, so that x is allocated once at its final size.
  const chosen: { engine: number; end: number }[] = [];
  series.forEach((engine, e) => {
    assertValidSeries(engine);
    for (let end = length - 1; end < engine.cycles.length; end += stride) {
      if (options.fromCycle !== undefined && engine.cycles[end] < options.fromCycle) continue;
      const rul = engine.rul === null ? null : engine.rul[end];
      if (options.keep === undefined || options.keep(rul)) chosen.push({ engine: e, end });
    }
  });

  const windowSize = length * features;
  const set = allocateWindowSet(length, features, chosen.length);
  const steps = set.earlier.steps;
  let current = -1;
  let rows: Float32Array = new Float32Array(0);
  chosen.forEach(({ engine: e, end }, w) => {
    const engine = series[e];
    if (e !== current) {
      rows = normaliseRows(engine, options);
      current = e;
    }
    set.x.set(rows.subarray((end - length + 1) * features, (end + 1) * features), w * windowSize);
    const earlierEnd = Math.max(end - LOOK_BACK_CYCLES, length - 1);
    for (let f = 0; f < features; f++) {
      let total = 0;
      for (let r = earlierEnd - steps + 1; r <= earlierEnd; r++) total += rows[r * features + f];
      set.earlier.values[w * features + f] = total / steps;
    }
    set.engineIds.push(engine.engineId);
    set.units.push(engine.unit);
    set.endCycles.push(engine.cycles[end]);
    set.ruls.push(engine.rul === null ? null : engine.rul[end]);
  });
  return set;
}

/**
 * One normalised window from raw readings (each a reading of every sensor of `sensorNames`, the data
 * set's catalogue, oldest first), for scoring a live engine: returns length x features float32 values
 * laid out like one window of a WindowSet. When `length` is given, exactly that many readings are required.
 */
export function buildWindow(
  readings: readonly (readonly number[])[],
  options: NormalisedFeatures & { length?: number; sensorNames: readonly string[] },
): Float32Array {
  if (options.length !== undefined) {
    assertPositiveInteger('window length', options.length);
    if (readings.length !== options.length) {
      throw new DataError(`a window needs exactly ${options.length} readings, got ${readings.length}`);
    }
  }
  if (readings.length === 0) throw new DataError('a window needs at least one reading');
  assertSensorSelection(options.sensors);
  assertNormalisation(options.normalisation, options.sensors.length);
  const { sensorNames } = options;
  const engine: EngineSeries = {
    engineId: 0,
    unit: null,
    sensorNames,
    settingNames: [],
    cycles: readings.map((_, i) => i + 1),
    settings: readings.map(() => []),
    readings: readings as number[][],
    rul: null,
  };
  readings.forEach((reading, i) => {
    if (reading.length !== sensorNames.length) {
      throw new DataError(`reading ${i} has ${reading.length} values, expected ${sensorNames.length} (one per sensor of the catalogue)`);
    }
    for (const sensor of options.sensors) {
      if (!Number.isFinite(reading[sensor])) {
        throw new DataError(`reading ${i}: ${sensorNames[sensor] ?? `sensor index ${sensor}`} is not a finite number (${reading[sensor]})`);
      }
    }
  });
  return normaliseRows(engine, options);
}

/** A set with no windows, of the given window shape. */
export function emptyWindowSet(length: number, features: number): WindowSet {
  return allocateWindowSet(length, features, 0);
}

/** A set of `count` zero windows and empty per-window lists, for the caller to fill in. */
function allocateWindowSet(length: number, features: number, count: number): WindowSet {
  return {
    x: new Float32Array(count * length * features),
    count,
    length,
    features,
    engineIds: [],
    units: [],
    endCycles: [],
    ruls: [],
    earlier: { cycles: LOOK_BACK_CYCLES, steps: Math.min(EARLIER_READING_STEPS, length), values: new Float32Array(count * features) },
  };
}

/** The values of window `index` (length x features), as a view sharing memory with the set. */
export function windowAt(set: WindowSet, index: number): Float32Array {
  if (!Number.isInteger(index) || index < 0 || index >= set.count) {
    throw new DataError(`window index ${index} is out of range 0..${set.count - 1}`);
  }
  const size = set.length * set.features;
  return set.x.subarray(index * size, (index + 1) * size);
}

/** Windows `indices` of `set`, in the given order (copies the values). */
export function subsetWindowSet(set: WindowSet, indices: ArrayLike<number>): WindowSet {
  const out = allocateWindowSet(set.length, set.features, indices.length);
  const size = set.length * set.features;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    out.x.set(windowAt(set, i), k * size);
    out.earlier.values.set(set.earlier.values.subarray(i * set.features, (i + 1) * set.features), k * set.features);
    out.engineIds.push(set.engineIds[i]);
    out.units.push(set.units[i]);
    out.endCycles.push(set.endCycles[i]);
    out.ruls.push(set.ruls[i]);
  }
  return out;
}

/** The windows of all sets, one after the other. All sets must have the same length and features. */
export function concatWindowSets(sets: readonly WindowSet[]): WindowSet {
  if (sets.length === 0) throw new DataError('concatWindowSets needs at least one set (to know the window shape)');
  const { length, features } = sets[0];
  for (const set of sets) {
    if (set.length !== length || set.features !== features) {
      throw new DataError(
        `cannot concatenate windows of ${set.length}x${set.features} with windows of ${length}x${features}`,
      );
    }
  }
  const out = allocateWindowSet(length, features, sets.reduce((total, set) => total + set.count, 0));
  let windows = 0;
  for (const set of sets) {
    out.x.set(set.x.subarray(0, set.count * length * features), windows * length * features);
    out.earlier.values.set(set.earlier.values.subarray(0, set.count * features), windows * features);
    windows += set.count;
    // Element by element: spreading very large arrays into push() can overflow the call stack.
    for (let i = 0; i < set.count; i++) {
      out.engineIds.push(set.engineIds[i]);
      out.units.push(set.units[i]);
      out.endCycles.push(set.endCycles[i]);
      out.ruls.push(set.ruls[i]);
    }
  }
  return out;
}
