// Job queues kept in database tables (training jobs, imports), shared by every replica: a runner claims
// the oldest queued job with FOR UPDATE SKIP LOCKED, so that two runners never take the same job and
// neither waits for the other's lock.
import type { PrismaClient } from '@prisma/client';

/** Tables holding a queue: id, status (QUEUED/RUNNING/...), claimed_by, started_at, heartbeat_at, attempts, created_at. */
export type JobTable = 'training_jobs' | 'imports';

export interface ClaimOptions {
  /** Only this queued job. */
  jobId?: number | null;
  /** SQL assignments made with the claim (e.g. "retry_at = NULL"). */
  assignments?: string;
  /** SQL a claimable job must also satisfy; $3 is the claim's time (e.g. "retry_at IS NULL OR retry_at <= $3::timestamp"). */
  condition?: string;
}

/** A timestamp(3) literal in UTC, as Prisma stores DateTime columns (independent of the session's time zone). */
export function utc(date: Date): string {
  return date.toISOString().replace('Z', '');
}

/**
 * Claims the oldest QUEUED job of `table` (or the queued job `options.jobId`) for `instanceId`: RUNNING,
 * started and heartbeat now, one more attempt, plus the options' assignments. Resolves with its id, or
 * null when nothing claimable is queued.
 */
export async function claimQueuedJob(
  prisma: Pick<PrismaClient, '$queryRawUnsafe'>,
  table: JobTable,
  instanceId: string,
  options: ClaimOptions = {},
): Promise<number | null> {
  const condition = options.condition ? ` AND (${options.condition})` : '';
  const claimed = await prisma.$queryRawUnsafe<{ id: number }[]>(
    `UPDATE ${table}
        SET status = 'RUNNING', claimed_by = $1, started_at = $3::timestamp, heartbeat_at = $3::timestamp, attempts = attempts + 1${
          options.assignments ? `, ${options.assignments}` : ''
        }
      WHERE id = (SELECT id FROM ${table} WHERE status = 'QUEUED'${condition} AND ($2::int4 IS NULL OR id = $2::int4)
                   ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
        AND status = 'QUEUED'${condition}
     RETURNING id`,
    instanceId,
    options.jobId ?? null,
    utc(new Date()),
  );
  return claimed[0]?.id ?? null;
}
