// Runs queued training jobs, one at a time per process, with the queue in the database so that several
// replicas can share it: a job is claimed with FOR UPDATE SKIP LOCKED, kept alive by a heartbeat, and a
// job whose process died (stale heartbeat) is re-queued or, after too many attempts, marked failed.
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient, TrainingJob } from '@prisma/client';
import type { Logger } from '../../platform/observability/logger';
import { reportTrainingJob } from '../../platform/observability/events';
import { claimQueuedJob } from '../../platform/jobs/job-claims';

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
  /** Told of every stored epoch (e.g. to draw a progress bar). */
  onEpoch?: (jobId: number, progress: EpochProgress) => void;
}

export class JobLostError extends Error {
  constructor(jobId: number) {
    super(`training job ${jobId} is no longer claimed by this process`);
    this.name = 'JobLostError';
  }
}

type StopReason = 'cancelled' | 'shutdown';

export class TrainingJobRunner {
  readonly instanceId: string;
  private readonly pollIntervalMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly maxAttempts: number;
  private readonly onEpochStored: (jobId: number, progress: EpochProgress) => void;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private current: { jobId: number; controller: AbortController; reason: StopReason | null } | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly execute: JobExecutor,
    private readonly logger: Logger,
    options: RunnerOptions = {},
  ) {
    this.instanceId = options.instanceId ?? `runner-${randomUUID()}`;
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.onEpochStored = options.onEpoch ?? (() => undefined);
  }

  /** Starts processing the queue in the background. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run().catch((error) => this.logger.error({ err: error }, 'training job runner crashed'));
  }

  /** Asks the runner to look at the queue now (after an enqueue or a cancel). */
  wake(): void {
    this.wakeUp?.();
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
    this.stopping = true;
    if (this.current) {
      this.current.reason = 'shutdown';
      this.current.controller.abort();
    }
    this.wake();
    await this.loop;
    this.loop = null;
  }

  /**
   * Runs the next queued job (or the queued job `jobId`), if any, to its end. Exposed for the CLI and
   * tests.
   */
  async runNext(jobId?: number): Promise<TrainingJob | null> {
    await this.recoverOrphanedJobs();
    const job = await this.claimNext(jobId);
    if (!job) return null;
    await this.runJob(job);
    return this.prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const job = await this.runNext();
        if (job) continue;
      } catch (error) {
        this.logger.error({ err: error }, 'training job runner iteration failed');
      }
      await this.sleep(this.pollIntervalMs);
    }
  }

  /** Waits `ms`, or less when wake() is called. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** Re-queues (or fails, after maxAttempts) RUNNING jobs whose process stopped sending heartbeats. */
  async recoverOrphanedJobs(): Promise<number> {
    const staleBefore = new Date(Date.now() - this.staleAfterMs);
    const orphaned = await this.prisma.trainingJob.findMany({
      where: { status: 'RUNNING', OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: staleBefore } }] },
    });
    for (const job of orphaned) {
      const exhausted = job.attempts >= this.maxAttempts;
      const { count } = await this.prisma.trainingJob.updateMany({
        where: { id: job.id, status: 'RUNNING', claimedBy: job.claimedBy },
        data: exhausted
          ? {
              status: 'FAILED',
              finishedAt: new Date(),
              error: `the process running this job stopped during attempt ${job.attempts} of ${this.maxAttempts}`,
            }
          : {
              status: 'QUEUED',
              claimedBy: null,
              heartbeatAt: null,
              error: `attempt ${job.attempts} was interrupted (its process stopped); re-queued`,
            },
      });
      if (count === 1) this.logger.warn({ jobId: job.id, requeued: !exhausted }, 'recovered an orphaned training job');
      if (count === 1) reportTrainingJob(job.id, exhausted ? 'orphan_failed' : 'orphan_requeued', job.startedAt); // metrics hook
    }
    return orphaned.length;
  }

  private async claimNext(jobId?: number): Promise<TrainingJob | null> {
    const id = await claimQueuedJob(this.prisma, 'training_jobs', this.instanceId, jobId ?? null, 'cancel_requested = false');
    if (id === null) return null;
    // A re-queued job starts over: progress of an earlier attempt is not this attempt's progress.
    await this.prisma.trainingEpoch.deleteMany({ where: { jobId: id } });
    return this.prisma.trainingJob.findUniqueOrThrow({ where: { id } });
  }

  private ownJob(jobId: number): Prisma.TrainingJobWhereInput {
    return { id: jobId, status: 'RUNNING', claimedBy: this.instanceId };
  }

  private async runJob(job: TrainingJob): Promise<void> {
    const controller = new AbortController();
    const current: { jobId: number; controller: AbortController; reason: StopReason | null } = { jobId: job.id, controller, reason: null };
    this.current = current;
    const heartbeat = setInterval(() => void this.beat(current), this.heartbeatIntervalMs);
    this.logger.info({ jobId: job.id, attempt: job.attempts }, 'training job started');
    try {
      await this.execute(job, {
        signal: controller.signal,
        onEpoch: async (progress) => {
          await this.prisma.$transaction([
            this.prisma.trainingEpoch.create({ data: { jobId: job.id, ...progress } }),
            this.prisma.trainingJob.updateMany({ where: this.ownJob(job.id), data: { heartbeatAt: new Date() } }),
          ]);
          this.onEpochStored(job.id, progress);
          await this.checkCancellation(current);
        },
        markSucceeded: async (tx, modelVersionId) => {
          const { count } = await tx.trainingJob.updateMany({
            where: { ...this.ownJob(job.id), cancelRequested: false },
            data: { status: 'SUCCEEDED', finishedAt: new Date(), modelVersionId, error: null },
          });
          if (count !== 1) throw new JobLostError(job.id);
        },
      });
      this.logger.info({ jobId: job.id }, 'training job succeeded');
      reportTrainingJob(job.id, 'succeeded', job.startedAt); // metrics hook
    } catch (error) {
      await this.finishUnsuccessfully(job, current, error);
    } finally {
      clearInterval(heartbeat);
      this.current = null;
    }
  }

  private async finishUnsuccessfully(job: TrainingJob, current: { reason: StopReason | null }, error: unknown): Promise<void> {
    const reason = current.reason ?? ((await this.cancelRequested(job.id)) ? 'cancelled' : null);
    if (reason === 'shutdown') {
      await this.prisma.trainingJob.updateMany({
        where: this.ownJob(job.id),
        data: {
          status: 'QUEUED',
          claimedBy: null,
          heartbeatAt: null,
          attempts: { decrement: 1 },
          error: 'interrupted by a shutdown; re-queued',
        },
      });
      this.logger.info({ jobId: job.id }, 'training job interrupted by shutdown and re-queued');
      reportTrainingJob(job.id, 'interrupted', job.startedAt); // metrics hook
    } else if (reason === 'cancelled') {
      await this.prisma.trainingJob.updateMany({ where: this.ownJob(job.id), data: { status: 'CANCELLED', finishedAt: new Date() } });
      this.logger.info({ jobId: job.id }, 'training job cancelled');
      reportTrainingJob(job.id, 'cancelled', job.startedAt); // metrics hook
    } else {
      const message = error instanceof Error ? error.message : String(error);
      await this.prisma.trainingJob.updateMany({
        where: this.ownJob(job.id),
        data: { status: 'FAILED', finishedAt: new Date(), error: message },
      });
      this.logger.error({ jobId: job.id, err: error }, 'training job failed');
      reportTrainingJob(job.id, 'failed', job.startedAt); // metrics hook
    }
  }

  private async cancelRequested(jobId: number): Promise<boolean> {
    const job = await this.prisma.trainingJob.findUnique({ where: { id: jobId }, select: { cancelRequested: true } });
    return job?.cancelRequested ?? false;
  }

  private async checkCancellation(current: { jobId: number; controller: AbortController; reason: StopReason | null }): Promise<void> {
    if (current.reason === null && (await this.cancelRequested(current.jobId))) {
      current.reason = 'cancelled';
      current.controller.abort();
    }
  }

  private async beat(current: { jobId: number; controller: AbortController; reason: StopReason | null }): Promise<void> {
    try {
      const { count } = await this.prisma.trainingJob.updateMany({ where: this.ownJob(current.jobId), data: { heartbeatAt: new Date() } });
      if (count === 0 && current.reason === null) {
        // Another runner judged this job orphaned and took it back: stop working on it.
        current.reason = 'cancelled';
        current.controller.abort();
        return;
      }
      await this.checkCancellation(current);
    } catch (error) {
      this.logger.warn({ err: error, jobId: current.jobId }, 'training job heartbeat failed');
    }
  }
}
