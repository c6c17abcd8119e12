import { CsvError, parseSensorCsv, scoresCsv } from './sensor-csv';

describe('parseSensorCsv', () => {
  it('reads the required columns by header name and ignores the others', () => {
    const table = parseSensorCsv('unit,sensor2,sensor3\n1,641.82,1589.7\n1,642.15,1591.82\n', ['sensor3', 'sensor2']);
    expect(table.rows).toBe(2);
    expect(table.columns.get('sensor2')).toEqual([641.82, 642.15]);
    expect(table.columns.get('sensor3')).toEqual([1589.7, 1591.82]);
    expect(table.columns.has('unit')).toBe(false);
  });

  it('takes semicolons or tabs, Windows line ends, a byte order mark and a last empty line', () => {
    expect(parseSensorCsv('\uFEFFa;b\r\n1;2\r\n\r\n', ['b']).columns.get('b')).toEqual([2]);
    expect(parseSensorCsv('a\tb\n1\t-2.5e1\n', ['b']).columns.get('b')).toEqual([-25]);
  });

  it('names the line and column of a cell that is not a finite number', () => {
    const text = 'unit,sensor2\n1,641.8\n1,hot\n';
    expect(() => parseSensorCsv(text, ['sensor2'], 'bad.csv')).toThrow(
      new CsvError('bad.csv, line 3, column 2 (sensor2): "hot" is not a finite number'),
    );
    expect(() => parseSensorCsv('s\nInfinity\n', ['s'])).toThrow('line 2, column 1 (s): "Infinity" is not a finite number');
    expect(() => parseSensorCsv('s\n\n1\n', ['s'])).toThrow(new CsvError('the file, line 2, column 1 (s): "" is not a finite number'));
  });

  it('refuses a missing column, a short row and an empty file', () => {
    expect(() => parseSensorCsv('sensor2\n1\n', ['sensor2', 'sensor3'], 'f.csv')).toThrow(
      'f.csv, line 1: no column "sensor3" (the version reads sensor2, sensor3)',
    );
    expect(() => parseSensorCsv('a,b\n1,2\n3\n', ['a'], 'f.csv')).toThrow('f.csv, line 3: 1 cells where the header has 2');
    expect(() => parseSensorCsv('\n', ['a'], 'f.csv')).toThrow('f.csv is empty');
  });
});

describe('scoresCsv', () => {
  it('writes one row per window under a header', () => {
    expect(scoresCsv([{ endCycle: 30, score: 1.5, threshold: 2, isAnomaly: false }])).toBe(
      'end_cycle,score,threshold,flagged\n30,1.5,2,false\n',
    );
  });
});
