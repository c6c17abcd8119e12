// A batch of LOF rows that two threads score together: the rows and the results live in shared memory,
// and each thread claims chunks of rows from a shared counter until none is left. A thread that is busy
// (the inference thread in an autoencoder pass) or has no free core simply claims fewer chunks, so the
// calling thread never waits on a fixed share given to the other (a fixed half was slower than one thread
// while the other helpers' jobs held both cores).
import type { LofScores } from './lof-model';

/** Rows per claim: one call of the keys kernel (64 queries). */
export const CHUNK_ROWS = 64;

export interface SharedLofBatch {
  /** [count, dimensions] raw features; a chunk is copied before scoring, so that a thread dying mid-chunk leaves them intact. */
  rows: Float64Array;
  count: number;
  dimensions: number;
  sensors: number;
  scores: Float64Array;
  contributions: Float32Array;
  /** [0]: the next chunk to claim. */
  next: Int32Array;
  /** [chunks]: 1 once a chunk's results are written. */
  finished: Int32Array;
}

const shared = <T>(Type: new (buffer: SharedArrayBuffer) => T, bytes: number): T => new Type(new SharedArrayBuffer(bytes));

/** A batch over a copy of `rows` in shared memory. */
export function sharedBatch(rows: Float64Array, count: number, dimensions: number, sensors: number): SharedLofBatch {
  const batch: SharedLofBatch = {
    rows: shared(Float64Array, count * dimensions * 8),
    count,
    dimensions,
    sensors,
    scores: shared(Float64Array, count * 8),
    contributions: shared(Float32Array, count * sensors * 4),
    next: shared(Int32Array, 4),
    finished: shared(Int32Array, Math.ceil(count / CHUNK_ROWS) * 4),
  };
  batch.rows.set(rows.subarray(0, count * dimensions));
  return batch;
}

function scoreChunk(score: (rows: Float64Array, count: number) => LofScores, batch: SharedLofBatch, chunk: number): void {
  const { dimensions, sensors } = batch;
  const start = chunk * CHUNK_ROWS;
  const rows = Math.min(CHUNK_ROWS, batch.count - start);
  const result = score(batch.rows.slice(start * dimensions, (start + rows) * dimensions), rows);
  batch.scores.set(result.scores, start);
  batch.contributions.set(result.contributions, start * sensors);
  Atomics.store(batch.finished, chunk, 1);
}

/** Scores chunks of `batch` with `score` as long as any is left to claim; returns how many it scored. */
export function scoreClaimedChunks(score: (rows: Float64Array, count: number) => LofScores, batch: SharedLofBatch): number {
  const chunks = batch.finished.length;
  let scored = 0;
  for (let chunk = Atomics.add(batch.next, 0, 1); chunk < chunks; chunk = Atomics.add(batch.next, 0, 1)) {
    scoreChunk(score, batch, chunk);
    scored += 1;
  }
  return scored;
}

/** Whether every chunk's results are written. */
export function allFinished(batch: SharedLofBatch): boolean {
  for (let chunk = 0; chunk < batch.finished.length; chunk++) if (Atomics.load(batch.finished, chunk) === 0) return false;
  return true;
}

/** Scores here every chunk claimed but never finished (by a thread that died meanwhile). */
export function scoreUnfinished(score: (rows: Float64Array, count: number) => LofScores, batch: SharedLofBatch): void {
  for (let chunk = 0; chunk < batch.finished.length; chunk++)
    if (Atomics.load(batch.finished, chunk) === 0) scoreChunk(score, batch, chunk);
}
