// Reads a CSV of sensor columns as the Score-a-file page takes it: a header row naming the columns, then
// one row per cycle, every cell a finite decimal number. Columns the version does not read are ignored;
// a missing column or a bad cell is reported with its line (the header is line 1) and column (from 1),
// before anything is sent.
export interface SensorTable {
  /** Column name -> one value per row. */
  columns: Map<string, number[]>;
  rows: number;
}

export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseSensorCsv(text: string, required: readonly string[], fileName = 'the file'): SensorTable {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  if (!lines.length) throw new CsvError(`${fileName} is empty: it needs a header row naming the sensor columns`);
  const delimiter =
    lines[0].includes(';') && !lines[0].includes(',') ? ';' : lines[0].includes('\t') && !lines[0].includes(',') ? '\t' : ',';
  const header = lines[0].split(delimiter).map((name) => name.trim());
  const indexes = new Map<string, number>();
  for (const name of required) {
    const index = header.indexOf(name);
    if (index < 0) throw new CsvError(`${fileName}, line 1: no column "${name}" (the version reads ${required.join(', ')})`);
    indexes.set(name, index);
  }
  const columns = new Map<string, number[]>(required.map((name) => [name, []]));
  for (let lineIndex = 1; lineIndex < lines.length; lineIndex++) {
    const line = lineIndex + 1;
    const cells = lines[lineIndex].split(delimiter);
    if (cells.length !== header.length)
      throw new CsvError(`${fileName}, line ${line}: ${cells.length} cells where the header has ${header.length}`);
    for (const [name, index] of indexes) {
      const cell = cells[index].trim();
      if (!NUMBER.test(cell))
        throw new CsvError(`${fileName}, line ${line}, column ${index + 1} (${name}): "${cell}" is not a finite number`);
      columns.get(name)!.push(Number(cell));
    }
  }
  return { columns, rows: lines.length - 1 };
}

/** The scores as a CSV file: one row per window. */
export function scoresCsv(scores: { endCycle: number; score: number; threshold: number; isAnomaly: boolean }[]): string {
  return (
    ['end_cycle,score,threshold,flagged', ...scores.map((row) => `${row.endCycle},${row.score},${row.threshold},${row.isAnomaly}`)].join(
      '\n',
    ) + '\n'
  );
}
