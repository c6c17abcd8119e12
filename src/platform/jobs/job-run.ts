// One claimed job of a cancellable queue (training jobs, batch jobs) run to its end, the same for every
// kind: a heartbeat on its row while it runs, cancel checks, and its end written in one update that
// holds only while this runner still owns the job (RUNNING and claimed by it). A job another runner
// took back as orphaned is left alone. The work itself (and its success, written in the transaction
// that stores its result) is the caller's.
import type { PrismaClient } from '@prisma/client';
import type { Logger } from '../observability/logger';
import { runOperation, type Operation } from '../observability/operations';
import { utc, type CancellableJobTable } from './job-claims';

/** How a run ended: interrupted is a shutdown's (the job went back to the queue, its attempt not counted). */
export type JobRunOutcome = 'succeeded' | 'interrupted' | 'cancelled' | 'failed';

export interface JobRunOptions {
  prisma: Pick<PrismaClient, '$executeRawUnsafe' | '$queryRawUnsafe'>;
  table: CancellableJobTable;
  /** The operation kind, also the job's name in logs ('training-job': "training job started"). */
  kind: Extract<Operation['kind'], `${string}-job`>;
  jobId: number;
  instanceId: string;
  logger: Logger;
  heartbeatIntervalMs: number;
  /** SQL assignments made when the job ends here, cancelled or failed (e.g. { active_key: 'NULL' }). */
  ended?: Record<string, string>;
  /** Runs after each heartbeat of the job's row (the runner's own heartbeat, if it has no timer of its own). */
  beatRunner(): Promise<void>;
  /** Told once a change of the job's state or progress is stored. */
  onChanged(): void;
  /** Told how the run ended, once its end is stored (metrics). */
  onEnded?(outcome: JobRunOutcome): void;
}

export class JobRun {
  private readonly controller = new AbortController();
  private reason: 'cancelled' | 'shutdown' | null = null;
  /** An error nothing caught in the job's work (src/main/process-errors.ts): it fails the job. */
  private strayError: { error: unknown } | undefined;
  private readonly name: string;

  constructor(private readonly options: JobRunOptions) {
    this.name = options.kind.replace('-', ' ');
  }

  get jobId(): number {
    return this.options.jobId;
  }

  /** Aborted when the job is cancelled, lost or interrupted: the work checks it between its steps. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops the work for a shutdown: the job goes back to the queue, its attempt not counted. */
  interrupt(): void {
    this.reason = 'shutdown';
    this.controller.abort();
  }

  /** Aborts the work when a cancel was asked (after each stored step, and with each heartbeat). */
  async checkCancellation(): Promise<void> {
    if (this.reason === null && (await this.cancelRequested())) {
      this.reason = 'cancelled';
      this.controller.abort();
    }
  }

  /**
   * Runs `work` as an operation, with a heartbeat, and stores how the job ended when the work threw:
   * re-queued after a shutdown, cancelled when a cancel was asked (even during a shutdown), else failed
   * with the error. Resolves once the end is stored; never rejects for the work's error.
   */
  async run(work: () => Promise<void>, started: Record<string, unknown> = {}): Promise<void> {
    await runOperation(this.operation(), async () => {
      const heartbeat = setInterval(() => void this.beat(), this.options.heartbeatIntervalMs);
      this.options.onChanged();
      this.options.logger.info({ jobId: this.jobId, ...started }, `${this.name} started`);
      try {
        await work();
        this.options.logger.info({ jobId: this.jobId }, `${this.name} succeeded`);
        this.options.onEnded?.('succeeded');
      } catch (error) {
        await this.finishUnsuccessfully(this.strayError ? this.strayError.error : error);
      } finally {
        clearInterval(heartbeat);
        this.options.onChanged();
      }
    });
  }

  private operation(): Operation {
    return {
      kind: this.options.kind,
      id: String(this.jobId),
      fail: (error) => {
        if (this.strayError) return;
        this.strayError = { error };
        this.controller.abort(error);
      },
    };
  }

  private async finishUnsuccessfully(error: unknown): Promise<void> {
    const { logger } = this.options;
    // A cancel asked during a shutdown still wins: a re-queued job would never run nor finish.
    const reason = this.reason !== 'cancelled' && (await this.cancelRequested()) ? 'cancelled' : this.reason;
    const ended = Object.entries(this.options.ended ?? {}).map(([column, value]) => `${column} = ${value}`);
    if (reason === 'shutdown') {
      await this.updateOwned(
        [`status = 'QUEUED'`, 'claimed_by = NULL', 'heartbeat_at = NULL', 'attempts = attempts - 1', 'error = $3'],
        'interrupted by a shutdown; re-queued',
      );
      logger.info({ jobId: this.jobId }, `${this.name} interrupted by shutdown and re-queued`);
      this.options.onEnded?.('interrupted');
    } else if (reason === 'cancelled') {
      await this.updateOwned([`status = 'CANCELLED'`, 'finished_at = $3::timestamp', ...ended], utc(new Date()));
      logger.info({ jobId: this.jobId }, `${this.name} cancelled`);
      this.options.onEnded?.('cancelled');
    } else {
      const message = error instanceof Error ? error.message : String(error);
      await this.updateOwned([`status = 'FAILED'`, 'finished_at = $3::timestamp', 'error = $4', ...ended], utc(new Date()), message);
      logger.error({ jobId: this.jobId, err: error }, `${this.name} failed`);
      this.options.onEnded?.('failed');
    }
  }

  /** Makes `assignments` ($3 and on are `values`) while this runner owns the job; resolves with the rows changed (0 or 1). */
  private updateOwned(assignments: string[], ...values: unknown[]): Promise<number> {
    return this.options.prisma.$executeRawUnsafe(
      `UPDATE ${this.options.table} SET ${assignments.join(', ')}
        WHERE id = $1::int4 AND status = 'RUNNING' AND claimed_by = $2`,
      this.jobId,
      this.options.instanceId,
      ...values,
    );
  }

  private async cancelRequested(): Promise<boolean> {
    const rows = await this.options.prisma.$queryRawUnsafe<{ cancel_requested: boolean }[]>(
      `SELECT cancel_requested FROM ${this.options.table} WHERE id = $1::int4`,
      this.jobId,
    );
    return rows[0]?.cancel_requested ?? false;
  }

  private async beat(): Promise<void> {
    try {
      const count = await this.updateOwned(['heartbeat_at = $3::timestamp'], utc(new Date()));
      await this.options.beatRunner();
      if (count === 0 && this.reason === null) {
        // Another runner judged this job orphaned and took it back: stop working on it.
        this.reason = 'cancelled';
        this.controller.abort();
        return;
      }
      await this.checkCancellation();
    } catch (error) {
      this.options.logger.warn({ err: error, jobId: this.jobId }, `${this.name} heartbeat failed`);
    }
  }
}
