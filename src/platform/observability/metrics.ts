// Prometheus metrics (prom-client), served at GET /metrics. Each app owns its registry, so several apps
// in one process (tests) do not collide; service-level figures arrive through ./events.
import type { Channel } from 'node:diagnostics_channel';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database';
import {
  scoringBatchChannel,
  trainingJobChannel,
  webhookAttemptChannel,
  windowsScoredChannel,
  type ScoringBatchEvent,
  type TrainingJobEvent,
  type WebhookAttemptEvent,
  type WindowsScoredEvent,
} from './events';

/** Distinct client operation names kept as label values; later names are counted as "other". */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

export class Metrics {
  readonly registry = new Registry();
  readonly graphqlRequests: Counter<'operation' | 'type' | 'outcome'>;
  readonly graphqlDuration: Histogram<'operation' | 'type' | 'outcome'>;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly windowsScored: Counter<'model_version' | 'source'>;
  readonly anomaliesFlagged: Counter<'model_version'>;
  readonly batchSize: Histogram<'source'>;
  readonly trainingJobs: Counter<'outcome'>;
  readonly webhookAttempts: Counter<'outcome'>;
  readonly trainingDuration: Histogram<'outcome'>;
  readonly rateLimited: Counter<'limit'>;
  readonly authFailures: Counter<'reason'>;
  readonly inFlight: Gauge;
  private readonly operationNames = new Set<string>();
  private readonly unsubscribers: (() => void)[] = [];

  constructor(database: Database, options: { inFlight: () => number }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.graphqlRequests = new Counter({
      name: 'engine_health_graphql_requests_total',
      help: 'GraphQL requests by operation name, operation type and outcome (success or the first error code).',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: 'engine_health_graphql_request_duration_seconds',
      help: 'GraphQL request latency, from the first byte received to the last byte sent.',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'engine_health_http_requests_total',
      help: 'HTTP requests by route, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.windowsScored = new Counter({
      name: 'engine_health_windows_scored_total',
      help: 'Windows scored, by model version and source (computed now, or stored earlier and returned).',
      labelNames: ['model_version', 'source'],
      registers,
    });
    this.anomaliesFlagged = new Counter({
      name: 'engine_health_anomalies_flagged_total',
      help: 'Scored windows flagged anomalous, by model version (divide by windows scored for the anomaly rate).',
      labelNames: ['model_version'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'engine_health_scoring_batch_size',
      help: 'Windows per scoring forward pass request: dynamic batches of single-window calls, or scoreWindows requests.',
      labelNames: ['source'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
      registers,
    });
    this.trainingJobs = new Counter({
      name: 'engine_health_training_jobs_total',
      help: 'Training job attempts that ended in this process, by outcome (succeeded, failed, cancelled, interrupted by a shutdown, orphans recovered).',
      labelNames: ['outcome'],
      registers,
    });
    this.webhookAttempts = new Counter({
      name: 'engine_health_webhook_attempts_total',
      help: 'Webhook delivery attempts made by this process, by outcome (delivered, retry: failed and to be retried, failed: the last attempt failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.trainingDuration = new Histogram({
      name: 'engine_health_training_job_duration_seconds',
      help: 'Duration of training job attempts, by outcome.',
      labelNames: ['outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'engine_health_rate_limited_total',
      help: 'Requests refused by a rate limit, by limit (scoring, training, auth_failures).',
      labelNames: ['limit'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'engine_health_auth_failures_total',
      help: 'Refused credentials, by reason (missing, malformed, unknown_or_revoked, forbidden).',
      labelNames: ['reason'],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'engine_health_http_requests_in_flight',
      help: 'HTTP requests being served.',
      registers,
      collect() {
        this.set(options.inFlight());
      },
    });
    new Gauge({
      name: 'engine_health_db_pool_connections',
      help: 'PostgreSQL connection pool: total, idle and waiting (clients queued for a connection). Absent on the embedded database.',
      labelNames: ['state'],
      registers,
      collect() {
        const stats = database.poolStats();
        if (!stats) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'in_use' }, stats.total - stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });

    this.subscribe(windowsScoredChannel, (event: WindowsScoredEvent) => {
      const version = String(event.modelVersionId);
      if (event.computed > 0) this.windowsScored.inc({ model_version: version, source: 'computed' }, event.computed);
      if (event.stored > 0) this.windowsScored.inc({ model_version: version, source: 'stored' }, event.stored);
      this.anomaliesFlagged.inc({ model_version: version }, event.anomalies);
    });
    this.subscribe(scoringBatchChannel, (event: ScoringBatchEvent) => this.batchSize.observe({ source: event.source }, event.size));
    this.subscribe(webhookAttemptChannel, (event: WebhookAttemptEvent) => this.webhookAttempts.inc({ outcome: event.outcome }));
    this.subscribe(trainingJobChannel, (event: TrainingJobEvent) => {
      this.trainingJobs.inc({ outcome: event.outcome });
      if (event.durationMs !== null) this.trainingDuration.observe({ outcome: event.outcome }, event.durationMs / 1000);
    });
  }

  private subscribe<T>(channel: Channel, listener: (event: T) => void): void {
    const handler = (message: unknown) => listener(message as T);
    channel.subscribe(handler);
    this.unsubscribers.push(() => channel.unsubscribe(handler));
  }

  /** A bounded label value for a client-chosen operation name. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  /** Stops listening to service events. */
  close(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
  }
}
