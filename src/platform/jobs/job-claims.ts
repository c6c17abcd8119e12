// Job queues kept in database tables (training jobs, batch jobs, imports), shared by every replica: a
// runner claims the oldest queued job with FOR UPDATE SKIP LOCKED, so that two runners never take the
// same job and neither waits for the other's lock.
import type { JobStatus, PrismaClient } from '@prisma/client';

/** Tables holding a queue: id, status (QUEUED/RUNNING/...), claimed_by, started_at, heartbeat_at, attempts, created_at. */
export type JobTable = 'training_jobs' | 'batch_jobs' | 'imports';

/** Queue tables whose jobs can be cancelled: they also have cancel_requested and finished_at. */
export type CancellableJobTable = 'training_jobs' | 'batch_jobs';

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

/**
 * Claims, as claimQueuedJob does, a job of a cancellable queue: never one whose cancel was asked, nor a
 * re-queued orphan before its retry_at (cleared by the claim).
 */
export function claimCancellableJob(
  prisma: Pick<PrismaClient, '$queryRawUnsafe'>,
  table: CancellableJobTable,
  instanceId: string,
  jobId?: number | null,
): Promise<number | null> {
  return claimQueuedJob(prisma, table, instanceId, {
    jobId,
    assignments: 'retry_at = NULL',
    condition: 'NOT cancel_requested AND (retry_at IS NULL OR retry_at <= $3::timestamp)',
  });
}

/**
 * Cancels a job for good: a queued job, or a running one whose runner is dead (see job-liveness.ts), is
 * CANCELLED at once; a running one is asked to stop (cancel_requested) and its runner ends it. One
 * statement, so that a concurrent claim or recovery cannot slip between two steps. `ended` maps columns
 * to the SQL values they take when the job ends here (e.g. { active_key: 'NULL' }). Resolves with the job's status
 * after, or null when it was neither QUEUED nor RUNNING.
 */
export async function cancelJob(
  prisma: Pick<PrismaClient, '$queryRawUnsafe'>,
  table: CancellableJobTable,
  id: number,
  staleBefore: Date,
  ended: Record<string, string> = {},
): Promise<JobStatus | null> {
  const endsNow = `(j.status = 'QUEUED' OR j.heartbeat_at IS NULL OR j.heartbeat_at < $2::timestamp
      OR EXISTS (SELECT 1 FROM job_runners r WHERE r.id = j.claimed_by AND r.heartbeat_at < $2::timestamp))`;
  const updated = await prisma.$queryRawUnsafe<{ status: JobStatus }[]>(
    `UPDATE ${table} j
        SET cancel_requested = true,
            status = CASE WHEN ${endsNow} THEN 'CANCELLED'::"JobStatus" ELSE j.status END,
            finished_at = CASE WHEN ${endsNow} THEN $3::timestamp ELSE j.finished_at END${Object.entries(ended)
              .map(([column, value]) => `, ${column} = CASE WHEN ${endsNow} THEN ${value} ELSE j.${column} END`)
              .join('')}
      WHERE j.id = $1::int4 AND j.status IN ('QUEUED', 'RUNNING')
     RETURNING j.status`,
    id,
    utc(staleBefore),
    utc(new Date()),
  );
  return updated[0]?.status ?? null;
}
