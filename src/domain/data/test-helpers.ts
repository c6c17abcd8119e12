// Small synthetic engines for the data-pipeline tests.
import { CMAPSS_SENSOR_NAMES, CMAPSS_SETTING_NAMES } from './cmapss';
import type { EngineSeries } from './series';

/**
 * A run-to-failure engine of `cycles` cycles (RUL = cycles - 1 down to 0), with the C-MAPSS catalogue and
 * constant settings. Sensor index s at cycle c
 * (1-based) reads value(s, c); by default 100 * s + c, so every value says where it came from.
 */
export function syntheticEngine(
  unit: number,
  cycles: number,
  value: (sensor: number, cycle: number) => number = (sensor, cycle) => 100 * sensor + cycle,
): EngineSeries {
  const cycleNumbers = Array.from({ length: cycles }, (_, i) => i + 1);
  return {
    engineId: unit,
    unit,
    sensorNames: CMAPSS_SENSOR_NAMES,
    settingNames: CMAPSS_SETTING_NAMES,
    cycles: cycleNumbers,
    settings: cycleNumbers.map(() => [0, 0, 100]),
    readings: cycleNumbers.map((c) => CMAPSS_SENSOR_NAMES.map((_, s) => value(s, c))),
    rul: cycleNumbers.map((c) => cycles - c),
  };
}
