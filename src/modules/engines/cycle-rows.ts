// Bulk insertion of cycles. One INSERT ... SELECT FROM unnest(array per column) per chunk is far faster
// than row-by-row or createMany on both PostgreSQL and PGlite, and works the same on both. (Imports of
// large files into PostgreSQL use COPY instead: see ../datasets/cycle-copy.ts.)
import type { Prisma } from '@prisma/client';
import { exactFloat } from '../../platform/db/exact-floats';

export interface CycleInsert {
  engineId: number;
  cycle: number;
  recordedAt?: Date | null;
  /** Operating settings and sensor readings, each in its data set's catalogue order. */
  settings: ArrayLike<number>;
  sensors: ArrayLike<number>;
}

/** A float8[] literal of exact values (see ../../platform/db/exact-floats.ts), to cast with ::float8[]. */
export function floatArrayLiteral(values: ArrayLike<number>): string {
  return `{${Array.from(values, exactFloat).join(',')}}`;
}

// Readings are sent as array literals of exact decimal text, so that no digit is lost on the way.
const INSERT_SQL = `INSERT INTO cycles (engine_id, cycle, recorded_at, settings, sensors)
  SELECT e, c, t::timestamptz, s::float8[], r::float8[] FROM unnest($1::int4[], $2::int4[], $3::text[], $4::text[], $5::text[]) AS u(e, c, t, s, r)`;

const CHUNK_ROWS = 10_000;

export async function insertCycles(tx: Prisma.TransactionClient, rows: readonly CycleInsert[]): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const chunk = rows.slice(start, start + CHUNK_ROWS);
    inserted += await tx.$executeRawUnsafe(
      INSERT_SQL,
      chunk.map((row) => row.engineId),
      chunk.map((row) => row.cycle),
      chunk.map((row) => row.recordedAt?.toISOString() ?? null),
      chunk.map((row) => floatArrayLiteral(row.settings)),
      chunk.map((row) => floatArrayLiteral(row.sensors)),
    );
  }
  return inserted;
}
