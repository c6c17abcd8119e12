// Persistence of windows and their scores. Windows are stored once per content hash; a score once per
// (window, model version). Writes are set-based (one statement per table per batch) so that persisting
// every score keeps up with batched scoring, and they work the same on PostgreSQL and PGlite.
import { createHash } from 'node:crypto';
import type { Prisma } from '@prisma/client';
import { exactFloats } from '../db/exactFloats';

type Sql = Pick<Prisma.TransactionClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;

/** A window that is a run of an engine's stored cycles. */
export interface EngineWindowKey {
  engineId: number;
  endCycle: number;
  length: number;
}

/** A window whose values were sent by a client, in the order of `sensors`. */
export interface ClientWindowContent {
  sensors: readonly string[];
  /** length x sensors, row-major. */
  values: ArrayLike<number>;
  length: number;
  engineId: number | null;
  endCycle: number | null;
}

export function engineWindowHash(key: EngineWindowKey): string {
  return createHash('sha256').update(`engine:${key.engineId}:${key.endCycle}:${key.length}`).digest('hex');
}

/** float64 little-endian, row-major. */
export function encodeValues(values: ArrayLike<number>): Buffer {
  const buffer = Buffer.allocUnsafe(values.length * 8);
  for (let index = 0; index < values.length; index++) buffer.writeDoubleLE(values[index], index * 8);
  return buffer;
}

export function decodeValues(buffer: Uint8Array): Float64Array {
  const view = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const values = new Float64Array(view.length / 8);
  for (let index = 0; index < values.length; index++) values[index] = view.readDoubleLE(index * 8);
  return values;
}

/** Identity of a client window: its sensors, values and attribution; equal content, equal hash. */
export function clientWindowHash(window: ClientWindowContent, encoded: Buffer = encodeValues(window.values)): string {
  return createHash('sha256')
    .update(`client:${window.length}:${window.sensors.join(',')}:${window.engineId ?? ''}:${window.endCycle ?? ''}:`)
    .update(encoded)
    .digest('hex');
}

export interface WindowRow {
  contentHash: string;
  engineId: number | null;
  endCycle: number | null;
  /** Present for client windows. */
  values: Buffer | null;
}

/**
 * Inserts the windows that do not exist yet and returns the id of every given window, by hash. All
 * rows of one call share source, length and sensor list (one model version's batch).
 */
export async function upsertWindows(
  sql: Sql,
  rows: readonly WindowRow[],
  shape: { source: 'ENGINE' | 'CLIENT'; length: number; sensors: readonly string[] },
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (rows.length === 0) return ids;
  const hashes = rows.map((row) => row.contentHash);
  const found = await sql.$queryRawUnsafe<{ id: number; content_hash: string }[]>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::int4[], $3::int4[], $4::bytea[]) AS t(content_hash, engine_id, end_cycle, values_)
     ), inserted AS (
       INSERT INTO windows (content_hash, source, engine_id, end_cycle, length, sensors, values)
       SELECT content_hash, $5::"WindowSource", engine_id, end_cycle, $6, $7::text[], values_ FROM input
       ON CONFLICT (content_hash) DO NOTHING
       RETURNING id, content_hash
     )
     SELECT id, content_hash FROM inserted
     UNION ALL
     SELECT w.id, w.content_hash FROM windows w JOIN input i ON i.content_hash = w.content_hash`,
    hashes,
    rows.map((row) => row.engineId),
    rows.map((row) => row.endCycle),
    rows.map((row) => row.values),
    shape.source,
    shape.length,
    shape.sensors,
  );
  for (const row of found) ids.set(row.content_hash, row.id);
  // A window inserted by a concurrent transaction that committed after this statement's snapshot is
  // neither inserted nor visible above: read it again.
  const missing = hashes.filter((hash) => !ids.has(hash));
  if (missing.length > 0) {
    const late = await sql.$queryRawUnsafe<{ id: number; content_hash: string }[]>(
      `SELECT id, content_hash FROM windows WHERE content_hash = ANY($1::text[])`,
      missing,
    );
    for (const row of late) ids.set(row.content_hash, row.id);
  }
  return ids;
}

export interface ScoreRow {
  windowId: number;
  engineId: number | null;
  endCycle: number | null;
  reconstructionError: number;
  score: number;
  threshold: number;
  isAnomaly: boolean;
  sensorErrors: ArrayLike<number>;
}

function floatArrayLiteral(values: ArrayLike<number>): string {
  return `{${Array.prototype.join.call(values, ',')}}`;
}

/** Inserts scores of one model version; a score that exists already is kept as it is. */
export async function insertScores(sql: Sql, modelVersionId: number, rows: readonly ScoreRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  return sql.$executeRawUnsafe(
    `INSERT INTO scores (window_id, model_version_id, engine_id, end_cycle, reconstruction_error, score, threshold, is_anomaly, sensor_errors)
     SELECT window_id, $1, engine_id, end_cycle, reconstruction_error, score, threshold, is_anomaly, sensor_errors::float8[]
       FROM unnest($2::int4[], $3::int4[], $4::int4[], $5::text[]::float8[], $6::text[]::float8[], $7::text[]::float8[], $8::bool[], $9::text[])
         AS t(window_id, engine_id, end_cycle, reconstruction_error, score, threshold, is_anomaly, sensor_errors)
     ON CONFLICT (window_id, model_version_id) DO NOTHING`,
    modelVersionId,
    rows.map((row) => row.windowId),
    rows.map((row) => row.engineId),
    rows.map((row) => row.endCycle),
    exactFloats(rows.map((row) => row.reconstructionError)),
    exactFloats(rows.map((row) => row.score)),
    exactFloats(rows.map((row) => row.threshold)),
    rows.map((row) => row.isAnomaly),
    rows.map((row) => floatArrayLiteral(row.sensorErrors)),
  );
}

export interface StoredScore {
  windowId: number;
  contentHash: string;
  engineId: number | null;
  endCycle: number | null;
  reconstructionError: number;
  score: number;
  threshold: number;
  isAnomaly: boolean;
  sensorErrors: number[];
  createdAt: Date;
}

/** Stored scores of one model version for the given window hashes. */
export async function findScoresByHash(sql: Sql, modelVersionId: number, hashes: readonly string[]): Promise<Map<string, StoredScore>> {
  const scores = new Map<string, StoredScore>();
  if (hashes.length === 0) return scores;
  const rows = await sql.$queryRawUnsafe<
    {
      window_id: number; content_hash: string; engine_id: number | null; end_cycle: number | null; reconstruction_error: number;
      score: number; threshold: number; is_anomaly: boolean; sensor_errors: number[]; created_at: Date;
    }[]
  >(
    `SELECT s.window_id, w.content_hash, s.engine_id, s.end_cycle, s.reconstruction_error, s.score, s.threshold, s.is_anomaly,
            s.sensor_errors, s.created_at
       FROM windows w JOIN scores s ON s.window_id = w.id AND s.model_version_id = $1
      WHERE w.content_hash = ANY($2::text[])`,
    modelVersionId,
    hashes,
  );
  for (const row of rows) {
    scores.set(row.content_hash, {
      windowId: row.window_id,
      contentHash: row.content_hash,
      engineId: row.engine_id,
      endCycle: row.end_cycle,
      reconstructionError: row.reconstruction_error,
      score: row.score,
      threshold: row.threshold,
      isAnomaly: row.is_anomaly,
      sensorErrors: row.sensor_errors,
      createdAt: row.created_at,
    });
  }
  return scores;
}

/** Reconstruction errors and scores of a batch of windows, indexed by position in the batch. */
export interface BatchScores {
  windowErrors: ArrayLike<number>;
  /** count x features. */
  sensorErrors: Float32Array;
  scores: ArrayLike<number>;
  features: number;
}

/**
 * Stores engine windows and their scores under one version: `windows[i].index` is the window's
 * position in `batch`.
 */
export async function storeEngineWindowScores(
  sql: Sql,
  version: { id: number; threshold: number; windowLength: number },
  windows: readonly { engineId: number; endCycle: number; index: number }[],
  batch: BatchScores,
): Promise<void> {
  const hashes = windows.map(({ engineId, endCycle }) => engineWindowHash({ engineId, endCycle, length: version.windowLength }));
  const ids = await upsertWindows(
    sql,
    windows.map(({ engineId, endCycle }, position) => ({ contentHash: hashes[position], engineId, endCycle, values: null })),
    { source: 'ENGINE', length: version.windowLength, sensors: [] },
  );
  const { features } = batch;
  await insertScores(
    sql,
    version.id,
    windows.map(({ engineId, endCycle, index }, position) => ({
      windowId: ids.get(hashes[position])!,
      engineId,
      endCycle,
      reconstructionError: batch.windowErrors[index],
      score: batch.scores[index],
      threshold: version.threshold,
      isAnomaly: batch.scores[index] > version.threshold,
      sensorErrors: batch.sensorErrors.subarray(index * features, (index + 1) * features),
    })),
  );
}
