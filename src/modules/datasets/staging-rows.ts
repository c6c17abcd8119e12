// The rows of an import are first staged in a temporary table, import_rows, inside the import's
// transaction; they reach `cycles` only once the whole file is valid and agrees with the stored data.
// PostgreSQL receives them through COPY in binary format (no number is printed or parsed as text, and
// the server reads arrays at a fraction of the cost of their text form); PGlite, which cannot COPY from a
// stream, through batched INSERT ... SELECT FROM unnest.
import { Readable } from 'node:stream';
import type { Session } from '../../platform/db/database';
import { floatArrayLiteral } from '../engines/cycle-rows';
import type { RowSink } from './csv-rows';
import { SerialWrites } from './serial-writes';

export const STAGING_TABLE_SQL = `CREATE TEMPORARY TABLE import_rows (
  line int4 NOT NULL, asset int4 NOT NULL, cycle int4 NOT NULL, recorded_at timestamptz(3),
  settings float8[] NOT NULL, sensors float8[] NOT NULL) ON COMMIT DROP`;

/**
 * Where rows go: stage(produce) runs produce(), which reads the file and hands its rows to row(), and
 * resolves with the rows staged. The producer awaits room() when it is not null, so that a slower
 * database holds the reading back instead of letting rows pile up in memory.
 */
export interface Stager extends RowSink {
  stage(produce: () => Promise<void>): Promise<number>;
  room(): Promise<void> | null;
}

// COPY's binary format: a signature, flags and header-extension length, then per row its field count
// and each field's length and bytes (big-endian), then -1.
export const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FLOAT8_OID = 701;
export const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const CHUNK_BYTES = 1 << 18;

/** Encodes rows for COPY import_rows FROM STDIN (FORMAT binary) and streams them to the session. */
class CopyStager implements Stager {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private offset = 0;
  private readonly output = new Readable({
    read: () => {
      const resume = this.resume;
      this.resume = null;
      this.waiting = null;
      resume?.();
    },
  });
  private resume: (() => void) | null = null;
  private waiting: Promise<void> | null = null;
  /** Set when the database refused the COPY: the producer stops at its next room(). */
  private failure: Error | null = null;
  private rows = 0;

  constructor(
    private readonly session: Session,
    private readonly settingCount: number,
  ) {}

  async stage(produce: () => Promise<void>): Promise<number> {
    this.ensure(SIGNATURE.length + 8);
    SIGNATURE.copy(this.buffer, 0);
    this.buffer.writeInt32BE(0, SIGNATURE.length); // flags
    this.buffer.writeInt32BE(0, SIGNATURE.length + 4); // header extension
    this.offset = SIGNATURE.length + 8;
    const copying = this.session.copyFrom!('COPY import_rows FROM STDIN (FORMAT binary)', this.output);
    copying.catch((error: Error) => {
      this.failure = error;
      this.resume?.();
    });
    try {
      await produce();
      this.ensure(2);
      this.buffer.writeInt16BE(-1, this.offset);
      this.offset += 2;
      this.flush(true);
      this.output.push(null);
    } catch (error) {
      this.output.destroy(error as Error);
      await copying.catch(() => undefined);
      throw error;
    }
    await copying;
    return this.rows;
  }

  row(line: number, asset: number, cycle: number, recordedAt: number | null, values: Float64Array): void {
    const settings = this.settingCount;
    const sensors = values.length - settings;
    this.ensure(2 + 3 * 8 + 12 + 2 * (4 + 20) + values.length * 12);
    const buffer = this.buffer;
    let at = this.offset;
    buffer.writeInt16BE(6, at);
    at += 2;
    for (const integer of [line, asset, cycle]) {
      buffer.writeInt32BE(4, at);
      buffer.writeInt32BE(integer, at + 4);
      at += 8;
    }
    if (recordedAt === null) {
      buffer.writeInt32BE(-1, at);
      at += 4;
    } else {
      buffer.writeInt32BE(8, at);
      buffer.writeBigInt64BE(BigInt(recordedAt - POSTGRES_EPOCH_MS) * 1000n, at + 4);
      at += 12;
    }
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
    at = writeFloatArray(view, at, values, 0, settings);
    at = writeFloatArray(view, at, values, settings, settings + sensors);
    this.offset = at;
    this.rows++;
    if (this.offset >= CHUNK_BYTES / 2) this.flush(false);
  }

  room(): Promise<void> | null {
    if (this.failure) return Promise.reject(this.failure);
    return this.waiting;
  }

  /** Room for `bytes` more bytes in the current chunk. */
  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    this.flush(true);
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
  }

  private flush(force: boolean): void {
    if (this.offset === 0 || (!force && this.offset < CHUNK_BYTES / 2)) return;
    const full = !this.output.push(Buffer.from(this.buffer.subarray(0, this.offset)));
    this.offset = 0;
    if (full && this.waiting === null) this.waiting = new Promise<void>((resolve) => (this.resume = resolve));
  }
}

/** Writes values[from, to) as a binary float8[] field at `start` of `view` (DataView: big-endian, and inlined, unlike Buffer's methods). */
export function writeFloatArray(view: DataView, start: number, values: Float64Array, from: number, to: number): number {
  const count = to - from;
  let at = start;
  view.setInt32(at, count === 0 ? 12 : 20 + count * 12);
  view.setInt32(at + 4, count === 0 ? 0 : 1); // dimensions
  view.setInt32(at + 8, 0); // no nulls
  view.setInt32(at + 12, FLOAT8_OID);
  at += 16;
  if (count === 0) return at;
  view.setInt32(at, count);
  view.setInt32(at + 4, 1); // lower bound
  at += 8;
  for (let index = from; index < to; index++) {
    view.setInt32(at, 8);
    view.setFloat64(at + 4, values[index]);
    at += 12;
  }
  return at;
}

const INSERT_BATCH_ROWS = 5_000;

/** Stages rows by batches of INSERT ... SELECT FROM unnest (PGlite). */
class InsertStager implements Stager {
  private batch: { lines: number[]; assets: number[]; cycles: number[]; times: (string | null)[]; settings: string[]; sensors: string[] } =
    InsertStager.empty();
  private readonly writes = new SerialWrites();
  private rows = 0;

  constructor(
    private readonly session: Session,
    private readonly settingCount: number,
  ) {}

  private static empty() {
    return { lines: [], assets: [], cycles: [], times: [], settings: [], sensors: [] };
  }

  async stage(produce: () => Promise<void>): Promise<number> {
    await this.writes.drain(produce, () => this.flush());
    return this.rows;
  }

  room(): Promise<void> | null {
    return this.writes.room();
  }

  row(line: number, asset: number, cycle: number, recordedAt: number | null, values: Float64Array): void {
    const batch = this.batch;
    batch.lines.push(line);
    batch.assets.push(asset);
    batch.cycles.push(cycle);
    batch.times.push(recordedAt === null ? null : new Date(recordedAt).toISOString());
    batch.settings.push(floatArrayLiteral(values.subarray(0, this.settingCount)));
    batch.sensors.push(floatArrayLiteral(values.subarray(this.settingCount)));
    this.rows++;
    if (batch.lines.length >= INSERT_BATCH_ROWS) this.flush();
  }

  private flush(): void {
    const batch = this.batch;
    if (batch.lines.length === 0) return;
    this.batch = InsertStager.empty();
    this.writes.enqueue(() =>
      this.session.query(
        `INSERT INTO import_rows SELECT l, a, c, t::timestamptz, s::float8[], r::float8[]
           FROM unnest($1::int4[], $2::int4[], $3::int4[], $4::text[], $5::text[], $6::text[]) AS u(l, a, c, t, s, r)`,
        [batch.lines, batch.assets, batch.cycles, batch.times, batch.settings, batch.sensors],
      ),
    );
  }
}

/** The stager for the session's database: COPY where it can, INSERTs otherwise. */
export function createStager(session: Session, settingCount: number): Stager {
  return session.copyFrom ? new CopyStager(session, settingCount) : new InsertStager(session, settingCount);
}
