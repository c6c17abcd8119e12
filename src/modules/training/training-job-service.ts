// Training jobs as clients see them: queue one (validated, returned at once), follow it, cancel it. A
// RUNNING job whose runner is dead shows as ORPHANED (platform/jobs/job-liveness.ts) until a runner settles it.
import type { PrismaClient, TrainingEpoch, TrainingJob } from '@prisma/client';
import { ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { resolvePage, toPage, type Page, type PageRequest } from '../../platform/db/pagination';
import { keysetConnection, mapConnection, type Connection, type ConnectionRequest } from '../../platform/db/connection';
import { detectorKind, totalStepsOf } from '../../detectors/registry';
import { datasetNamed } from '../datasets/dataset-service';
import { missingVersions, REGISTRY_LOCK_KEY } from '../registry/model-registry';
import { resolveTrainingRequest, type TrainingRequest, type TrainingRequestInput } from './training-request';
import { cancelJob } from '../../platform/jobs/job-claims';
import { DEFAULT_STALE_AFTER_MS, jobStateFilter, withShownStates } from '../../platform/jobs/job-liveness';
import type { JobState } from '../../platform/graphql/job';

/** A training job as clients see it. */
export type TrainingJobView = Omit<TrainingJob, 'status'> & { status: JobState };

export interface JobProgress {
  /** Cache key for clients: the job's id. */
  id: string;
  epochsCompleted: number;
  totalEpochs: number;
  lastLoss: number | null;
  lastValidationLoss: number | null;
  elapsedMs: number | null;
  /** Linear extrapolation of the mean epoch time; null before the first epoch or once finished. */
  estimatedRemainingMs: number | null;
}

export function jobProgress(job: TrainingJobView, epochs: readonly TrainingEpoch[]): JobProgress {
  const last = epochs[epochs.length - 1];
  const remainingEpochs = job.totalEpochs - (last?.epoch ?? 0);
  return {
    id: String(job.id),
    epochsCompleted: last?.epoch ?? 0,
    totalEpochs: job.totalEpochs,
    lastLoss: last?.loss ?? null,
    lastValidationLoss: last?.validationLoss ?? null,
    elapsedMs: last?.elapsedMs ?? null,
    estimatedRemainingMs: last && job.status === 'RUNNING' ? Math.round((last.elapsedMs / last.epoch) * remainingEpochs) : null,
  };
}

export class TrainingJobService {
  constructor(
    private readonly prisma: PrismaClient,
    /** Called after a job is queued or a cancellation is asked, to wake the runner. */
    private readonly notify: () => void = () => undefined,
    /** TRAINING_STALE_AFTER_MS: when a runner that stopped beating is taken for dead. */
    private readonly staleAfterMs: number = DEFAULT_STALE_AFTER_MS,
  ) {}

  private staleBefore(): Date {
    return new Date(Date.now() - this.staleAfterMs);
  }

  /** Jobs as clients see them: RUNNING jobs whose runner is dead are ORPHANED. */
  private views(jobs: TrainingJob[]): Promise<TrainingJobView[]> {
    return withShownStates(this.prisma, jobs, this.staleAfterMs);
  }

  /** Validates the request against the stored data and queues the job; nothing is written on error. */
  async enqueue(input: TrainingRequestInput): Promise<TrainingJobView> {
    const request = await this.withStoredDatasetName(resolveTrainingRequest(input));
    await this.checkUnitsExist(request);
    const data = { config: request as unknown as object, totalEpochs: totalStepsOf(detectorKind(request.kind), request.options) };
    const referenced = detectorKind(request.kind).referencedVersions?.(request.options) ?? [];
    // A job that builds on versions is queued under the registry lock, as deletions are decided: a version
    // cannot be deleted between this check and the job's insert (deleteModelVersion refuses a queued job's member).
    const job =
      referenced.length === 0
        ? await this.prisma.trainingJob.create({ data })
        : await this.prisma.$transaction(async (tx) => {
            await tx.$executeRaw`SELECT pg_advisory_xact_lock(${REGISTRY_LOCK_KEY})`;
            const missing = await missingVersions(tx, referenced);
            if (missing.length > 0) {
              throw new ServiceError(
                ErrorCode.INVALID_TRAINING_CONFIG,
                `${request.kind} builds on model versions that do not exist: ${missing.join(', ')}`,
              );
            }
            return tx.trainingJob.create({ data });
          });
    this.notify();
    return job;
  }

  /** The request naming its data set as stored (names match in any case); INVALID_TRAINING_CONFIG when there is none. */
  private async withStoredDatasetName(request: TrainingRequest): Promise<TrainingRequest> {
    const dataset = await this.prisma.dataset.findFirst({ where: datasetNamed(request.dataset), select: { name: true } });
    if (!dataset) {
      throw new ServiceError(
        ErrorCode.INVALID_TRAINING_CONFIG,
        `no data set named "${request.dataset}": import it first (the datasets query lists them; npm run cli -- import)`,
      );
    }
    return { ...request, dataset: dataset.name };
  }

  private async checkUnitsExist(request: TrainingRequest): Promise<void> {
    const stored = await this.prisma.engine.findMany({
      where: { dataset: datasetNamed(request.dataset), role: 'TRAIN' },
      select: { unit: true, lastCycle: true },
    });
    if (stored.length === 0) {
      throw new ServiceError(
        ErrorCode.INVALID_TRAINING_CONFIG,
        `no ${request.dataset} training engines are stored: no run-to-failure engines to train on`,
      );
    }
    const units = new Set(stored.map((engine) => engine.unit));
    const { trainUnits, calibrationUnits, testUnits } = request.split;
    for (const [field, list] of [
      ['trainUnits', trainUnits],
      ['calibrationUnits', calibrationUnits],
      ['testUnits', testUnits],
    ] as const) {
      const missing = list.filter((unit) => !units.has(unit));
      if (missing.length > 0) {
        throw new ServiceError(
          ErrorCode.INVALID_TRAINING_CONFIG,
          `${field} names ${request.dataset} training units that are not stored: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`,
        );
      }
    }
  }

  async get(id: number): Promise<TrainingJobView> {
    const [job] = await this.findMany([id]);
    if (!job) throw notFound('training job', id);
    return job;
  }

  async findMany(ids: readonly number[]): Promise<(TrainingJobView | null)[]> {
    const jobs = await this.views(await this.prisma.trainingJob.findMany({ where: { id: { in: [...ids] } } }));
    const byId = new Map(jobs.map((job) => [job.id, job]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async list(status?: JobState | null, pageRequest?: PageRequest | null): Promise<Page<TrainingJobView>> {
    const { offset, limit } = resolvePage(pageRequest);
    const where = await jobStateFilter(this.prisma, status, this.staleAfterMs);
    const [items, totalCount] = await Promise.all([
      this.prisma.trainingJob.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: offset, take: limit }),
      this.prisma.trainingJob.count({ where }),
    ]);
    return toPage(await this.views(items), totalCount, offset, limit);
  }

  /** Jobs newest first (in id order, descending), optionally of one status, as a cursor connection. */
  async connection(status?: JobState | null, request?: ConnectionRequest | null): Promise<Connection<TrainingJobView>> {
    const where = await jobStateFilter(this.prisma, status, this.staleAfterMs);
    const rows = await keysetConnection('trainingJob', 'desc', request, {
      rows: (id, order, take) => this.prisma.trainingJob.findMany({ where: { AND: [where, { id }] }, orderBy: { id: order }, take }),
      count: () => this.prisma.trainingJob.count({ where }),
    });
    return mapConnection(rows, (jobs) => this.views(jobs));
  }

  /** Epochs of several jobs, in epoch order (for batch loading). */
  async epochsOf(jobIds: readonly number[]): Promise<TrainingEpoch[][]> {
    const epochs = await this.prisma.trainingEpoch.findMany({
      where: { jobId: { in: [...jobIds] } },
      orderBy: [{ jobId: 'asc' }, { epoch: 'asc' }],
    });
    const byJob = new Map<number, TrainingEpoch[]>(jobIds.map((id) => [id, []]));
    for (const epoch of epochs) byJob.get(epoch.jobId)?.push(epoch);
    return jobIds.map((id) => byJob.get(id) ?? []);
  }

  /**
   * Cancels a job, for good: a queued job, or a running one whose runner is dead, is cancelled at once;
   * a running one is asked to stop and becomes CANCELLED within an epoch (or a heartbeat), or when a
   * runner recovers it should its runner die first (never re-queued). A finished job cannot be cancelled
   * (CONFLICT). One statement, so that a concurrent claim or recovery cannot slip between two steps.
   */
  async cancel(id: number): Promise<TrainingJobView> {
    const status = await cancelJob(this.prisma, 'training_jobs', id, this.staleBefore());
    if (status === null) {
      const job = await this.get(id);
      throw new ServiceError(ErrorCode.CONFLICT, `training job ${id} is ${job.status.toLowerCase()} and can no longer be cancelled`);
    }
    if (status === 'RUNNING') this.notify();
    return this.get(id);
  }
}
