// Persistence of windows and their scores. Windows are stored once per content hash; a score once per
// (window, model version). A batch is written by ONE statement (windows and scores together, so it is
// atomic without a transaction), and every function takes a plain query executor: the database
// driver on hot scoring paths (Prisma serialises large bytea and array arguments several times slower),
// or a Prisma transaction where the write must join one (model registration).
import { createHash } from 'node:crypto';
import type { Prisma } from '@prisma/client';
import { exactFloats } from '../../platform/db/exact-floats';
import type { QueryExecutor } from '../../platform/db/migrations';

/** Runs SQL inside a Prisma (interactive) transaction, as a QueryExecutor. */
export function transactionExecutor(tx: Pick<Prisma.TransactionClient, '$queryRawUnsafe'>): QueryExecutor {
  return <T>(sql: string, params: unknown[] = []) => tx.$queryRawUnsafe<T[]>(sql, ...params);
}

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
  /** The rows' operational settings (length x settings), for versions with operating regimes. */
  settings?: ArrayLike<number> | null;
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
  const hash = createHash('sha256')
    .update(`client:${window.length}:${window.sensors.join(',')}:${window.engineId ?? ''}:${window.endCycle ?? ''}:`)
    .update(encoded);
  // Settings change the normalisation within regimes; windows without them keep the hash they always had.
  if (window.settings) hash.update('settings:').update(encodeValues(window.settings));
  return hash.digest('hex');
}

/** One window of a batch and its score under the batch's model version. */
export interface ScoredWindow {
  contentHash: string;
  engineId: number | null;
  endCycle: number | null;
  /** Raw values of client windows; null for engine windows. */
  values: Buffer | null;
  reconstructionError: number;
  score: number;
  isAnomaly: boolean;
  sensorErrors: ArrayLike<number>;
  /** Mean signed residual of each sensor over the window's last cycles (ReconstructionErrors). */
  recentResiduals: ArrayLike<number>;
}

export interface BatchShape {
  source: 'ENGINE' | 'CLIENT';
  length: number;
  /** Column names of client windows' values; empty for engine windows. */
  sensors: readonly string[];
}

/**
 * Window ids are 64-bit (BIGINT): node-postgres returns them as strings, PGlite and Prisma as numbers or
 * bigints. As numbers they are exact up to 2^53 (285,000 years at 1,000 windows a second).
 */
type WindowIdColumn = string | number | bigint;

export interface StoredWindowScore {
  windowId: number;
  createdAt: Date;
}

function floatArrayLiteral(values: ArrayLike<number>): string {
  return `{${Array.prototype.join.call(values, ',')}}`;
}

// Windows missing from `input` are inserted; every window's id is then joined back (inserted ones from
// the INSERT, existing ones from the table); scores are inserted unless (window, version) exists.
// Floats travel as text so that no digit is lost (see platform/db/exact-floats.ts). The windows' values travel as
// ONE binary bytea ($4, null for engine windows), cut into $14-byte pieces here: the driver sends a
// Buffer as binary, but an array of them as hex text, which cost PostgreSQL ~20 ms to parse per 256
// windows (measured: 25 ms a statement against 4.4 ms).
const STORE_BATCH_SQL = `
WITH input AS (
  SELECT content_hash, engine_id, end_cycle, substring($4::bytea FROM ((ordinal - 1) * $14 + 1)::int4 FOR $14::int4) AS values_,
         reconstruction_error, score, is_anomaly, sensor_errors, recent_residuals
    FROM unnest($1::text[], $2::int4[], $3::int4[], $5::text[]::float8[], $6::text[]::float8[], $7::bool[], $8::text[], $15::text[]) WITH ORDINALITY
      AS t(content_hash, engine_id, end_cycle, reconstruction_error, score, is_anomaly, sensor_errors, recent_residuals, ordinal)
), inserted AS (
  INSERT INTO windows (content_hash, source, engine_id, end_cycle, length, sensors, values)
  SELECT content_hash, $9::"WindowSource", engine_id, end_cycle, $10, $11::text[], values_ FROM input
  ON CONFLICT (content_hash) DO NOTHING
  RETURNING id, content_hash
), window_ids AS (
  SELECT id, content_hash FROM inserted
  UNION ALL
  SELECT w.id, w.content_hash FROM windows w JOIN input i ON i.content_hash = w.content_hash
), scored AS (
  INSERT INTO scores (window_id, model_version_id, engine_id, end_cycle, reconstruction_error, score, threshold, is_anomaly, sensor_errors, recent_residuals)
  SELECT ids.id, $12, i.engine_id, i.end_cycle, i.reconstruction_error, i.score, $13::text::float8, i.is_anomaly, i.sensor_errors::float8[],
         i.recent_residuals::float8[]
    FROM input i JOIN window_ids ids ON ids.content_hash = i.content_hash
  ON CONFLICT (window_id, model_version_id) DO NOTHING
  RETURNING window_id, created_at
)
SELECT ids.content_hash, ids.id AS window_id, s.created_at
  FROM window_ids ids LEFT JOIN scored s ON s.window_id = ids.id`;

/** The values of every window of a batch back to back, or null when none has values (engine windows). */
function concatenatedValues(windows: readonly ScoredWindow[]): { bytes: Buffer; size: number } | null {
  if (windows.every((window) => window.values === null)) return null;
  const size = windows[0].values?.length ?? 0;
  if (windows.some((window) => window.values === null || window.values.length !== size)) {
    throw new RangeError('a batch stores values for all of its windows, all of one size, or for none');
  }
  return { bytes: Buffer.concat(windows.map((window) => window.values!)), size };
}

/**
 * Stores a batch of scored windows under one model version in one statement and returns, by hash, the
 * window id and when the score was stored (null when a score of that window by that version existed).
 */
export async function storeScoredWindows(
  query: QueryExecutor,
  version: { id: number; threshold: number },
  shape: BatchShape,
  windows: readonly ScoredWindow[],
): Promise<Map<string, { windowId: number; createdAt: Date | null }>> {
  const stored = new Map<string, { windowId: number; createdAt: Date | null }>();
  let pending = [...new Map(windows.map((window) => [window.contentHash, window])).values()];
  // A window that a concurrent transaction inserted after this statement's snapshot is neither inserted
  // nor visible here, so neither is its score: write those again (their window is visible by then).
  for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
    const values = concatenatedValues(pending);
    const rows = await query<{ content_hash: string; window_id: WindowIdColumn; created_at: Date | null }>(STORE_BATCH_SQL, [
      pending.map((window) => window.contentHash),
      pending.map((window) => window.engineId),
      pending.map((window) => window.endCycle),
      values?.bytes ?? null,
      exactFloats(pending.map((window) => window.reconstructionError)),
      exactFloats(pending.map((window) => window.score)),
      pending.map((window) => window.isAnomaly),
      pending.map((window) => floatArrayLiteral(window.sensorErrors)),
      shape.source,
      shape.length,
      shape.sensors,
      version.id,
      exactFloats([version.threshold])[0],
      values?.size ?? 0,
      pending.map((window) => floatArrayLiteral(window.recentResiduals)),
    ]);
    for (const row of rows) stored.set(row.content_hash, { windowId: Number(row.window_id), createdAt: row.created_at });
    pending = pending.filter((window) => !stored.has(window.contentHash));
  }
  if (pending.length > 0) throw new Error(`could not store ${pending.length} windows: they kept being written concurrently`);
  return stored;
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
  /** Empty for scores stored before residuals were recorded. */
  recentResiduals: number[];
  createdAt: Date;
}

/** Stored scores of one model version for the given window hashes. */
export async function findScoresByHash(
  query: QueryExecutor,
  modelVersionId: number,
  hashes: readonly string[],
): Promise<Map<string, StoredScore>> {
  const scores = new Map<string, StoredScore>();
  if (hashes.length === 0) return scores;
  const rows = await query<{
    window_id: WindowIdColumn;
    content_hash: string;
    engine_id: number | null;
    end_cycle: number | null;
    reconstruction_error: number;
    score: number;
    threshold: number;
    is_anomaly: boolean;
    sensor_errors: number[];
    recent_residuals: number[] | null;
    created_at: Date;
  }>(
    `SELECT s.window_id, w.content_hash, s.engine_id, s.end_cycle, s.reconstruction_error, s.score, s.threshold, s.is_anomaly,
            s.sensor_errors, s.recent_residuals, s.created_at
       FROM windows w JOIN scores s ON s.window_id = w.id AND s.model_version_id = $1
      WHERE w.content_hash = ANY($2::text[])`,
    [modelVersionId, hashes],
  );
  for (const row of rows) {
    scores.set(row.content_hash, {
      windowId: Number(row.window_id),
      contentHash: row.content_hash,
      engineId: row.engine_id,
      endCycle: row.end_cycle,
      reconstructionError: row.reconstruction_error,
      score: row.score,
      threshold: row.threshold,
      isAnomaly: row.is_anomaly,
      sensorErrors: row.sensor_errors,
      recentResiduals: row.recent_residuals ?? [],
      createdAt: row.created_at,
    });
  }
  return scores;
}

/** What a detector said of a batch of windows (WindowScores), indexed by position in the batch. */
export interface BatchScores {
  raw: ArrayLike<number>;
  scores: ArrayLike<number>;
  /** count x features. */
  contributions: Float32Array;
  /** count x features; null when the detector does not tell. */
  directions: Float32Array | null;
  features: number;
}

/**
 * Stores engine windows and their scores under one version: `windows[i].index` is the window's
 * position in `batch`.
 */
export async function storeEngineWindowScores(
  query: QueryExecutor,
  version: { id: number; threshold: number; windowLength: number },
  windows: readonly { engineId: number; endCycle: number; index: number }[],
  batch: BatchScores,
): Promise<void> {
  const { features } = batch;
  await storeScoredWindows(
    query,
    version,
    { source: 'ENGINE', length: version.windowLength, sensors: [] },
    windows.map(({ engineId, endCycle, index }) => ({
      contentHash: engineWindowHash({ engineId, endCycle, length: version.windowLength }),
      engineId,
      endCycle,
      values: null,
      reconstructionError: batch.raw[index],
      score: batch.scores[index],
      isAnomaly: batch.scores[index] > version.threshold,
      sensorErrors: batch.contributions.subarray(index * features, (index + 1) * features),
      recentResiduals: batch.directions ? batch.directions.subarray(index * features, (index + 1) * features) : [],
    })),
  );
}
