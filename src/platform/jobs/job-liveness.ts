// When a RUNNING job's runner is dead: its job heartbeat, or its runner's own heartbeat in job_runners,
// is older than TRAINING_STALE_AFTER_MS. The runners that recover orphans and the API that shows jobs
// apply the same rule, so a job stops showing RUNNING as soon as any replica may take it back. Every
// queue table (training jobs, batch jobs) has the columns it reads.
import type { JobStatus } from '@prisma/client';

export const DEFAULT_STALE_AFTER_MS = 30_000;

/** What the rule reads of a job. */
export interface LiveJob {
  status: JobStatus;
  heartbeatAt: Date | null;
  claimedBy: string | null;
}

/** A Prisma filter (on any queue table) for RUNNING jobs whose runner is dead, given the runners whose heartbeat is stale. */
export function runnerIsDead(staleBefore: Date, deadRunnerIds: readonly string[]) {
  return { OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: staleBefore } }, { claimedBy: { in: [...deadRunnerIds] } }] };
}

/** The same rule on a job in memory, with the heartbeats of the runners that claimed jobs. */
export function isOrphaned(job: LiveJob, runnerHeartbeats: ReadonlyMap<string, Date>, staleBefore: Date): boolean {
  if (job.status !== 'RUNNING') return false;
  if (job.heartbeatAt === null || job.heartbeatAt < staleBefore) return true;
  const runnerBeat = job.claimedBy === null ? undefined : runnerHeartbeats.get(job.claimedBy);
  return runnerBeat !== undefined && runnerBeat < staleBefore;
}
