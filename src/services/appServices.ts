// The use cases of the service, wired to one database.
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { Reconstruct } from '../model';
import { EngineService } from './engineService';
import { ModelRegistry } from './modelRegistry';
import { SCORING_METHODS } from './scoring';
import { ServiceInfoService } from './serviceInfo';
import { ScoringService, type BatchingOptions } from './scoringService';
import { EvaluationService } from './evaluationService';
import { LiveEngineService } from './liveEngineService';
import { TrajectoryService } from './trajectoryService';
import { TrainingJobRunner, type RunnerOptions } from './trainingJobRunner';
import { TrainingJobService } from './trainingJobService';
import { TrainingPipeline, type PipelineOptions } from './trainingPipeline';

export interface AppServices {
  database: Database;
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
}

export function createServices(database: Database, logger: Logger, options: ServiceOptions = {}): AppServices {
  const models = new ModelRegistry(database.prisma);
  const pipeline = new TrainingPipeline(database.prisma, models, logger, { reconstruct: options.reconstruct, ...options.pipeline });
  const runner = new TrainingJobRunner(database.prisma, pipeline.execute, logger, options.runner);
  const engines = new EngineService(database.prisma);
  const trajectories = new TrajectoryService(database.prisma, database.query, engines, models, options.reconstruct);
  return {
    database,
    engines,
    models,
    scoring: new ScoringService(database.prisma, database.query, models, options.batching, options.reconstruct),
    trajectories,
    liveEngines: new LiveEngineService(engines, models, trajectories),
    evaluations: new EvaluationService(database.prisma, models, trajectories),
    info: new ServiceInfoService(database.prisma, database.kind, models, runner),
    jobs: new TrainingJobService(database.prisma, SCORING_METHODS, () => runner.wake()),
    runner,
  };
}
