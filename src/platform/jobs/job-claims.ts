// Job queues kept in database tables (training jobs, imports), shared by every replica: a runner claims
// the oldest queued job with FOR UPDATE SKIP LOCKED, so that two runners never take the same job and
// neither waits for the other's lock.
import type { PrismaClient } from '@prisma/client';

/** Tables holding a queue: id, status (QUEUED/RUNNING/...), claimed_by, started_at, heartbeat_at, attempts, created_at. */
export type JobTable = 'training_jobs' | 'imports';

/**
 * Claims the oldest QUEUED job of `table` (or the queued job `jobId`) for `instanceId`: RUNNING, started
 * and heartbeat now, one more attempt, plus `extraAssignments` (SQL, e.g. "cancel_requested = false").
 * Resolves with its id, or null when nothing is queued.
 */
export async function claimQueuedJob(
  prisma: Pick<PrismaClient, '$queryRawUnsafe'>,
  table: JobTable,
  instanceId: string,
  jobId: number | null = null,
  extraAssignments = '',
): Promise<number | null> {
  const claimed = await prisma.$queryRawUnsafe<{ id: number }[]>(
    `UPDATE ${table}
        SET status = 'RUNNING', claimed_by = $1, started_at = now(), heartbeat_at = now(), attempts = attempts + 1${extraAssignments ? `, ${extraAssignments}` : ''}
      WHERE id = (SELECT id FROM ${table} WHERE status = 'QUEUED' AND ($2::int4 IS NULL OR id = $2::int4)
                   ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
        AND status = 'QUEUED'
     RETURNING id`,
    instanceId,
    jobId,
  );
  return claimed[0]?.id ?? null;
}
