// Batch jobs as clients see them: an evaluation or a scoring of a model version over many engines,
// validated and queued at once (the runner does the work, batch-job-runner.ts), followed through its
// progress, cancelled, and read back: the evaluation it stored, or what each engine scored. An identical
// request while a job is QUEUED or RUNNING joins that job rather than queuing the same work twice.
import { createHash } from 'node:crypto';
import {
  Prisma,
  type BatchJob,
  type BatchJobEngine,
  type BatchJobKind,
  type Engine,
  type Evaluation,
  type EngineRole,
  type PrismaClient,
} from '@prisma/client';
import { ErrorCode, badInput, notFound, ServiceError } from '../../platform/errors';
import { resolvePage, toPage, type Page, type PageRequest } from '../../platform/db/pagination';
import { keysetConnection, mapConnection, type Connection, type ConnectionRequest } from '../../platform/db/connection';
import { cancelJob } from '../../platform/jobs/job-claims';
import { DEFAULT_STALE_AFTER_MS, jobStateFilter, withShownStates } from '../../platform/jobs/job-liveness';
import { datasetNamed } from '../datasets/dataset-service';
import { MAX_EVALUATED_UNITS, type EvaluationRequest, type EvaluationService, type ResolvedSplit } from '../evaluation/evaluation-service';
import type { ModelRegistry, VersionSummary } from '../registry/model-registry';
import type { UnitRange } from '../training/training-request';
import type { JobState } from '../../platform/graphql/job';

/** Most engines one batch job works through. */
export const MAX_BATCH_ENGINES = MAX_EVALUATED_UNITS;

/** A batch job as clients see it: RUNNING jobs whose runner is dead are ORPHANED. */
export type BatchJobView = Omit<BatchJob, 'status'> & { status: JobState };

/** The engines a scoring job scores: those of a data set (one role, some units), or listed by id. */
export interface ScoringBatchRequest {
  dataset?: string | null;
  role?: EngineRole | null;
  units?: UnitRange[] | null;
  engineIds?: number[] | null;
}

/** An EVALUATION job's stored request: the split resolved when queued. */
export type StoredEvaluationRequest = ResolvedSplit;

/** A SCORING job's stored request: what was asked, names as stored. */
export interface StoredScoringRequest {
  dataset: string | null;
  role: EngineRole | null;
  units: number[] | null;
  engineIds: number[] | null;
}

export interface BatchProgress {
  /** Cache key for clients: the job's id. */
  id: string;
  enginesDone: number;
  totalEngines: number;
  windowsDone: number;
  totalWindows: number;
}

export function batchProgress(
  job: Pick<BatchJob, 'id' | 'engineIds' | 'totalWindows'>,
  done: Pick<BatchProgress, 'enginesDone' | 'windowsDone'>,
): BatchProgress {
  return { id: String(job.id), ...done, totalEngines: job.engineIds.length, totalWindows: job.totalWindows };
}

/** Windows of `engine` a version of `windowLength` scores (stride 1). */
export function windowsOf(engine: Pick<Engine, 'lastCycle'>, windowLength: number): number {
  return Math.max(0, engine.lastCycle - windowLength + 1);
}

function unitsOf(ranges: readonly UnitRange[]): number[] {
  let total = 0;
  for (const [index, range] of ranges.entries()) {
    if (!Number.isInteger(range.from) || !Number.isInteger(range.to) || range.from < 1 || range.to < range.from) {
      throw badInput(`units[${index}] must be a range with 1 <= from <= to, got ${range.from}..${range.to}`);
    }
    total += range.to - range.from + 1;
    if (total > MAX_BATCH_ENGINES) throw tooManyEngines();
  }
  if (total === 0) throw badInput('units must list at least one unit');
  const units = new Set<number>();
  for (const range of ranges) for (let unit = range.from; unit <= range.to; unit++) units.add(unit);
  return [...units].sort((a, b) => a - b);
}

function tooManyEngines(): ServiceError {
  return new ServiceError(ErrorCode.BATCH_TOO_LARGE, `a batch job works through at most ${MAX_BATCH_ENGINES} engines`, {
    limit: MAX_BATCH_ENGINES,
  });
}

export class BatchJobService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly registry: ModelRegistry,
    private readonly evaluations: EvaluationService,
    /** Called after a job is queued or a cancellation is asked, to wake the runner. */
    private readonly notify: () => void = () => undefined,
    private readonly staleAfterMs: number = DEFAULT_STALE_AFTER_MS,
  ) {}

  /**
   * Queues the evaluation of a version on a split (as evaluateModelVersion takes it, units optional: the
   * version's test units, or every stored engine of the data set and role), checked first.
   */
  async startEvaluation(versionId: number, request: EvaluationRequest = {}): Promise<BatchJobView> {
    const plan = await this.evaluations.plan(versionId, request);
    const stored: StoredEvaluationRequest = plan.split;
    return this.enqueue('EVALUATION', plan.version, stored, plan.engines);
  }

  /** Queues the scoring of every window of some engines with a version (default: the active one). */
  async startScoring(versionId: number | null | undefined, request: ScoringBatchRequest): Promise<BatchJobView> {
    const { stored, engines } = await this.scoringEngines(request);
    const version = await this.registry.resolve(versionId);
    return this.enqueue('SCORING', version, stored, engines);
  }

  private async scoringEngines(request: ScoringBatchRequest): Promise<{ stored: StoredScoringRequest; engines: Engine[] }> {
    const byIds = request.engineIds != null;
    if (byIds === (request.dataset != null)) throw badInput('name either a data set (dataset) or engines (engineIds), not both');
    if (byIds) {
      if (request.role != null || request.units != null) throw badInput('role and units select engines of a data set: not with engineIds');
      const ids = [...new Set(request.engineIds)];
      if (ids.length === 0) throw badInput('engineIds must list at least one engine');
      if (ids.length > MAX_BATCH_ENGINES) throw tooManyEngines();
      const engines = await this.prisma.engine.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
      const missing = ids.filter((id) => !engines.some((engine) => engine.id === id));
      if (missing.length > 0) throw new ServiceError(ErrorCode.NOT_FOUND, `engines not stored: ${missing.slice(0, 10).join(', ')}`);
      return { stored: { dataset: null, role: null, units: null, engineIds: engines.map((engine) => engine.id) }, engines };
    }
    if (request.units != null && request.role == null) throw badInput('units are numbered within a role: give role with units');
    const units = request.units == null ? null : unitsOf(request.units);
    const dataset = await this.prisma.dataset.findFirst({ where: datasetNamed(request.dataset!), select: { id: true, name: true } });
    if (!dataset) throw new ServiceError(ErrorCode.NOT_FOUND, `no data set named "${request.dataset}"`);
    const engines = await this.prisma.engine.findMany({
      where: { datasetId: dataset.id, ...(request.role ? { role: request.role } : {}), ...(units ? { unit: { in: units } } : {}) },
      orderBy: [{ role: 'asc' }, { unit: 'asc' }, { id: 'asc' }],
      take: MAX_BATCH_ENGINES + 1,
    });
    if (engines.length > MAX_BATCH_ENGINES) throw tooManyEngines();
    if (units) {
      const missing = units.filter((unit) => !engines.some((engine) => engine.unit === unit));
      if (missing.length > 0) {
        throw new ServiceError(
          ErrorCode.NOT_FOUND,
          `${dataset.name} ${request.role!.toLowerCase()} units not stored: ${missing.slice(0, 10).join(', ')}`,
        );
      }
    }
    if (engines.length === 0) throw new ServiceError(ErrorCode.NOT_FOUND, `${dataset.name} holds no such engines`);
    return { stored: { dataset: dataset.name, role: request.role ?? null, units, engineIds: null }, engines };
  }

  /** Queues a job, or returns the active job of the same kind, version and request. */
  private async enqueue(kind: BatchJobKind, version: VersionSummary, request: object, engines: Engine[]): Promise<BatchJobView> {
    const activeKey = createHash('sha256')
      .update(JSON.stringify([kind, version.id, request]))
      .digest('hex');
    const data = {
      kind,
      modelVersionId: version.id,
      request: request as Prisma.InputJsonValue,
      engineIds: engines.map((engine) => engine.id),
      totalWindows: engines.reduce((total, engine) => total + windowsOf(engine, version.windowLength), 0),
      activeKey,
    };
    for (;;) {
      const active = await this.prisma.batchJob.findUnique({ where: { activeKey } });
      if (active) return (await this.views([active]))[0];
      try {
        const job = await this.prisma.batchJob.create({ data });
        this.notify();
        return job;
      } catch (error) {
        // Another request queued the same job meanwhile: join it (or queue again if it already ended).
        if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
      }
    }
  }

  private staleBefore(): Date {
    return new Date(Date.now() - this.staleAfterMs);
  }

  /** Jobs as clients see them: RUNNING jobs whose runner is dead are ORPHANED. */
  private views(jobs: BatchJob[]): Promise<BatchJobView[]> {
    return withShownStates(this.prisma, jobs, this.staleAfterMs);
  }

  async get(id: number): Promise<BatchJobView> {
    const [job] = await this.findMany([id]);
    if (!job) throw notFound('batch job', id);
    return job;
  }

  async findMany(ids: readonly number[]): Promise<(BatchJobView | null)[]> {
    const jobs = await this.views(await this.prisma.batchJob.findMany({ where: { id: { in: [...ids] } } }));
    const byId = new Map(jobs.map((job) => [job.id, job]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Jobs newest first, optionally of one kind and state. */
  async list(kind?: BatchJobKind | null, status?: JobState | null, pageRequest?: PageRequest | null): Promise<Page<BatchJobView>> {
    const { offset, limit } = resolvePage(pageRequest);
    const where: Prisma.BatchJobWhereInput = {
      ...(kind ? { kind } : {}),
      ...(await jobStateFilter(this.prisma, status, this.staleAfterMs)),
    };
    const [items, totalCount] = await Promise.all([
      this.prisma.batchJob.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: offset, take: limit }),
      this.prisma.batchJob.count({ where }),
    ]);
    return toPage(await this.views(items), totalCount, offset, limit);
  }

  /** Jobs newest first (in id order, descending), optionally of one kind and state, as a cursor connection. */
  async connection(
    kind?: BatchJobKind | null,
    status?: JobState | null,
    request?: ConnectionRequest | null,
  ): Promise<Connection<BatchJobView>> {
    const where: Prisma.BatchJobWhereInput = {
      ...(kind ? { kind } : {}),
      ...(await jobStateFilter(this.prisma, status, this.staleAfterMs)),
    };
    const rows = await keysetConnection('batchJob', 'desc', request, {
      rows: (id, order, take) => this.prisma.batchJob.findMany({ where: { AND: [where, { id }] }, orderBy: { id: order }, take }),
      count: () => this.prisma.batchJob.count({ where }),
    });
    return mapConnection(rows, (jobs) => this.views(jobs));
  }

  /** Engines finished and their windows, of several jobs (for batch loading). */
  async doneOf(jobIds: readonly number[]): Promise<Pick<BatchProgress, 'enginesDone' | 'windowsDone'>[]> {
    const done = await this.prisma.batchJobEngine.groupBy({
      by: ['jobId'],
      where: { jobId: { in: [...jobIds] } },
      _count: { _all: true },
      _sum: { windows: true },
    });
    const byJob = new Map(done.map((row) => [row.jobId, row]));
    return jobIds.map((id) => ({ enginesDone: byJob.get(id)?._count._all ?? 0, windowsDone: byJob.get(id)?._sum.windows ?? 0 }));
  }

  /** The evaluations of several ids (for batch loading). */
  async evaluationsOf(ids: readonly number[]): Promise<(Evaluation | null)[]> {
    const rows = await this.prisma.evaluation.findMany({ where: { id: { in: [...ids] } } });
    return ids.map((id) => rows.find((row) => row.id === id) ?? null);
  }

  /** What each engine scored, in engine order (NOT_FOUND for an unknown job). */
  async engineResults(jobId: number, pageRequest?: PageRequest | null): Promise<Page<BatchJobEngine>> {
    const { offset, limit } = resolvePage(pageRequest);
    const [items, totalCount] = await Promise.all([
      this.prisma.batchJobEngine.findMany({ where: { jobId }, orderBy: { engineId: 'asc' }, skip: offset, take: limit }),
      this.prisma.batchJobEngine.count({ where: { jobId } }),
    ]);
    return toPage(items, totalCount, offset, limit);
  }

  /** What each engine scored, in engine order, as a cursor connection keyed by engine id (one list per job). */
  engineResultsConnection(jobId: number, request?: ConnectionRequest | null): Promise<Connection<BatchJobEngine>> {
    return keysetConnection<BatchJobEngine>(`batchJobEngine:${jobId}`, 'asc', request, {
      rows: (engineId, order, take) =>
        this.prisma.batchJobEngine.findMany({ where: { jobId, engineId }, orderBy: { engineId: order }, take }),
      count: () => this.prisma.batchJobEngine.count({ where: { jobId } }),
      key: (row) => row.engineId,
    });
  }

  /**
   * Cancels a job, for good: a queued job (or a running one whose runner is dead) at once; a running one
   * stops before its next engine. CONFLICT for a job that has ended.
   */
  async cancel(id: number): Promise<BatchJobView> {
    const status = await cancelJob(this.prisma, 'batch_jobs', id, this.staleBefore(), { active_key: 'NULL' });
    if (status === null) {
      const job = await this.get(id);
      throw new ServiceError(ErrorCode.CONFLICT, `batch job ${id} is ${job.status.toLowerCase()} and can no longer be cancelled`);
    }
    if (status === 'RUNNING') this.notify();
    return this.get(id);
  }
}
