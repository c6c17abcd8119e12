// Runs queued training jobs, one at a time per process, with the queue in the database so that several
// replicas can share it: a job is claimed with FOR UPDATE SKIP LOCKED, kept alive by a heartbeat, and a
// job whose process died (stale heartbeat) is re-queued after a backoff that doubles with each attempt
// or, after too many attempts, marked failed. A cancel is final: an orphan whose cancel was asked is
// cancelled, never re-queued. Each runner registers in job_runners and refreshes its row while it
// lives, so that every replica can tell a job whose runner is dead (see platform/jobs/job-liveness.ts).
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient, TrainingJob } from '@prisma/client';
import type { Logger } from '../../platform/observability/logger';
import { reportTrainingJob } from '../../platform/observability/events';
import { claimCancellableJob } from '../../platform/jobs/job-claims';
import { beatRunner, DEFAULT_STALE_AFTER_MS, orphanedJobs, settleOrphan } from '../../platform/jobs/job-liveness';
import { JobRun } from '../../platform/jobs/job-run';
import { PollingLoop } from '../../platform/jobs/polling-loop';

/** One step of a fit: an epoch of a network, or the single step of a kind fitted in one go (no loss). */
export interface EpochProgress {
  epoch: number;
  loss: number | null;
  validationLoss: number | null;
  learningRate: number | null;
  elapsedMs: number;
}

export interface JobHooks {
  /** Records an epoch; resolves after it is stored. */
  onEpoch(progress: EpochProgress): Promise<void>;
  /** Aborted when the job is cancelled or the runner stops. */
  signal: AbortSignal;
  /**
   * Marks the job succeeded inside the transaction that registers its model version, so that a job is
   * never SUCCEEDED without its version, nor a version registered for a job that was not.
   */
  markSucceeded(tx: Prisma.TransactionClient, modelVersionId: number): Promise<void>;
}

/** Trains, calibrates, evaluates and registers; must call hooks.markSucceeded in its final transaction. */
export type JobExecutor = (job: TrainingJob, hooks: JobHooks) => Promise<void>;

export interface RunnerOptions {
  /** Identifies this process in claimed_by. */
  instanceId?: string;
  pollIntervalMs?: number;
  heartbeatIntervalMs?: number;
  /** A RUNNING job whose heartbeat is older than this is considered orphaned. */
  staleAfterMs?: number;
  /** Attempts before an orphaned job is marked failed instead of re-queued. */
  maxAttempts?: number;
  /** Wait before an orphan's next attempt; doubled for each attempt already made. */
  retryBackoffMs?: number;
  /** Told of every stored epoch (e.g. to draw a progress bar). */
  onEpoch?: (jobId: number, progress: EpochProgress) => void;
  /** Told once a change of a job's state or progress is stored (the trainingJobProgress subscription). */
  onJobChanged?: (jobId: number) => void;
}

export class JobLostError extends Error {
  constructor(jobId: number) {
    super(`training job ${jobId} is no longer claimed by this process`);
    this.name = 'JobLostError';
  }
}

export class TrainingJobRunner {
  readonly instanceId: string;
  private readonly heartbeatIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly maxAttempts: number;
  private readonly retryBackoffMs: number;
  private readonly onEpochStored: (jobId: number, progress: EpochProgress) => void;
  private readonly onJobChanged: (jobId: number) => void;
  private readonly loop: PollingLoop;
  private registered = false;
  private runnerHeartbeat: NodeJS.Timeout | null = null;
  private lastRunnerBeat: Promise<void> = Promise.resolve();
  private current: JobRun | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly execute: JobExecutor,
    private readonly logger: Logger,
    options: RunnerOptions = {},
  ) {
    this.instanceId = options.instanceId ?? `runner-${randomUUID()}`;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryBackoffMs = options.retryBackoffMs ?? 30_000;
    this.onEpochStored = options.onEpoch ?? (() => undefined);
    this.onJobChanged = options.onJobChanged ?? (() => undefined);
    this.loop = new PollingLoop(
      'training job runner',
      options.pollIntervalMs ?? 2_000,
      async () => (await this.runNext()) !== null,
      logger,
    );
  }

  /** Starts processing the queue in the background (after a stop still in progress, if any). */
  start(): void {
    if (!this.loop.stopping && this.runnerHeartbeat) return;
    this.loop.start();
    this.runnerHeartbeat = setInterval(() => void this.beatRunner(), this.heartbeatIntervalMs);
  }

  /** Asks the runner to look at the queue now (after an enqueue or a cancel). */
  wake(): void {
    this.loop.wake();
  }

  /** The id of the job running in this process, if any. */
  get runningJobId(): number | null {
    return this.current?.jobId ?? null;
  }

  /**
   * Stops the runner. A job in progress is interrupted and put back in the queue (its attempt is not
   * counted), so it starts again at the next start of any runner.
   */
  async stop(): Promise<void> {
    const stopped = this.loop.stop();
    this.current?.interrupt();
    if (this.runnerHeartbeat) clearInterval(this.runnerHeartbeat);
    this.runnerHeartbeat = null;
    if (!(await stopped)) return; // started again meanwhile
    await this.lastRunnerBeat;
    // Known gone at once, rather than after TRAINING_STALE_AFTER_MS.
    if (this.registered && !this.runnerHeartbeat) {
      this.registered = false;
      await this.prisma.jobRunner
        .deleteMany({ where: { id: this.instanceId } })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not deregister the training job runner'));
    }
  }

  /**
   * Runs the next queued job (or the queued job `jobId`), if any, to its end. Exposed for the CLI and
   * tests.
   */
  async runNext(jobId?: number): Promise<TrainingJob | null> {
    await this.beatRunner();
    await this.recoverOrphanedJobs();
    if (this.loop.stopping) return null; // stop() was called meanwhile: claim nothing more
    const job = await this.claimNext(jobId);
    if (!job) return null;
    await this.runJob(job);
    return this.prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
  }

  /**
   * Registers this runner, or refreshes its heartbeat (see platform/jobs/job-liveness.ts). Beats run one
   * after another, and stop() waits for the last: a beat still in flight would otherwise register the
   * runner again after its deregistration.
   */
  private beatRunner(): Promise<void> {
    this.lastRunnerBeat = this.lastRunnerBeat.then(async () => {
      try {
        await beatRunner(this.prisma, this.instanceId);
        this.registered = true;
      } catch (error) {
        this.logger.warn({ err: error }, 'training job runner heartbeat failed');
      }
    });
    return this.lastRunnerBeat;
  }

  /**
   * Settles RUNNING jobs whose runner is dead (stale heartbeat): cancelled when a cancel was asked,
   * failed after maxAttempts, else re-queued with retry_at backed off. Forgets runners long dead.
   */
  async recoverOrphanedJobs(): Promise<number> {
    const orphaned = await this.prisma.trainingJob.findMany({ where: await orphanedJobs(this.prisma, this.staleAfterMs) });
    for (const job of orphaned) {
      const { outcome, data } = settleOrphan(job, this.maxAttempts, this.retryBackoffMs);
      const { count } = await this.prisma.trainingJob.updateMany({
        where: { id: job.id, status: 'RUNNING', claimedBy: job.claimedBy, heartbeatAt: job.heartbeatAt },
        data,
      });
      if (count !== 1) continue;
      this.onJobChanged(job.id);
      this.logger.warn({ jobId: job.id, requeued: outcome === 'requeued', outcome }, 'recovered an orphaned training job');
      reportTrainingJob(
        job.id,
        outcome === 'cancelled' ? 'cancelled' : outcome === 'failed' ? 'orphan_failed' : 'orphan_requeued',
        job.startedAt,
      ); // metrics hook
    }
    // A cancel that met a re-queue (or a shutdown) is settled here: a queued job with a cancel asked never runs.
    await this.prisma.trainingJob.updateMany({
      where: { status: 'QUEUED', cancelRequested: true },
      data: { status: 'CANCELLED', finishedAt: new Date() },
    });
    // Rows of runners dead for long are of no use to anyone.
    await this.prisma.jobRunner.deleteMany({ where: { heartbeatAt: { lt: new Date(Date.now() - 100 * this.staleAfterMs) } } });
    return orphaned.length;
  }

  private async claimNext(jobId?: number): Promise<TrainingJob | null> {
    const id = await claimCancellableJob(this.prisma, 'training_jobs', this.instanceId, jobId);
    if (id === null) return null;
    // A re-queued job starts over: progress of an earlier attempt is not this attempt's progress.
    await this.prisma.trainingEpoch.deleteMany({ where: { jobId: id } });
    return this.prisma.trainingJob.findUniqueOrThrow({ where: { id } });
  }

  private ownJob(jobId: number): Prisma.TrainingJobWhereInput {
    return { id: jobId, status: 'RUNNING', claimedBy: this.instanceId };
  }

  private async runJob(job: TrainingJob): Promise<void> {
    const run = new JobRun({
      prisma: this.prisma,
      table: 'training_jobs',
      kind: 'training-job',
      jobId: job.id,
      instanceId: this.instanceId,
      logger: this.logger,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      beatRunner: async () => {
        if (!this.runnerHeartbeat) await this.beatRunner(); // runNext without start(): the CLI
      },
      onChanged: () => this.onJobChanged(job.id),
      onEnded: (outcome) => reportTrainingJob(job.id, outcome, job.startedAt), // metrics hook
    });
    this.current = run;
    // Claimed while stop() was being called: back to the queue at once.
    if (this.loop.stopping) run.interrupt();
    try {
      await run.run(
        () =>
          this.execute(job, {
            signal: run.signal,
            onEpoch: async (progress) => {
              await this.prisma.$transaction([
                this.prisma.trainingEpoch.create({ data: { jobId: job.id, ...progress } }),
                this.prisma.trainingJob.updateMany({ where: this.ownJob(job.id), data: { heartbeatAt: new Date() } }),
              ]);
              this.onEpochStored(job.id, progress);
              this.onJobChanged(job.id);
              await run.checkCancellation();
            },
            markSucceeded: async (tx, modelVersionId) => {
              const { count } = await tx.trainingJob.updateMany({
                where: { ...this.ownJob(job.id), cancelRequested: false },
                data: { status: 'SUCCEEDED', finishedAt: new Date(), modelVersionId, error: null },
              });
              if (count !== 1) throw new JobLostError(job.id);
            },
          }),
        { attempt: job.attempts },
      );
    } finally {
      this.current = null;
    }
  }
}
