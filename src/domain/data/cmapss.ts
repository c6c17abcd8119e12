// Parsing of the NASA C-MAPSS text files. Pure functions: text in, validated records out.

export const SETTING_COUNT = 3;
export const SENSOR_COUNT = 21;
/** unit, cycle, 3 operational settings, 21 sensors. */
export const FIELDS_PER_ROW = 2 + SETTING_COUNT + SENSOR_COUNT;

/** The C-MAPSS catalogue: NASA's readme numbers the columns; these names are what versions store. */
export const CMAPSS_SETTING_NAMES: readonly string[] = Array.from({ length: SETTING_COUNT }, (_, index) => `setting${index + 1}`);
export const CMAPSS_SENSOR_NAMES: readonly string[] = Array.from({ length: SENSOR_COUNT }, (_, index) => `sensor${index + 1}`);

export const SUBSETS = ['FD001', 'FD002', 'FD003', 'FD004'] as const;
export type Subset = (typeof SUBSETS)[number];

/** Largest unit, cycle or RUL the database stores (a 32-bit integer column). */
export const MAX_STORED_INTEGER = 2_147_483_647;

export function isSubset(value: string): value is Subset {
  return (SUBSETS as readonly string[]).includes(value);
}

/** One row of a train_/test_ file: one engine at one operating cycle. */
export interface CycleRecord {
  unit: number;
  cycle: number;
  /** Operational settings 1-3. */
  settings: number[];
  /** Sensor measurements 1-21: index 0 holds sensor 1. */
  sensors: number[];
}

/** An engine's trajectory as read from one file, cycles in increasing order. */
export interface UnitTrajectory {
  unit: number;
  records: CycleRecord[];
}

export class CmapssParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}, line ${line}: ${reason}`);
    this.name = 'CmapssParseError';
  }
}

function parseNumber(token: string): number {
  // Number('') is 0 and Number('0x1A') is 26: accept only plain decimal notation.
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token) ? Number(token) : Number.NaN;
}

/**
 * Parses a train_FD00x.txt or test_FD00x.txt file. Every row must hold 26 finite numbers; units must
 * appear in increasing order and, within a unit, cycles must start at 1 and increase by 1, because
 * remaining useful life is derived from cycle positions.
 */
export function parseTrajectories(text: string, file: string): UnitTrajectory[] {
  const units: UnitTrajectory[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '') continue;
    const lineNumber = index + 1;
    const tokens = line.split(/\s+/);
    if (tokens.length !== FIELDS_PER_ROW) {
      throw new CmapssParseError(file, lineNumber, `expected ${FIELDS_PER_ROW} numbers, found ${tokens.length}`);
    }
    const values = tokens.map(parseNumber);
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) {
      throw new CmapssParseError(file, lineNumber, `field ${bad + 1} is not a finite number: "${tokens[bad]}"`);
    }
    const [unit, cycle] = values;
    if (!Number.isInteger(unit) || unit < 1 || unit > MAX_STORED_INTEGER) {
      throw new CmapssParseError(file, lineNumber, `unit must be an integer from 1 to ${MAX_STORED_INTEGER}, found ${tokens[0]}`);
    }
    if (!Number.isInteger(cycle) || cycle < 1 || cycle > MAX_STORED_INTEGER) {
      throw new CmapssParseError(file, lineNumber, `cycle must be an integer from 1 to ${MAX_STORED_INTEGER}, found ${tokens[1]}`);
    }
    let current = units[units.length - 1];
    if (!current || current.unit !== unit) {
      if (current && unit <= current.unit) {
        throw new CmapssParseError(file, lineNumber, `unit ${unit} follows unit ${current.unit}: units must increase`);
      }
      current = { unit, records: [] };
      units.push(current);
    }
    const expectedCycle = current.records.length + 1;
    if (cycle !== expectedCycle) {
      throw new CmapssParseError(file, lineNumber, `unit ${unit}: expected cycle ${expectedCycle}, found ${cycle}`);
    }
    current.records.push({
      unit,
      cycle,
      settings: values.slice(2, 2 + SETTING_COUNT),
      sensors: values.slice(2 + SETTING_COUNT),
    });
  }
  return units;
}

/** Parses RUL_FD00x.txt: one non-negative integer a line, the true RUL of each test unit in unit order. */
export function parseRul(text: string, file: string): number[] {
  const values: number[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '') continue;
    const value = parseNumber(line);
    if (!Number.isInteger(value) || value < 0 || value > MAX_STORED_INTEGER) {
      throw new CmapssParseError(file, index + 1, `expected one integer from 0 to ${MAX_STORED_INTEGER}, found "${line}"`);
    }
    values.push(value);
  }
  return values;
}
