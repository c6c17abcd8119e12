// Reading a CSV file row by row: decompression (gzip, told by its magic bytes), decoding and tokenizing
// (./csv-reader.ts), and the validation of each row against the column plan, keeping per asset only what
// the checks need (memory grows with the number of assets, never with the number of rows).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { ColumnPlan } from './import-options';
import { ImportFileError } from './import-errors';
import { ErrorCode } from '../../platform/errors';
import { CsvReader, type CsvRow } from './csv-reader';

/** Longest asset identifier. */
export const MAX_ASSET_ID_LENGTH = 200;
const MAX_CYCLE = 2 ** 31 - 1;

/** The bytes of `source`, gunzipped when they start with gzip's magic bytes (1f 8b). */
export async function* decompressed(source: AsyncIterable<Buffer>, fileName: string): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  async function* all(): AsyncGenerator<Buffer> {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  if (first.value.length < 2 || first.value[0] !== 0x1f || first.value[1] !== 0x8b) {
    yield* all();
    return;
  }
  const gunzip = zlib.createGunzip();
  const feeding = pipeline(Readable.from(all()), gunzip).catch(() => undefined); // errors surface below
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    throw new ImportFileError(fileName, null, null, `the file starts like gzip but does not decompress (${(error as Error).message})`);
  }
  await feeding;
}

/** The records of a CSV byte stream, read a decoded piece at a time. */
export class CsvRecords {
  private readonly reader: CsvReader;
  private readonly decoder = new TextDecoder();
  private readonly pieces: AsyncIterator<Buffer>;
  private ended = false;

  constructor(bytes: AsyncIterable<Buffer>, delimiter: string, fileName: string) {
    this.reader = new CsvReader(delimiter, fileName);
    this.pieces = bytes[Symbol.asyncIterator]();
  }

  /** The first record's values; null when the file holds no record. */
  async header(): Promise<string[] | null> {
    let header = null as string[] | null;
    while (this.reader.read((row) => (header = row.texts()), this.ended, 1) === 0 && !this.ended) await this.more();
    return header;
  }

  /** Hands every further record to onRow; between two pieces, awaits pause() when it returns a promise. */
  async rows(onRow: (row: CsvRow) => void, pause: () => Promise<void> | null): Promise<void> {
    for (;;) {
      this.reader.read(onRow, this.ended);
      if (this.ended) return;
      const paused = pause();
      if (paused) await paused;
      await this.more();
    }
  }

  private async more(): Promise<void> {
    const next = await this.pieces.next();
    if (next.done) {
      this.reader.push(this.decoder.decode());
      this.ended = true;
    } else {
      this.reader.push(this.decoder.decode(next.value, { stream: true }));
    }
  }
}

const ISO_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Milliseconds since the epoch of an ISO 8601 date or date-time (UTC when it names no offset), or NaN. */
export function parseTimestamp(token: string): number {
  const match = ISO_TIMESTAMP.exec(token.trim());
  if (!match) return Number.NaN;
  const [, date, time, zone] = match;
  const offset = zone ? (zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone) : 'Z';
  return Date.parse(`${date}T${time ?? '00:00'}${offset}`);
}

interface AssetState {
  key: number;
  externalId: string;
  firstLine: number;
  rows: number;
  lastCycle: number;
  lastTime: number;
  /** RUL at the asset's last row read (labels=rul). */
  rul: number;
}

/** What the rows said about one asset once the file is read. */
export interface AssetSummary {
  key: number;
  externalId: string;
  firstLine: number;
  rows: number;
  lastCycle: number;
  /** RUL after the last cycle (labels=rul), else null. */
  rulAfterLastCycle: number | null;
}

/** Receives each valid row: values holds the settings then the sensors, in catalogue order. */
export interface RowSink {
  row(line: number, asset: number, cycle: number, recordedAt: number | null, values: Float64Array): void;
}

/**
 * Validates rows one at a time and hands them to a sink. Checks: an asset on every row; cycles that go
 * 1, 2, 3... per asset (windows are runs of consecutive cycles), or, without a cycle column, numbered
 * so from strictly increasing timestamps; finite numbers for every setting and sensor; with labels=rul,
 * a non-negative integer RUL that decreases by one a cycle. Throws ImportFileError at the first problem.
 */
export class RowValidator {
  private readonly assets = new Map<string, AssetState>();
  /** Asset identifiers by key - 1. */
  private readonly assetIds: string[] = [];
  private readonly values: Float64Array;
  private readonly width: number;
  /** The settings' then the sensors' column indexes. */
  private readonly valueColumns: number[];
  /** The previous row's asset: rows mostly come grouped by asset, so its identifier is compared in place. */
  private lastAsset: AssetState | null = null;
  rowsRead = 0;

  constructor(
    private readonly plan: ColumnPlan,
    private readonly fileName: string,
  ) {
    this.width = plan.header.length;
    this.valueColumns = [...plan.settings, ...plan.sensors];
    this.values = new Float64Array(plan.settings.length + plan.sensors.length);
  }

  private fail(line: number, column: number | null, message: string, code: ErrorCode = ErrorCode.DATASET_ERROR): ImportFileError {
    const located = column === null ? message : `${this.plan.header[column]}: ${message}`;
    return new ImportFileError(this.fileName, line, column === null ? null : column + 1, located, code);
  }

  accept(record: CsvRow, sink: RowSink): void {
    const plan = this.plan;
    const line = record.line;
    if (record.length !== this.width) throw this.fail(line, null, `expected ${this.width} values as in the header, found ${record.length}`);
    let state = this.lastAsset;
    if (state === null || !record.is(plan.asset, state.externalId)) {
      const externalId = record.text(plan.asset).trim();
      if (externalId === '') throw this.fail(line, plan.asset, 'the asset is missing');
      if (externalId.length > MAX_ASSET_ID_LENGTH)
        throw this.fail(line, plan.asset, `asset identifiers hold at most ${MAX_ASSET_ID_LENGTH} characters`);
      let found = this.assets.get(externalId);
      if (found === undefined) {
        found = { key: this.assets.size + 1, externalId, firstLine: line, rows: 0, lastCycle: 0, lastTime: -Infinity, rul: -1 };
        this.assets.set(externalId, found);
        this.assetIds.push(externalId);
      }
      state = this.lastAsset = found;
    }
    const externalId = state.externalId;
    const cycle = state.lastCycle + 1;
    if (plan.cycle !== null) {
      let given = record.digits(plan.cycle);
      if (Number.isNaN(given)) {
        const token = record.text(plan.cycle).trim();
        given = /^\d{1,10}$/.test(token) ? Number(token) : Number.NaN;
      }
      if (!(given >= 1 && given <= MAX_CYCLE)) {
        throw this.fail(line, plan.cycle, `the cycle must be a positive integer, found "${record.text(plan.cycle).trim()}"`);
      }
      if (given !== cycle) {
        throw this.fail(
          line,
          plan.cycle,
          given <= state.lastCycle
            ? `asset "${externalId}": cycle ${given} repeats or goes back (after cycle ${state.lastCycle}): cycles must increase`
            : `asset "${externalId}": expected cycle ${cycle}, found ${given}: cycles go 1, 2, 3... without gaps`,
        );
      }
    }
    let recordedAt: number | null = null;
    if (plan.timestamp !== null) {
      const token = record.text(plan.timestamp);
      recordedAt = parseTimestamp(token);
      if (Number.isNaN(recordedAt)) {
        throw this.fail(line, plan.timestamp, `the timestamp must be an ISO 8601 date or date-time, found "${token}"`);
      }
      if (recordedAt <= state.lastTime) throw this.fail(line, plan.timestamp, `asset "${externalId}": timestamps must increase`);
    }
    const columns = this.valueColumns;
    for (let index = 0; index < columns.length; index++) {
      const column = columns[index];
      const value = record.reading(column);
      if (Number.isNaN(value)) {
        const token = record.text(column);
        throw this.fail(line, column, token.trim() === '' ? 'the value is missing' : `"${token.slice(0, 40)}" is not a finite number`);
      }
      // -0 is stored as 0 (as the other write paths do).
      this.values[index] = value === 0 ? 0 : value;
    }
    if (plan.labels === 'rul') {
      const token = record.text(plan.rul!).trim();
      const rul = /^\d{1,9}$/.test(token) ? Number(token) : Number.NaN;
      if (Number.isNaN(rul)) throw this.fail(line, plan.rul, `the RUL must be a non-negative integer, found "${token}"`);
      if (state.rows > 0 && rul !== state.rul - 1) {
        throw this.fail(line, plan.rul, `asset "${externalId}": the RUL must go down by 1 a cycle (${state.rul} then ${rul})`);
      }
      state.rul = rul;
    }
    state.rows++;
    state.lastCycle = cycle;
    if (recordedAt !== null) state.lastTime = recordedAt;
    this.rowsRead++;
    sink.row(line, state.key, cycle, recordedAt, this.values);
  }

  /** The identifiers of the assets keyed `from`..`to`. */
  externalIds(from: number, to: number): string[] {
    return this.assetIds.slice(from - 1, to);
  }

  /** The assets in order of first appearance. */
  summaries(): AssetSummary[] {
    return [...this.assets.values()].map((state) => ({
      key: state.key,
      externalId: state.externalId,
      firstLine: state.firstLine,
      rows: state.rows,
      lastCycle: state.lastCycle,
      rulAfterLastCycle: this.plan.labels === 'rul' ? state.rul : null,
    }));
  }
}
