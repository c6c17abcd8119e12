// Engine series: the pipeline's common currency. A C-MAPSS trajectory, or a live engine read from the
// database, becomes one EngineSeries holding its cycles, its 21 sensor readings per cycle and, when it is
// known, its remaining useful life (RUL) per cycle. Every later step (sensor selection, normalisation,
// windows, splits) works on EngineSeries only, so it never cares where the data came from.

import type { UnitTrajectory } from './cmapss';
import { SENSOR_COUNT } from './cmapss';
import { DataError } from './errors';

export interface EngineSeries {
  /** Database id of the engine, or the unit number when the series stands alone. */
  engineId: number;
  /** C-MAPSS unit number; null for live engines. */
  unit: number | null;
  /** Increasing cycle numbers. */
  cycles: number[];
  /** readings[i] holds the 21 sensor values of cycles[i]; index 0 is sensor 1. */
  readings: number[][];
  /** settings[i] holds the operational settings of cycles[i]; absent when not loaded. */
  settings?: number[][];
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
      cycles,
      readings: trajectory.records.map((record) => record.sensors.slice()),
      settings: trajectory.records.map((record) => record.settings.slice()),
      rul: cycles.map((cycle) => offset + lastCycle - cycle),
    };
  });
}

/**
 * Checks the invariants the rest of the pipeline relies on: strictly increasing cycles, one reading of
 * SENSOR_COUNT values per cycle and, when present, one RUL per cycle. Throws DataError otherwise.
 */
export function assertValidSeries(series: EngineSeries): void {
  const id = describeEngine(series);
  const n = series.cycles.length;
  if (series.readings.length !== n) {
    throw new DataError(`${id}: ${n} cycles but ${series.readings.length} readings`);
  }
  if (series.rul !== null && series.rul.length !== n) {
    throw new DataError(`${id}: ${n} cycles but ${series.rul.length} RUL values`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(series.cycles[i]) || (i > 0 && series.cycles[i] <= series.cycles[i - 1])) {
      throw new DataError(`${id}: cycles must be finite and strictly increasing (position ${i}: ${series.cycles[i]})`);
    }
    if (series.readings[i].length !== SENSOR_COUNT) {
      throw new DataError(
        `${id}, cycle ${series.cycles[i]}: expected ${SENSOR_COUNT} sensor values, found ${series.readings[i].length}`,
      );
    }
  }
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
