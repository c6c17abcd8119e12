// Engine series: the pipeline's common currency. A C-MAPSS trajectory, or an engine of any data set read
// from the database, becomes one EngineSeries holding its cycles, its operating settings and sensor
// readings per cycle (in its data set's catalogue order, with the catalogue's names) and, when it is
// known, its remaining useful life (RUL) per cycle. Every later step (sensor selection, normalisation,
// windows, splits) works on EngineSeries only, so it never cares where the data came from.

import type { UnitTrajectory } from './cmapss';
import { CMAPSS_SENSOR_NAMES, CMAPSS_SETTING_NAMES } from './cmapss';
import { DataError } from './errors';

export interface EngineSeries {
  /** Database id of the engine, or the unit number when the series stands alone. */
  engineId: number;
  /** Unit number within its data set; null for live engines. */
  unit: number | null;
  /** The data set's sensor names: readings[i][k] is sensor sensorNames[k]. Shared by a data set's series. */
  sensorNames: readonly string[];
  /** The data set's operating-setting names: settings[i][k] is setting settingNames[k]. */
  settingNames: readonly string[];
  /** Increasing cycle numbers. */
  cycles: number[];
  /** settings[i] holds the operating-setting values of cycles[i]. */
  settings: number[][];
  /** readings[i] holds the sensor values of cycles[i], in catalogue order. */
  readings: number[][];
  /** Remaining useful life at each cycle; null when unknown (live engines). */
  rul: number[] | null;
}

export interface SeriesFromTrajectoriesOptions {
  /**
   * For test_FD00x files: the RUL_FD00x values, one per unit in file order, i.e. the cycles each unit
   * still had left after its last recorded cycle. Omit for run-to-failure (train) files, whose last
   * recorded cycle is the failure cycle.
   */
  rulAfterLastCycle?: readonly number[];
}

/**
 * Converts parsed C-MAPSS trajectories to engine series with RUL per cycle:
 * train files run to failure, so RUL(c) = lastCycle - c (0 at the last cycle, as in the reference);
 * test files stop early, so RUL(c) = rulAfterLastCycle + lastCycle - c.
 */
export function seriesFromTrajectories(
  units: readonly UnitTrajectory[],
  options: SeriesFromTrajectoriesOptions = {},
): EngineSeries[] {
  const { rulAfterLastCycle } = options;
  if (rulAfterLastCycle !== undefined && rulAfterLastCycle.length !== units.length) {
    throw new DataError(
      `rulAfterLastCycle has ${rulAfterLastCycle.length} values but there are ${units.length} units: ` +
        'the RUL file must hold exactly one value per unit of the test file',
    );
  }
  return units.map((trajectory, position) => {
    if (trajectory.records.length === 0) {
      throw new DataError(`unit ${trajectory.unit} has no records`);
    }
    const offset = rulAfterLastCycle === undefined ? 0 : rulAfterLastCycle[position];
    if (!Number.isInteger(offset) || offset < 0) {
      throw new DataError(`unit ${trajectory.unit}: RUL after the last cycle must be a non-negative integer, got ${offset}`);
    }
    const cycles = trajectory.records.map((record) => record.cycle);
    const lastCycle = cycles[cycles.length - 1];
    return {
      engineId: trajectory.unit,
      unit: trajectory.unit,
      sensorNames: CMAPSS_SENSOR_NAMES,
      settingNames: CMAPSS_SETTING_NAMES,
      cycles,
      settings: trajectory.records.map((record) => record.settings.slice()),
      readings: trajectory.records.map((record) => record.sensors.slice()),
      rul: cycles.map((cycle) => offset + lastCycle - cycle),
    };
  });
}

/**
 * Checks the invariants the rest of the pipeline relies on: strictly increasing cycles, per cycle one
 * reading of one value per catalogue sensor and one value per setting and, when present, one RUL per
 * cycle. Throws DataError otherwise.
 */
export function assertValidSeries(series: EngineSeries): void {
  const id = describeEngine(series);
  const n = series.cycles.length;
  if (series.readings.length !== n || series.settings.length !== n) {
    throw new DataError(`${id}: ${n} cycles but ${series.readings.length} readings and ${series.settings.length} settings`);
  }
  if (series.rul !== null && series.rul.length !== n) {
    throw new DataError(`${id}: ${n} cycles but ${series.rul.length} RUL values`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(series.cycles[i]) || (i > 0 && series.cycles[i] <= series.cycles[i - 1])) {
      throw new DataError(`${id}: cycles must be finite and strictly increasing (position ${i}: ${series.cycles[i]})`);
    }
    if (series.readings[i].length !== series.sensorNames.length) {
      throw new DataError(
        `${id}, cycle ${series.cycles[i]}: expected ${series.sensorNames.length} sensor values, found ${series.readings[i].length}`,
      );
    }
    if (series.settings[i].length !== series.settingNames.length) {
      throw new DataError(
        `${id}, cycle ${series.cycles[i]}: expected ${series.settingNames.length} setting values, found ${series.settings[i].length}`,
      );
    }
  }
}

/**
 * The sensor names of a group of series (their data set's catalogue); throws DataError when the series
 * do not all share it, since their readings could then not be compared column by column.
 */
export function sensorCatalogue(series: readonly EngineSeries[]): readonly string[] {
  if (series.length === 0) throw new DataError('no engine series to read a sensor catalogue from');
  const catalogue = series[0].sensorNames;
  for (const engine of series) {
    const names = engine.sensorNames;
    if (names !== catalogue && (names.length !== catalogue.length || names.some((name, index) => name !== catalogue[index]))) {
      throw new DataError(`${describeEngine(engine)} has other sensors than ${describeEngine(series[0])}: series of one data set only`);
    }
  }
  return catalogue;
}

/** "engine 7 (unit 7)" or "engine 12": used in error messages. */
export function describeEngine(series: Pick<EngineSeries, 'engineId' | 'unit'>): string {
  return series.unit === null || series.unit === series.engineId
    ? `engine ${series.engineId}`
    : `engine ${series.engineId} (unit ${series.unit})`;
}

/**
 * The readings of the healthy cycles (RUL > healthyRul) of the given engines, in engine then cycle
 * order. The rows are shared with the series, not copied. Every engine must have a known RUL, because
 * "healthy" is defined through it.
 */
export function healthyReadings(series: readonly EngineSeries[], healthyRul: number): number[][] {
  if (!Number.isFinite(healthyRul)) {
    throw new DataError(`healthyRul must be a finite number, got ${healthyRul}`);
  }
  const rows: number[][] = [];
  for (const engine of series) {
    if (engine.rul === null) {
      throw new DataError(`${describeEngine(engine)} has no RUL, so its healthy cycles are unknown`);
    }
    for (let i = 0; i < engine.rul.length; i++) {
      if (engine.rul[i] > healthyRul) rows.push(engine.readings[i]);
    }
  }
  return rows;
}
