import { parseRul, parseTrajectories } from './cmapss';
import { DataError } from './errors';
import { assertValidSeries, healthyReadings, seriesFromTrajectories } from './series';
import { syntheticEngine } from './test-helpers';

/** A C-MAPSS-formatted row: unit, cycle, 3 settings, 21 sensors (sensor k reads k + cycle / 100). */
function row(unit: number, cycle: number): string {
  const sensors = Array.from({ length: 21 }, (_, k) => (k + 1 + cycle / 100).toFixed(2));
  return [unit, cycle, '0.0023', '-0.0003', '100.0', ...sensors].join(' ') + '  ';
}

const file = [row(1, 1), row(1, 2), row(1, 3), row(2, 1), row(2, 2)].join('\n') + '\n';

describe('seriesFromTrajectories', () => {
  it('derives RUL = lastCycle - cycle for run-to-failure (train) files', () => {
    const series = seriesFromTrajectories(parseTrajectories(file, 'train_test.txt'));
    expect(series.map((s) => s.rul)).toEqual([
      [2, 1, 0],
      [1, 0],
    ]);
    expect(series[0]).toMatchObject({ engineId: 1, unit: 1, cycles: [1, 2, 3] });
    // Index 0 is sensor 1; sensor 21 at cycle 3 reads 21.03.
    expect(series[0].readings[2][0]).toBe(1.03);
    expect(series[0].readings[2][20]).toBe(21.03);
  });

  it('adds the RUL file value for test files: RUL = rulAfterLast + lastCycle - cycle', () => {
    const rul = parseRul('112 \n98 \n', 'RUL_test.txt');
    const series = seriesFromTrajectories(parseTrajectories(file, 'test_test.txt'), { rulAfterLastCycle: rul });
    expect(series[0].rul).toEqual([114, 113, 112]);
    expect(series[1].rul).toEqual([99, 98]);
  });

  it('rejects a RUL list that does not have one value per unit, or a negative value', () => {
    const units = parseTrajectories(file, 'test_test.txt');
    expect(() => seriesFromTrajectories(units, { rulAfterLastCycle: [5] })).toThrow(/1 values but there are 2 units/);
    expect(() => seriesFromTrajectories(units, { rulAfterLastCycle: [5, -1] })).toThrow(DataError);
  });

  it('copies the readings rather than sharing the parser records', () => {
    const units = parseTrajectories(file, 'train_test.txt');
    const series = seriesFromTrajectories(units);
    series[0].readings[0][0] = -1;
    expect(units[0].records[0].sensors[0]).toBe(1.01);
  });
});

describe('healthyReadings', () => {
  it('keeps only the rows with RUL strictly above the bound', () => {
    const engine = syntheticEngine(1, 5); // RUL 4, 3, 2, 1, 0
    const rows = healthyReadings([engine], 2);
    expect(rows.map((r) => r[0])).toEqual([1, 2]); // sensor index 0 reads the cycle number
  });

  it('refuses engines without RUL', () => {
    const live = { ...syntheticEngine(1, 3), rul: null };
    expect(() => healthyReadings([live], 2)).toThrow(/has no RUL/);
  });
});

describe('assertValidSeries', () => {
  it('accepts a well-formed series', () => {
    expect(() => assertValidSeries(syntheticEngine(1, 3))).not.toThrow();
  });

  it('rejects cycles that do not increase, readings of the wrong width and mismatched lengths', () => {
    const engine = syntheticEngine(1, 3);
    expect(() => assertValidSeries({ ...engine, cycles: [1, 3, 3] })).toThrow(/strictly increasing/);
    expect(() => assertValidSeries({ ...engine, readings: [engine.readings[0], engine.readings[1], [1, 2]] })).toThrow(
      /expected 21 sensor values, found 2/,
    );
    expect(() => assertValidSeries({ ...engine, rul: [1, 0] })).toThrow(/3 cycles but 2 RUL values/);
    expect(() => assertValidSeries({ ...engine, readings: engine.readings.slice(1) })).toThrow(/3 cycles but 2 readings/);
  });
});
