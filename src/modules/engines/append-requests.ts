// Idempotency keys of appendCycles (table append_requests): the key is claimed first inside the
// append's transaction, so that a concurrent duplicate waits for the first to commit and then sees its
// answer; the answer is stored in the same transaction, so a key never exists without its answer.
import { createHash } from 'node:crypto';
import type { Prisma, PrismaClient } from '@prisma/client';
import type { NewCycle } from './engine-service';

/** How long a key answers retries; older keys are deleted by the engine's next keyed append. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** What identifies a request under its key: the cycles as sent and the score flag. */
export function appendRequestHash(cycles: readonly NewCycle[], score: boolean): string {
  const canonical = JSON.stringify({ score, cycles: cycles.map((cycle) => [cycle.cycle ?? null, cycle.settings, cycle.sensors]) });
  return createHash('sha256').update(canonical).digest('hex');
}

export interface StoredAppendRequest {
  requestHash: string;
  /** The first answer, as JSON text. */
  response: string;
}

export async function findAppendRequest(
  prisma: Pick<PrismaClient, '$queryRawUnsafe'>,
  engineId: number,
  key: string,
): Promise<StoredAppendRequest | null> {
  const rows = await prisma.$queryRawUnsafe<{ request_hash: string; response: string | null }[]>(
    `SELECT request_hash, response::text AS response FROM append_requests
      WHERE engine_id = $1 AND idempotency_key = $2 AND created_at > now() - make_interval(hours => $3)`,
    engineId,
    key,
    IDEMPOTENCY_KEY_TTL_HOURS,
  );
  const row = rows[0];
  return row && row.response !== null ? { requestHash: row.request_hash, response: row.response } : null;
}

/**
 * Claims `key` for this request inside `tx`; false when another request holds it (then this transaction
 * must end, and the other's answer be read). Deletes the engine's expired keys first.
 */
export async function claimAppendRequest(
  tx: Prisma.TransactionClient,
  engineId: number,
  key: string,
  requestHash: string,
): Promise<boolean> {
  await tx.$executeRawUnsafe(
    `DELETE FROM append_requests WHERE engine_id = $1 AND created_at <= now() - make_interval(hours => $2)`,
    engineId,
    IDEMPOTENCY_KEY_TTL_HOURS,
  );
  const claimed = await tx.$executeRawUnsafe(
    `INSERT INTO append_requests (engine_id, idempotency_key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    engineId,
    key,
    requestHash,
  );
  return claimed === 1;
}

/** Stores the answer of the request that claimed `key` (JSON text, numbers kept digit for digit). */
export async function saveAppendResponse(tx: Prisma.TransactionClient, engineId: number, key: string, response: string): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE append_requests SET response = $3::text::jsonb WHERE engine_id = $1 AND idempotency_key = $2`,
    engineId,
    key,
    response,
  );
}
