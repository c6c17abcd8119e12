import { CMAPSS_SENSOR_NAMES } from './cmapss';
import { DataError } from './errors';
import {
  UnknownSensorError,
  assertSensorSelection,
  describeSensorVariability,
  inferResolution,
  selectInformativeSensors,
  sensorIndex,
  sensorIndices,
  sensorName,
  sensorNames,
} from './sensors';
import { syntheticEngine } from './test-helpers';

describe('sensor names and indices', () => {
  const catalogue = ['temperature', 'vibration', 'pressure'];

  it('converts names to indices in a catalogue and back', () => {
    expect(sensorIndex(CMAPSS_SENSOR_NAMES, 'sensor1')).toBe(0);
    expect(sensorIndex(CMAPSS_SENSOR_NAMES, 'sensor21')).toBe(20);
    expect(sensorIndices(CMAPSS_SENSOR_NAMES, ['sensor2', 'sensor15'])).toEqual([1, 14]);
    expect(sensorName(CMAPSS_SENSOR_NAMES, 14)).toBe('sensor15');
    expect(sensorNames(catalogue, [2, 0])).toEqual(['pressure', 'temperature']);
    expect(sensorIndices(catalogue, ['vibration'])).toEqual([1]);
  });

  it('throws UnknownSensorError naming the catalogue for unknown names and indices', () => {
    expect(() => sensorIndex(CMAPSS_SENSOR_NAMES, 'sensor22')).toThrow(UnknownSensorError);
    expect(() => sensorIndex(catalogue, 'Pressure')).toThrow(
      'unknown sensor name "Pressure": expected one of temperature, vibration, pressure',
    );
    expect(() => sensorName(CMAPSS_SENSOR_NAMES, 21)).toThrow(/sensor index 21 is out of range: expected an integer from 0 to 20/);
    expect(() => sensorName(catalogue, 1.5)).toThrow(UnknownSensorError);
    const long = Array.from({ length: 40 }, (_, index) => `s${index}`);
    expect(() => sensorIndex(long, 'x')).toThrow(/s29, \.\.\. \(40 sensors\)$/);
  });

  it('validates a selection: non-empty, non-negative integers, no repeats', () => {
    expect(() => assertSensorSelection([])).toThrow(/empty/);
    expect(() => assertSensorSelection([1, 1])).toThrow(/repeats/);
    expect(() => assertSensorSelection([-1])).toThrow(/not a non-negative integer/);
    expect(() => assertSensorSelection([1, 2])).not.toThrow();
  });
});

describe('inferResolution', () => {
  it('finds the decimal step the values are written with', () => {
    expect(inferResolution([641.82, 1589.7, 1400.6])).toBe(0.01);
    expect(inferResolution([8.4318, 8.43])).toBe(0.0001);
    expect(inferResolution([392, 2388])).toBe(1);
    expect(inferResolution([0.07 * 3])).toBe(0.01); // 0.21000000000000002 is still "0.21"
    expect(inferResolution([Math.PI], 4)).toBe(0.0001); // capped
  });
});

describe('selectInformativeSensors', () => {
  // Sensor index 0: constant. 1: flickers 50/50 between two adjacent recorded values (std = exactly
  // half a step). 2: three levels, std ~0.80 steps. 3: constant while healthy, varies once degraded.
  // Others: 100 * s + cycle, i.e. varying by many steps.
  const value = (sensor: number, cycle: number): number => {
    switch (sensor) {
      case 0:
        return 518.67;
      case 1:
        // 0.03 / 0.04 50/50: the computed std is 0.5000000000000001 steps, which must still count as 0.5.
        return cycle % 2 === 0 ? 0.04 : 0.03;
      case 2:
        return [47.1, 47.2, 47.3][cycle % 3];
      case 3:
        return cycle <= 8 ? 1.3 : 1.3 + cycle;
      default:
        return 100 * sensor + cycle;
    }
  };
  const engines = [syntheticEngine(1, 12, value), syntheticEngine(2, 10, value)]; // healthy: RUL > 3

  it('drops constant sensors, two-level flicker and sensors that only vary once degraded', () => {
    const selected = selectInformativeSensors(engines, { healthyRul: 3 });
    expect(selected).toEqual([2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('reports std in recording steps', () => {
    const stats = describeSensorVariability(engines, { healthyRul: 3 });
    expect(stats[0]).toMatchObject({ name: 'sensor1', resolution: 0.01, informative: false });
    expect(stats[0].std).toBeLessThan(1e-9);
    expect(stats[1].resolution).toBe(0.01);
    expect(stats[1].stdInSteps).toBeCloseTo(0.5, 9);
    expect(stats[2].resolution).toBeCloseTo(0.1, 15);
    // 14 healthy rows (cycles 1-8 of engine 1, 1-6 of engine 2) at levels 0/1/2 steps 4/5/5 times:
    // mean 15/14, variance 25/14 - (15/14)^2 = 125/196.
    expect(stats[2].stdInSteps).toBeCloseTo(Math.sqrt(125) / 14, 9);
    expect(stats[2].informative).toBe(true);
    expect(stats[3].informative).toBe(false);
  });

  it('honours minStdSteps and explicit resolutions', () => {
    // With a cut of 1 step the three-level sensor (about 0.8 steps) goes too.
    expect(selectInformativeSensors(engines, { healthyRul: 3, minStdSteps: 1 })).not.toContain(2);
    // Declaring sensor index 1 as recorded in steps of 0.001 makes its 0.005 std 5 steps.
    const resolutions = Array.from({ length: 21 }, (_, s) => (s === 1 ? 0.001 : 0.01));
    expect(selectInformativeSensors(engines, { healthyRul: 3, resolutions })).toContain(1);
  });

  it('fails clearly without healthy rows or with bad options', () => {
    expect(() => selectInformativeSensors(engines, { healthyRul: 50 })).toThrow(/no healthy rows/);
    expect(() => selectInformativeSensors(engines, { healthyRul: 3, minStdSteps: -1 })).toThrow(DataError);
    expect(() => selectInformativeSensors(engines, { healthyRul: 3, resolutions: [0.01] })).toThrow(/21 positive numbers/);
  });
});
