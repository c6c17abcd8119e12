// What each kind of batch job does, engine by engine: every window scored and stored once (the
// trajectory store, which also raises the k-of-n alerts), each engine's outcome recorded as it finishes
// (the job's progress, and where a re-run attempt resumes). An evaluation then measures the scores of
// all its engines exactly as evaluateModelVersion does and stores the evaluation with its success.
import type { BatchJob, BatchJobKind, Engine, PrismaClient } from '@prisma/client';
import type { QueryExecutor } from '../../platform/db/migrations';
import type { EvaluationService } from '../evaluation/evaluation-service';
import type { LoadedModel, ModelRegistry } from '../registry/model-registry';
import type { TrajectoryService } from '../scoring/trajectory-service';
import type { BatchJobExecutor, BatchJobHooks, EngineOutcome } from './batch-job-runner';
import type { StoredEvaluationRequest } from './batch-job-service';

export interface BatchWorkDependencies {
  prisma: PrismaClient;
  query: QueryExecutor;
  registry: ModelRegistry;
  trajectories: TrajectoryService;
  evaluations: EvaluationService;
}

/** Windows of an engine under a version, flagged ones and the first flagged, from the stored scores. */
async function outcomeOf(query: QueryExecutor, engineId: number, loaded: LoadedModel): Promise<EngineOutcome> {
  const [row] = await query<{ windows: number; flagged: number; first_flagged_cycle: number | null }>(
    `SELECT count(*)::int4 AS windows, count(*) FILTER (WHERE s.is_anomaly)::int4 AS flagged,
            min(s.end_cycle) FILTER (WHERE s.is_anomaly) AS first_flagged_cycle
       FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'ENGINE' AND w.length = $3
      WHERE s.model_version_id = $1 AND s.engine_id = $2`,
    [loaded.version.id, engineId, loaded.version.windowLength],
  );
  return { engineId, windows: row.windows, flagged: row.flagged, firstFlaggedCycle: row.first_flagged_cycle };
}

/** The job's engines in its order; an engine deleted since it was queued fails the job, naming it. */
async function enginesOf(prisma: PrismaClient, job: BatchJob): Promise<Engine[]> {
  const engines = await prisma.engine.findMany({ where: { id: { in: job.engineIds } } });
  const byId = new Map(engines.map((engine) => [engine.id, engine]));
  const missing = job.engineIds.filter((id) => !byId.has(id));
  if (missing.length > 0) throw new Error(`engines deleted since the job was queued: ${missing.slice(0, 10).join(', ')}`);
  return job.engineIds.map((id) => byId.get(id)!);
}

/** Scores every engine not finished yet, recording each one's outcome. */
async function scoreEngines(deps: BatchWorkDependencies, engines: Engine[], loaded: LoadedModel, hooks: BatchJobHooks): Promise<void> {
  for (const engine of engines) {
    hooks.signal.throwIfAborted();
    if (hooks.finished.has(engine.id)) continue;
    await deps.trajectories.ensureScored(engine, loaded);
    await hooks.engineDone(await outcomeOf(deps.query, engine.id, loaded));
  }
}

export function batchJobExecutors(deps: BatchWorkDependencies): Record<BatchJobKind, BatchJobExecutor> {
  return {
    SCORING: async (job, hooks) => {
      const loaded = await deps.registry.load(await deps.registry.get(job.modelVersionId));
      await scoreEngines(deps, await enginesOf(deps.prisma, job), loaded, hooks);
      await deps.prisma.$transaction((tx) => hooks.markSucceeded(tx, null));
    },
    EVALUATION: async (job, hooks) => {
      const version = await deps.registry.get(job.modelVersionId);
      const engines = await enginesOf(deps.prisma, job);
      await scoreEngines(deps, engines, await deps.registry.load(version), hooks);
      const plan = deps.evaluations.planOf(version, job.request as unknown as StoredEvaluationRequest, engines);
      const measured = await deps.evaluations.measure(plan);
      await deps.prisma.$transaction(async (tx) => hooks.markSucceeded(tx, await deps.evaluations.store(tx, plan, measured)));
    },
  };
}
