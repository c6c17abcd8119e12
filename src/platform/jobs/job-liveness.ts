// When a RUNNING job's runner is dead: its job heartbeat, or its runner's own heartbeat in job_runners,
// is older than TRAINING_STALE_AFTER_MS. The runners that recover orphans and the API that shows jobs
// apply the same rule, so a job stops showing RUNNING as soon as any replica may take it back. Every
// queue table (training jobs, batch jobs) has the columns it reads.
import os from 'node:os';
import type { JobStatus, PrismaClient } from '@prisma/client';

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

/** Jobs as clients see them: a RUNNING job whose runner is dead shows as ORPHANED. */
export async function withShownStates<J extends LiveJob>(
  prisma: Pick<PrismaClient, 'jobRunner'>,
  jobs: readonly J[],
  staleAfterMs: number,
): Promise<(Omit<J, 'status'> & { status: JobStatus | 'ORPHANED' })[]> {
  const runnerIds = [...new Set(jobs.filter((job) => job.status === 'RUNNING' && job.claimedBy !== null).map((job) => job.claimedBy!))];
  const runners =
    runnerIds.length === 0
      ? []
      : await prisma.jobRunner.findMany({ where: { id: { in: runnerIds } }, select: { id: true, heartbeatAt: true } });
  const heartbeats = new Map(runners.map((runner) => [runner.id, runner.heartbeatAt]));
  const staleBefore = new Date(Date.now() - staleAfterMs);
  return jobs.map((job) => (isOrphaned(job, heartbeats, staleBefore) ? { ...job, status: 'ORPHANED' as const } : job));
}

/** Registers runner `instanceId` in job_runners, or refreshes its heartbeat there. */
export async function beatRunner(prisma: Pick<PrismaClient, 'jobRunner'>, instanceId: string): Promise<void> {
  const now = new Date();
  await prisma.jobRunner.upsert({
    where: { id: instanceId },
    create: { id: instanceId, hostname: os.hostname(), pid: process.pid, startedAt: now, heartbeatAt: now },
    update: { heartbeatAt: now },
  });
}

/**
 * A Prisma filter (on any queue table) for the jobs shown in `state`: a stored status, or RUNNING split by
 * the rule into RUNNING (its runner alive) and ORPHANED (its runner dead now).
 */
export async function jobStateFilter(
  prisma: Pick<PrismaClient, 'jobRunner'>,
  state: JobStatus | 'ORPHANED' | null | undefined,
  staleAfterMs: number,
) {
  if (!state) return {};
  if (state !== 'RUNNING' && state !== 'ORPHANED') return { status: state };
  const staleBefore = new Date(Date.now() - staleAfterMs);
  const deadRunners = await prisma.jobRunner.findMany({ where: { heartbeatAt: { lt: staleBefore } }, select: { id: true } });
  const dead = runnerIsDead(
    staleBefore,
    deadRunners.map((runner) => runner.id),
  );
  return state === 'ORPHANED' ? { status: 'RUNNING' as const, ...dead } : { status: 'RUNNING' as const, NOT: dead };
}

/** A Prisma filter (on any queue table) for the RUNNING jobs whose runner is dead now. */
export function orphanedJobs(prisma: Pick<PrismaClient, 'jobRunner'>, staleAfterMs: number) {
  return jobStateFilter(prisma, 'ORPHANED', staleAfterMs);
}

export type OrphanOutcome = 'cancelled' | 'failed' | 'requeued';

/**
 * What becomes of an orphaned job: cancelled when a cancel was asked, failed after maxAttempts, else
 * re-queued with retry_at backed off (retryBackoffMs, doubled for each attempt already made).
 */
export function settleOrphan(job: { attempts: number; cancelRequested: boolean }, maxAttempts: number, retryBackoffMs: number) {
  const retryAt = new Date(Date.now() + retryBackoffMs * 2 ** Math.max(0, job.attempts - 1));
  const outcome: OrphanOutcome = job.cancelRequested ? 'cancelled' : job.attempts >= maxAttempts ? 'failed' : 'requeued';
  const data: {
    status: JobStatus;
    error: string;
    finishedAt?: Date;
    claimedBy?: null;
    heartbeatAt?: null;
    retryAt?: Date;
  } =
    outcome === 'cancelled'
      ? { status: 'CANCELLED', finishedAt: new Date(), error: `cancelled while its process was stopped (attempt ${job.attempts})` }
      : outcome === 'failed'
        ? {
            status: 'FAILED',
            finishedAt: new Date(),
            error: `the process running this job stopped during attempt ${job.attempts} of ${maxAttempts}`,
          }
        : {
            status: 'QUEUED',
            claimedBy: null,
            heartbeatAt: null,
            retryAt,
            error: `attempt ${job.attempts} was interrupted (its process stopped); re-queued, next attempt from ${retryAt.toISOString()}`,
          };
  return { outcome, data };
}
