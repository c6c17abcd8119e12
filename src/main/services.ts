// The use cases of the service, wired to one database.
import { ApiKeyService } from '../modules/api-keys/api-key-service';
import type { Database } from '../platform/db/database';
import { createEventBus, type EventBus } from '../platform/events/event-bus';
import type { Logger } from '../platform/observability/logger';
import type { LstmAutoencoderRuntime } from '../detectors/lstm-autoencoder';
import type { Reconstruct } from '../detectors/lstm-autoencoder/engine';
import { EngineService } from '../modules/engines/engine-service';
import { DatasetService } from '../modules/datasets/dataset-service';
import { DatasetImportService } from '../modules/datasets/dataset-import-service';
import { ImportJobRunner, type ImportRunnerOptions } from '../modules/datasets/import-job-runner';
import { ModelRegistry } from '../modules/registry/model-registry';
import { ModelVersionCuration } from '../modules/registry/model-version-curation';
import { ModelVersionTransfer } from '../modules/registry/model-version-transfer';
import { ServiceInfoService } from '../modules/service-info/service-info-service';
import { ScoringService, type BatchingOptions } from '../modules/scoring/scoring-service';
import { EvaluationService } from '../modules/evaluation/evaluation-service';
import { LiveEngineService } from '../modules/engines/live-engine-service';
import { AlertService } from '../modules/alerts/alert-service';
import { AlertNotifier } from '../modules/alerts/alert-notifier';
import { TrajectoryService } from '../modules/scoring/trajectory-service';
import { TrainingJobRunner, type RunnerOptions } from '../modules/training/training-job-runner';
import { TrainingJobService } from '../modules/training/training-job-service';
import { publishTrainingJobChange } from '../modules/training/training-job-events';
import { BatchJobRunner, type BatchRunnerOptions } from '../modules/batch-jobs/batch-job-runner';
import { BatchJobService } from '../modules/batch-jobs/batch-job-service';
import { batchJobExecutors } from '../modules/batch-jobs/batch-job-work';
import { publishBatchJobChange } from '../modules/batch-jobs/batch-job-events';
import { TrainingPipeline } from '../modules/training/training-pipeline';
import { WebhookService } from '../modules/webhooks/webhook-service';
import { WebhookDeliveryRunner, type DeliveryRunnerOptions } from '../modules/webhooks/webhook-delivery-runner';
import type { TargetPolicy } from '../modules/webhooks/webhook-urls';

export interface AppServices {
  database: Database;
  /** Events for subscriptions: through PostgreSQL (every process hears them) or, embedded, in memory. */
  events: EventBus;
  apiKeys: ApiKeyService;
  datasets: DatasetService;
  imports: DatasetImportService;
  engines: EngineService;
  models: ModelRegistry;
  curation: ModelVersionCuration;
  /** Export and import of versions as portable files. */
  transfer: ModelVersionTransfer;
  jobs: TrainingJobService;
  scoring: ScoringService;
  trajectories: TrajectoryService;
  liveEngines: LiveEngineService;
  evaluations: EvaluationService;
  alerts: AlertService;
  info: ServiceInfoService;
  /** Runs queued training jobs; started by the server (not by the CLI or tests unless they ask). */
  runner: TrainingJobRunner;
  /** Runs queued imports; started by the server likewise. */
  importRunner: ImportJobRunner;
  webhooks: WebhookService;
  /** Sends webhook deliveries; started by the server likewise. */
  webhookRunner: WebhookDeliveryRunner;
  /** Evaluations and scorings of many engines, queued. */
  batchJobs: BatchJobService;
  /** Runs queued batch jobs; started by the server with the training runner. */
  batchRunner: BatchJobRunner;
}

export interface ServiceOptions {
  runner?: RunnerOptions;
  /** How the LSTM autoencoder trains here (threads, niceness of the training threads). */
  lstmAutoencoder?: Omit<LstmAutoencoderRuntime, 'reconstruct'>;
  importRunner?: ImportRunnerOptions;
  /** The batch runner's options (default: the training runner's timings). */
  batchRunner?: BatchRunnerOptions;
  batching?: BatchingOptions;
  /** Where forward passes run (default: the calling thread; the server gives an InferenceThread's). */
  reconstruct?: Reconstruct;
  /** How long a verified API key is remembered (AUTH_CACHE_TTL_MS). */
  apiKeyCacheTtlMs?: number;
  /** Which webhook targets are allowed (default: https to public addresses only). */
  webhookTargets?: TargetPolicy;
  webhookRunner?: DeliveryRunnerOptions;
}

export function createServices(database: Database, logger: Logger, options: ServiceOptions = {}): AppServices {
  const models = new ModelRegistry(database.prisma, { lstmAutoencoder: { ...options.lstmAutoencoder, reconstruct: options.reconstruct } });
  const events = createEventBus(database, logger);
  // The delivery runner is created below; the notifier only wakes it after a commit.
  const alertNotifier = new AlertNotifier(database.prisma, events, () => webhookRunner.wake());
  const pipeline = new TrainingPipeline(database.prisma, models, logger, alertNotifier);
  const runner = new TrainingJobRunner(database.prisma, pipeline.execute, logger, {
    ...options.runner,
    onJobChanged: (jobId) => publishTrainingJobChange(events, jobId),
  });
  const engines = new EngineService(database.prisma, database.query);
  const datasets = new DatasetService(database.prisma);
  const imports = new DatasetImportService(database, logger, () => importRunner.wake());
  const importRunner = new ImportJobRunner(database.prisma, imports, logger, options.importRunner);
  const trajectories = new TrajectoryService(database.prisma, database.query, engines, models, alertNotifier);
  const webhookTargets = options.webhookTargets ?? { allowHttpLoopback: false, allowPrivateTargets: false };
  const webhookRunner = new WebhookDeliveryRunner(database.prisma, webhookTargets, logger, options.webhookRunner);
  const evaluations = new EvaluationService(database.prisma, models, trajectories);
  const { pollIntervalMs, heartbeatIntervalMs, staleAfterMs, maxAttempts, retryBackoffMs } = options.runner ?? {};
  const batchRunner = new BatchJobRunner(
    database.prisma,
    batchJobExecutors({ prisma: database.prisma, query: database.query, registry: models, trajectories, evaluations }),
    logger,
    {
      // One row of job_runners per process: the batch runner beats under the training runner's id.
      ...{ instanceId: runner.instanceId, pollIntervalMs, heartbeatIntervalMs, staleAfterMs, maxAttempts, retryBackoffMs },
      ...options.batchRunner,
      onJobChanged: (jobId) => {
        publishBatchJobChange(events, jobId);
        options.batchRunner?.onJobChanged?.(jobId);
      },
    },
  );
  return {
    database,
    events,
    apiKeys: new ApiKeyService(database.prisma, {
      cacheTtlMs: options.apiKeyCacheTtlMs,
      onTouchError: (error) => logger.warn({ err: error }, 'could not record the last use of an API key'),
    }),
    datasets,
    imports,
    engines,
    models,
    curation: new ModelVersionCuration(database.prisma, models),
    transfer: new ModelVersionTransfer(database.prisma, models, datasets),
    scoring: new ScoringService(database.prisma, database.query, models, datasets, options.batching),
    trajectories,
    liveEngines: new LiveEngineService(database.prisma, engines, models, trajectories, datasets, events, alertNotifier),
    evaluations,
    alerts: new AlertService(database.prisma, alertNotifier),
    info: new ServiceInfoService(database.prisma, database.kind, models, runner),
    jobs: new TrainingJobService(database.prisma, () => runner.wake(), options.runner?.staleAfterMs),
    runner,
    importRunner,
    webhooks: new WebhookService(database.prisma, webhookTargets),
    webhookRunner,
    batchJobs: new BatchJobService(database.prisma, models, evaluations, () => batchRunner.wake(), options.runner?.staleAfterMs),
    batchRunner,
  };
}
