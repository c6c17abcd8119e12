// Runs queued batch jobs of every kind (evaluations, scorings: batch-job-work.ts), one at a time per
// process, from the batch_jobs queue that every replica shares, the way training jobs run: claimed with
// FOR UPDATE SKIP LOCKED (platform/jobs/job-claims.ts), kept alive by a heartbeat, registered in
// job_runners (platform/jobs/job-liveness.ts). An orphan (its process died) is re-queued after a backoff
// and resumes after the engines it finished, or fails after maxAttempts; a cancel is final. Ending a job
// clears its active_key, so that the same request queues a new job.
import { randomUUID } from 'node:crypto';
import type { BatchJob, BatchJobKind, Prisma, PrismaClient } from '@prisma/client';
import { claimCancellableJob } from '../../platform/jobs/job-claims';
import { beatRunner, DEFAULT_STALE_AFTER_MS, orphanedJobs, settleOrphan } from '../../platform/jobs/job-liveness';
import { JobRun } from '../../platform/jobs/job-run';
import { PollingLoop } from '../../platform/jobs/polling-loop';
import type { Logger } from '../../platform/observability/logger';

/** What one engine came to: windows scored under the version, flagged ones, the first flagged. */
export interface EngineOutcome {
  engineId: number;
  windows: number;
  flagged: number;
  firstFlaggedCycle: number | null;
}

export interface BatchJobHooks {
  /** Aborted when the job is cancelled or the runner stops: check it between engines. */
  signal: AbortSignal;
  /** Engines finished by an earlier attempt, to skip. */
  finished: ReadonlySet<number>;
  /** Records a finished engine (its progress); resolves once stored. */
  engineDone(outcome: EngineOutcome): Promise<void>;
  /** Marks the job succeeded inside the transaction that stores its result (an evaluation's id, if any). */
  markSucceeded(tx: Prisma.TransactionClient, evaluationId: number | null): Promise<void>;
}

/** Does one kind of batch job; must call hooks.markSucceeded in its final transaction. */
export type BatchJobExecutor = (job: BatchJob, hooks: BatchJobHooks) => Promise<void>;

export interface BatchRunnerOptions {
  instanceId?: string;
  pollIntervalMs?: number;
  heartbeatIntervalMs?: number;
  staleAfterMs?: number;
  maxAttempts?: number;
  retryBackoffMs?: number;
  /** Told once a change of a job's state or progress is stored (the batchJobProgress subscription). */
  onJobChanged?: (jobId: number) => void;
}

/** Assignments that end a job: it no longer holds its request's active key. */
const ENDED = { activeKey: null } as const;

export class BatchJobRunner {
  readonly instanceId: string;
  private readonly heartbeatIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly maxAttempts: number;
  private readonly retryBackoffMs: number;
  private readonly onJobChanged: (jobId: number) => void;
  private readonly loop: PollingLoop;
  private current: JobRun | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly executors: Record<BatchJobKind, BatchJobExecutor>,
    private readonly logger: Logger,
    options: BatchRunnerOptions = {},
  ) {
    this.instanceId = options.instanceId ?? `batch-runner-${randomUUID()}`;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryBackoffMs = options.retryBackoffMs ?? 30_000;
    this.onJobChanged = options.onJobChanged ?? (() => undefined);
    this.loop = new PollingLoop('batch job runner', options.pollIntervalMs ?? 2_000, async () => (await this.runNext()) !== null, logger);
  }

  start(): void {
    this.loop.start();
  }

  /** Looks at the queue now (after an enqueue or a cancel). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops; a job in progress goes back to the queue (its attempt not counted) and resumes after its finished engines. */
  async stop(): Promise<void> {
    const stopped = this.loop.stop();
    this.current?.interrupt();
    if (!(await stopped)) return; // started again meanwhile
    await this.prisma.jobRunner
      .deleteMany({ where: { id: this.instanceId } })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not deregister the batch job runner'));
  }

  /** Runs the next queued job (or the queued job `jobId`) to its end; null when none is claimable. */
  async runNext(jobId?: number): Promise<BatchJob | null> {
    await this.beatRunner();
    await this.recoverOrphanedJobs();
    if (this.loop.stopping) return null;
    const id = await claimCancellableJob(this.prisma, 'batch_jobs', this.instanceId, jobId);
    if (id === null) return null;
    await this.runJob(await this.prisma.batchJob.findUniqueOrThrow({ where: { id } }));
    return this.prisma.batchJob.findUniqueOrThrow({ where: { id } });
  }

  private async beatRunner(): Promise<void> {
    await beatRunner(this.prisma, this.instanceId).catch((error: unknown) =>
      this.logger.warn({ err: error }, 'batch job runner heartbeat failed'),
    );
  }

  /**
   * Settles RUNNING jobs whose runner is dead: cancelled when a cancel was asked, failed after
   * maxAttempts, else re-queued with retry_at backed off. Queued jobs with a cancel asked are cancelled.
   */
  async recoverOrphanedJobs(): Promise<number> {
    const orphaned = await this.prisma.batchJob.findMany({ where: await orphanedJobs(this.prisma, this.staleAfterMs) });
    for (const job of orphaned) {
      const settled = settleOrphan(job, this.maxAttempts, this.retryBackoffMs);
      const data: Prisma.BatchJobUpdateManyMutationInput = settled.outcome === 'requeued' ? settled.data : { ...ENDED, ...settled.data };
      const { count } = await this.prisma.batchJob.updateMany({
        where: { id: job.id, status: 'RUNNING', claimedBy: job.claimedBy, heartbeatAt: job.heartbeatAt },
        data,
      });
      if (count !== 1) continue;
      this.onJobChanged(job.id);
      this.logger.warn({ jobId: job.id, status: data.status }, 'recovered an orphaned batch job');
    }
    await this.prisma.batchJob.updateMany({
      where: { status: 'QUEUED', cancelRequested: true },
      data: { ...ENDED, status: 'CANCELLED', finishedAt: new Date() },
    });
    return orphaned.length;
  }

  private ownJob(jobId: number): Prisma.BatchJobWhereInput {
    return { id: jobId, status: 'RUNNING', claimedBy: this.instanceId };
  }

  private async runJob(job: BatchJob): Promise<void> {
    const run = new JobRun({
      prisma: this.prisma,
      table: 'batch_jobs',
      kind: 'batch-job',
      jobId: job.id,
      instanceId: this.instanceId,
      logger: this.logger,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      ended: { active_key: 'NULL' },
      beatRunner: () => this.beatRunner(),
      onChanged: () => this.onJobChanged(job.id),
    });
    this.current = run;
    if (this.loop.stopping) run.interrupt();
    try {
      await run.run(
        async () => {
          const finished = await this.prisma.batchJobEngine.findMany({ where: { jobId: job.id }, select: { engineId: true } });
          await this.executors[job.kind](job, {
            signal: run.signal,
            finished: new Set(finished.map((row) => row.engineId)),
            engineDone: async (outcome) => {
              await this.prisma.$transaction([
                this.prisma.batchJobEngine.createMany({ data: [{ jobId: job.id, ...outcome }], skipDuplicates: true }),
                this.prisma.batchJob.updateMany({ where: this.ownJob(job.id), data: { heartbeatAt: new Date() } }),
              ]);
              this.onJobChanged(job.id);
              await run.checkCancellation();
              run.signal.throwIfAborted();
            },
            markSucceeded: async (tx, evaluationId) => {
              const { count } = await tx.batchJob.updateMany({
                where: { ...this.ownJob(job.id), cancelRequested: false },
                data: { ...ENDED, status: 'SUCCEEDED', finishedAt: new Date(), evaluationId, error: null },
              });
              if (count !== 1) throw new Error(`batch job ${job.id} is no longer claimed by this process`);
            },
          });
        },
        { kind: job.kind, attempt: job.attempts },
      );
    } finally {
      this.current = null;
    }
  }
}
