// Bulk insertion of cycles. One INSERT ... SELECT FROM unnest(array per column) per chunk is far faster
// than row-by-row or createMany on both PostgreSQL and PGlite, and works the same on both.
import type { Prisma } from '@prisma/client';
import { SENSOR_COUNT, SETTING_COUNT } from '../../domain/data/cmapss';
import { exactFloat } from '../../platform/db/exact-floats';

export interface CycleInsert {
  engineId: number;
  cycle: number;
  settings: ArrayLike<number>;
  sensors: ArrayLike<number>;
}

const SETTING_COLUMNS = Array.from({ length: SETTING_COUNT }, (_, index) => `setting_${index + 1}`);
const SENSOR_COLUMNS = Array.from({ length: SENSOR_COUNT }, (_, index) => `sensor_${index + 1}`);
const COLUMNS = ['engine_id', 'cycle', ...SETTING_COLUMNS, ...SENSOR_COLUMNS];
// Readings are sent as text so that no digit is lost on the way (see ../../platform/db/exact-floats.ts).
const CASTS = COLUMNS.map((_, index) => `$${index + 1}::${index < 2 ? 'int4[]' : 'text[]::float8[]'}`);

const CHUNK_ROWS = 10_000;

/** Inserts cycles; with `skipExisting`, rows whose (engine, cycle) already exists are left untouched. */
export async function insertCycles(
  tx: Prisma.TransactionClient,
  rows: readonly CycleInsert[],
  options: { skipExisting?: boolean } = {},
): Promise<number> {
  const conflict = options.skipExisting ? ' ON CONFLICT (engine_id, cycle) DO NOTHING' : '';
  const sql = `INSERT INTO cycles (${COLUMNS.join(', ')}) SELECT * FROM unnest(${CASTS.join(', ')})${conflict}`;
  let inserted = 0;
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const chunk = rows.slice(start, start + CHUNK_ROWS);
    const columns: (number | string)[][] = COLUMNS.map(() => new Array<number | string>(chunk.length));
    chunk.forEach((row, index) => {
      columns[0][index] = row.engineId;
      columns[1][index] = row.cycle;
      for (let k = 0; k < SETTING_COUNT; k++) columns[2 + k][index] = exactFloat(row.settings[k]);
      for (let k = 0; k < SENSOR_COUNT; k++) columns[2 + SETTING_COUNT + k][index] = exactFloat(row.sensors[k]);
    });
    inserted += await tx.$executeRawUnsafe(sql, ...columns);
  }
  return inserted;
}
