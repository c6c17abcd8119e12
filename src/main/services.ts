// The use cases of the service, wired to one database.
import { ApiKeyService } from '../modules/api-keys/api-key-service';
import type { Database } from '../platform/db/database';
import type { Logger } from '../platform/observability/logger';
import type { Reconstruct } from '../detectors/lstm-autoencoder/engine';
import { EngineService } from '../modules/engines/engine-service';
import { ModelRegistry } from '../modules/registry/model-registry';
import { SCORING_METHODS } from '../detectors/lstm-autoencoder/scoring';
import { ServiceInfoService } from '../modules/service-info/service-info-service';
import { ScoringService, type BatchingOptions } from '../modules/scoring/scoring-service';
import { EvaluationService } from '../modules/evaluation/evaluation-service';
import { LiveEngineService } from '../modules/engines/live-engine-service';
import { TrajectoryService } from '../modules/scoring/trajectory-service';
import { TrainingJobRunner, type RunnerOptions } from '../modules/training/training-job-runner';
import { TrainingJobService } from '../modules/training/training-job-service';
import { TrainingPipeline, type PipelineOptions } from '../modules/training/training-pipeline';

export interface AppServices {
  database: Database;
  apiKeys: ApiKeyService;
  engines: EngineService;
  models: ModelRegistry;
  jobs: TrainingJobService;
  scoring: ScoringService;
  trajectories: TrajectoryService;
  liveEngines: LiveEngineService;
  evaluations: EvaluationService;
  info: ServiceInfoService;
  /** Runs queued training jobs; started by the server (not by the CLI or tests unless they ask). */
  runner: TrainingJobRunner;
}

export interface ServiceOptions {
  runner?: RunnerOptions;
  pipeline?: PipelineOptions;
  batching?: BatchingOptions;
  /** Where forward passes run (default: the calling thread; the server gives an InferenceThread's). */
  reconstruct?: Reconstruct;
  /** How long a verified API key is remembered (AUTH_CACHE_TTL_MS). */
  apiKeyCacheTtlMs?: number;
}

export function createServices(database: Database, logger: Logger, options: ServiceOptions = {}): AppServices {
  const models = new ModelRegistry(database.prisma);
  const pipeline = new TrainingPipeline(database.prisma, models, logger, { reconstruct: options.reconstruct, ...options.pipeline });
  const runner = new TrainingJobRunner(database.prisma, pipeline.execute, logger, options.runner);
  const engines = new EngineService(database.prisma);
  const trajectories = new TrajectoryService(database.prisma, database.query, engines, models, options.reconstruct);
  return {
    database,
    apiKeys: new ApiKeyService(database.prisma, {
      cacheTtlMs: options.apiKeyCacheTtlMs,
      onTouchError: (error) => logger.warn({ err: error }, 'could not record the last use of an API key'),
    }),
    engines,
    models,
    scoring: new ScoringService(database.prisma, database.query, models, options.batching, options.reconstruct),
    trajectories,
    liveEngines: new LiveEngineService(engines, models, trajectories),
    evaluations: new EvaluationService(database.prisma, models, trajectories),
    info: new ServiceInfoService(database.prisma, database.kind, models, runner),
    jobs: new TrainingJobService(database.prisma, SCORING_METHODS, () => runner.wake(), options.runner?.staleAfterMs),
    runner,
  };
}
