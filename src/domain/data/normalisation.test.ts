import { DataError } from './errors';
import { assertNormalisation, fitNormalisation } from './normalisation';
import { syntheticEngine } from './test-helpers';

describe('fitNormalisation', () => {
  it('uses the healthy rows only, with the population std', () => {
    // Engine of 4 cycles, RUL 3, 2, 1, 0; healthy (RUL > 1): cycles 1 and 2.
    // Sensor index 0 reads 1, 3 on the healthy cycles and 1000 after: mean 2, population std 1.
    const engine = syntheticEngine(1, 4, (sensor, cycle) => (sensor === 0 ? [1, 3, 1000, 1000][cycle - 1] : cycle * sensor));
    const normalisation = fitNormalisation([engine], [0, 2], { healthyRul: 1 });
    expect(normalisation.mean).toEqual([2, 3]); // index 2 reads 2, 4 -> mean 3
    expect(normalisation.std).toEqual([1, 1]);
  });

  it('pools the healthy rows of all engines (not an average of per-engine statistics)', () => {
    const a = syntheticEngine(1, 3, () => 0); // healthy (RUL > 0): 2 rows of 0
    const b = syntheticEngine(2, 2, () => 6); // healthy: 1 row of 6
    const { mean, std } = fitNormalisation([a, b], [5], { healthyRul: 0 });
    expect(mean[0]).toBe(2); // (0 + 0 + 6) / 3
    expect(std[0]).toBeCloseTo(Math.sqrt(8), 12); // ((4 + 4 + 16) / 3)
  });

  it('keeps the order of the sensor selection', () => {
    const engine = syntheticEngine(1, 3);
    expect(fitNormalisation([engine], [4, 1], { healthyRul: 0 }).mean).toEqual([401.5, 101.5]);
  });

  it('sets std = 1 for a sensor that is constant over the healthy rows', () => {
    const engine = syntheticEngine(1, 5, (sensor, cycle) => (sensor === 0 ? 518.67 : cycle));
    const { mean, std } = fitNormalisation([engine], [0, 1], { healthyRul: 0 });
    expect(mean[0]).toBeCloseTo(518.67, 10);
    expect(std).toEqual([1, Math.sqrt(1.25)]); // cycles 1-4: population variance 1.25
  });

  it('fails without healthy rows, with an invalid selection or with a live engine', () => {
    const engine = syntheticEngine(1, 3);
    expect(() => fitNormalisation([engine], [0], { healthyRul: 5 })).toThrow(/no healthy rows/);
    expect(() => fitNormalisation([engine], [], { healthyRul: 0 })).toThrow(DataError);
    expect(() => fitNormalisation([engine], [21], { healthyRul: 0 })).toThrow(/out of range/);
    expect(() => fitNormalisation([{ ...engine, rul: null }], [0], { healthyRul: 0 })).toThrow(/no RUL/);
  });
});

describe('assertNormalisation', () => {
  it('rejects a size mismatch and unusable stds', () => {
    expect(() => assertNormalisation({ mean: [0], std: [1] }, 2)).toThrow(/1 means and 1 stds but there are 2 sensors/);
    expect(() => assertNormalisation({ mean: [0], std: [0] }, 1)).toThrow(DataError);
    expect(() => assertNormalisation({ mean: [NaN], std: [1] }, 1)).toThrow(DataError);
    expect(() => assertNormalisation({ mean: [0], std: [2] }, 1)).not.toThrow();
  });
});
