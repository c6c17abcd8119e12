// Runs queued imports, one at a time per process, from the queue in the imports table shared by every
// replica (claimed like training jobs: ../../platform/jobs/job-claims.ts). A heartbeat marks the import
// alive; an import whose process died (stale heartbeat) goes back to the queue, its upload still stored,
// or fails after maxAttempts. An import's transaction dies with its process, so a re-run starts clean.
import { randomUUID } from 'node:crypto';
import type { DatasetImport, PrismaClient } from '@prisma/client';
import { claimQueuedJob } from '../../platform/jobs/job-claims';
import { PollingLoop } from '../../platform/jobs/polling-loop';
import type { Logger } from '../../platform/observability/logger';
import type { DatasetImportService } from './dataset-import-service';

export interface ImportRunnerOptions {
  instanceId?: string;
  pollIntervalMs?: number;
  heartbeatIntervalMs?: number;
  staleAfterMs?: number;
  maxAttempts?: number;
}

export class ImportJobRunner {
  readonly instanceId: string;
  private readonly heartbeatIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly maxAttempts: number;
  private readonly loop: PollingLoop;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly imports: DatasetImportService,
    private readonly logger: Logger,
    options: ImportRunnerOptions = {},
  ) {
    this.instanceId = options.instanceId ?? `import-runner-${randomUUID()}`;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.loop = new PollingLoop('import runner', options.pollIntervalMs ?? 2_000, async () => (await this.runNext()) !== null, logger);
  }

  start(): void {
    this.loop.start();
  }

  /** Looks at the queue now (after an upload). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops after the import in progress, if any (an import is one transaction: it is not interrupted). */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Runs the next queued import (or the queued import `importId`) to its end; null when none is queued. */
  async runNext(importId?: number): Promise<DatasetImport | null> {
    await this.recoverOrphans();
    const id = await claimQueuedJob(this.prisma, 'imports', this.instanceId, { jobId: importId });
    if (id === null) return null;
    const job = await this.prisma.datasetImport.findUniqueOrThrow({ where: { id } });
    // Beats are awaited before returning: a Prisma write still in flight when the client disconnects
    // holds its connection for good (see ProgressWriter).
    let beating: Promise<void> | null = null;
    const heartbeat = setInterval(() => {
      beating ??= this.prisma.datasetImport
        .updateMany({ where: { id, status: 'RUNNING', claimedBy: this.instanceId }, data: { heartbeatAt: new Date() } })
        .then(
          () => undefined,
          (error: unknown) => this.logger.warn({ err: error, importId: id }, 'import heartbeat failed'),
        )
        .finally(() => (beating = null));
    }, this.heartbeatIntervalMs);
    try {
      return await this.imports.run(job, this.instanceId);
    } finally {
      clearInterval(heartbeat);
      await beating;
    }
  }

  /** Re-queues (or fails, after maxAttempts) RUNNING imports whose process stopped sending heartbeats. */
  async recoverOrphans(): Promise<number> {
    const staleBefore = new Date(Date.now() - this.staleAfterMs);
    const orphans = await this.prisma.datasetImport.findMany({
      where: { status: 'RUNNING', OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: staleBefore } }] },
    });
    for (const orphan of orphans) {
      const exhausted = orphan.attempts >= this.maxAttempts;
      const { count } = await this.prisma.datasetImport.updateMany({
        where: { id: orphan.id, status: 'RUNNING', claimedBy: orphan.claimedBy },
        data: exhausted
          ? {
              status: 'FAILED',
              finishedAt: new Date(),
              error: {
                code: 'INTERRUPTED',
                message: `the process running this import stopped during attempt ${orphan.attempts}`,
                file: orphan.fileName,
                line: null,
                column: null,
              },
            }
          : { status: 'QUEUED', claimedBy: null, heartbeatAt: null },
      });
      if (count === 1) this.logger.warn({ importId: orphan.id, requeued: !exhausted }, 'recovered an orphaned import');
      if (count === 1 && exhausted) await this.prisma.importChunk.deleteMany({ where: { importId: orphan.id } });
    }
    return orphans.length;
  }
}
