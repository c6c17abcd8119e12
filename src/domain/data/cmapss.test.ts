import { CmapssParseError, parseRul, parseTrajectories } from './cmapss';
import { readSubsetFiles } from '../../modules/datasets/cmapss-files';
import { SHIPPED_DATASET_DIR } from '../../platform/repository';

const row = (unit: number, cycle: number, sensor1 = 518.67) =>
  `${unit} ${cycle} -0.0007 -0.0004 100.0 ${sensor1} 641.82 1589.70 1400.60 14.62 21.61 554.36 2388.06 9046.19 1.30 47.47 521.66 2388.02 8138.62 8.4195 0.03 392 2388 100.00 39.06 23.4190  `;

function parseError(text: string): CmapssParseError {
  try {
    parseTrajectories(text, 'train_FD001.txt');
  } catch (error) {
    if (error instanceof CmapssParseError) return error;
    throw error;
  }
  throw new Error('expected a parse error');
}

describe('parseTrajectories', () => {
  it('reads units, cycles, settings and sensors, ignoring trailing spaces and blank lines', () => {
    const units = parseTrajectories([row(1, 1), row(1, 2, 518.5), row(2, 1), ''].join('\n'), 'train_FD001.txt');
    expect(units.map((unit) => [unit.unit, unit.records.length])).toEqual([
      [1, 2],
      [2, 1],
    ]);
    const second = units[0].records[1];
    expect(second.cycle).toBe(2);
    expect(second.settings).toEqual([-0.0007, -0.0004, 100]);
    expect(second.sensors).toHaveLength(21);
    expect(second.sensors[0]).toBe(518.5);
    expect(second.sensors[20]).toBe(23.419);
  });

  it('names file and line of a row with a missing field', () => {
    const error = parseError([row(1, 1), row(1, 2).replace(' 23.4190', '')].join('\n'));
    expect(error.file).toBe('train_FD001.txt');
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/train_FD001\.txt, line 2: expected 26 numbers, found 25/);
  });

  it('rejects a non-numeric field, naming it', () => {
    const error = parseError([row(1, 1), row(1, 2).replace('641.82', '641,82')].join('\n'));
    expect(error.line).toBe(2);
    expect(error.reason).toMatch(/field 7 is not a finite number: "641,82"/);
  });

  it.each(['NaN', 'Infinity', '0x1A', '1e999'])('rejects %s as a value', (token) => {
    expect(parseError(row(1, 1).replace('641.82', token)).reason).toMatch(/field 7/);
  });

  it('rejects a gap in the cycles of a unit', () => {
    expect(parseError([row(1, 1), row(1, 3)].join('\n')).reason).toMatch(/expected cycle 2, found 3/);
  });

  it('rejects units out of order', () => {
    const error = parseError([row(2, 1), row(1, 1)].join('\n'));
    expect(error.line).toBe(2);
    expect(error.reason).toMatch(/units must increase/);
  });

  it('rejects a fractional unit number', () => {
    expect(parseError(row(1, 1).replace(/^1 /, '1.5 ')).reason).toMatch(/unit must be an integer from 1 to 2147483647, found 1.5/);
  });

  it('rejects unit numbers the database cannot store (above 2^31 - 1)', () => {
    expect(parseTrajectories(row(2147483647, 1), 'train_FD001.txt')[0].unit).toBe(2147483647);
    expect(parseError(row(2147483648, 1)).reason).toMatch(/unit must be an integer from 1 to 2147483647, found 2147483648/);
  });
});

describe('parseRul', () => {
  it('reads one integer a line', () => {
    expect(parseRul('112 \n98 \n\n69 \n', 'RUL_FD001.txt')).toEqual([112, 98, 69]);
  });

  it.each(['-1', '3.5', 'abc', '1 2', '2147483648'])('rejects "%s" with file and line', (bad) => {
    expect(() => parseRul(`112\n${bad}\n`, 'RUL_FD001.txt')).toThrow(/RUL_FD001\.txt, line 2/);
  });
});

describe('the shipped FD001 files', () => {
  it('hold 100 train units (20,631 rows), 100 test units (13,096 rows) and 100 RUL values', () => {
    const files = readSubsetFiles(SHIPPED_DATASET_DIR, 'FD001');
    const rows = (units: typeof files.train) => units.reduce((sum, unit) => sum + unit.records.length, 0);
    expect(files.train).toHaveLength(100);
    expect(files.test).toHaveLength(100);
    expect(rows(files.train)).toBe(20631);
    expect(rows(files.test)).toBe(13096);
    expect(files.testRul).toHaveLength(100);
    expect(files.train[0].records).toHaveLength(192);
    expect(files.testRul[0]).toBe(112);
  });
});
