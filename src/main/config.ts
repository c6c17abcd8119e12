// Configuration from environment variables, validated once at start. Every variable is documented in
// .env.example; a bad value stops the process with a message naming the variable.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { RateLimitSettings } from '../platform/auth/rate-limits';
import type { DatabaseSettings } from '../platform/db/database';
import { SHIPPED_DATASET_DIR } from '../platform/repository';
import { DELIVERY_DEFAULTS, type DeliveryRunnerOptions } from '../modules/webhooks/webhook-delivery-runner';
import type { TargetPolicy } from '../modules/webhooks/webhook-urls';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const integer = (min: number, max: number) => z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(min).max(max);

/**
 * The JSON body limit: what the largest legitimate request needs. scoreWindows takes at most 1,000
 * windows of 30 cycles x 21 sensors; a float64 written in full (e.g. -1.2345678901234567e-10) takes at
 * most 24 characters plus a separator, and the rest of the request is small: 16 MiB. Windows sent with
 * their 50 earlier cycles hold 80 rows: 1,000 of them fit when readings are written as sensors report
 * them (7-8 characters), fewer a request otherwise (the dashboard sends 200).
 */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
/** Far above what GRAPHQL_MAX_COST lets an answer hold (~50,000 values, well under a MB): a backstop. */
export const DEFAULT_RESPONSE_LIMIT_BYTES = 16 * 1024 * 1024;

/** The largest upload POST /imports accepts: 4 GiB, some 20 million rows of 24 columns. */
export const DEFAULT_IMPORT_LIMIT_BYTES = 4 * 1024 ** 3;

/** The largest scoring request (scoreWindows' limit): a windows rate limit below it could never be met. */
const MAX_WINDOWS_PER_REQUEST = 1_000;

const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PROCESS_ROLE: z.enum(['all', 'api', 'worker'], { error: 'must be all, api or worker' }).default('all'),
    DATABASE_URL: z
      .string()
      .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgresql:// connection URL')
      .optional(),
    DATABASE_POOL_MAX: integer(1, 200).default(10),
    DATA_DIR: z.string().min(1).default('.data'),
    DATASET_DIR: z.string().min(1).optional(),
    LOAD_SAMPLE_DATA: booleanFromEnv.optional(),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: integer(0, 65535).default(4000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    GRAPHQL_IDE: booleanFromEnv.optional(),
    GRAPHQL_INTROSPECTION: booleanFromEnv.optional(),
    GRAPHQL_FIELD_SUGGESTIONS: booleanFromEnv.optional(),
    GRAPHQL_MAX_DEPTH: integer(1, 100).default(10),
    GRAPHQL_MAX_COST: integer(1, 100_000_000).default(50_000),
    GRAPHQL_MAX_ALIASES: integer(0, 1_000).default(15),
    GRAPHQL_MAX_DIRECTIVES: integer(0, 1_000).default(20),
    GRAPHQL_MAX_TOKENS: integer(100, 1_000_000).default(10_000),
    SUBSCRIPTIONS_PER_CONNECTION: integer(1, 1_000).default(20),
    CONNECTIONS_PER_KEY: integer(1, 100_000).default(100),
    HTTP_BODY_LIMIT_BYTES: integer(1_024, 256 * 1024 * 1024).default(DEFAULT_BODY_LIMIT_BYTES),
    HTTP_RESPONSE_LIMIT_BYTES: integer(1_024, 1024 * 1024 * 1024).default(DEFAULT_RESPONSE_LIMIT_BYTES),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(1_000, 600_000).default(65_000),
    TRUST_PROXY: z.string().min(1).optional(),
    AUTH_ENABLED: booleanFromEnv.optional(),
    AUTH_CACHE_TTL_MS: integer(0, 600_000).default(10_000),
    RATE_LIMIT_SCORING_WINDOWS: integer(0, 1_000_000_000).default(60_000),
    RATE_LIMIT_SCORING_PERIOD_SECONDS: integer(1, 86_400).default(60),
    RATE_LIMIT_TRAINING_JOBS: integer(0, 1_000_000).default(10),
    RATE_LIMIT_TRAINING_PERIOD_SECONDS: integer(1, 86_400 * 7).default(3_600),
    RATE_LIMIT_AUTH_FAILURES: integer(0, 1_000_000).default(30),
    RATE_LIMIT_AUTH_FAILURES_PERIOD_SECONDS: integer(1, 86_400).default(60),
    RATE_LIMIT_STORE: z.enum(['database', 'memory'], { error: 'must be database or memory' }).default('database'),
    RATE_LIMIT_SYNC_INTERVAL_MS: integer(10, 60_000).default(250),
    METRICS_TOKEN: z.string().min(16, 'must hold at least 16 characters').optional(),
    SHUTDOWN_TIMEOUT_MS: integer(0, 600_000).default(25_000),
    TRAINING_RUNNER: booleanFromEnv.default(true),
    TRAINING_POLL_INTERVAL_MS: integer(10, 600_000).default(2_000),
    TRAINING_HEARTBEAT_INTERVAL_MS: integer(10, 600_000).default(5_000),
    TRAINING_STALE_AFTER_MS: integer(50, 3_600_000).default(30_000),
    TRAINING_MAX_ATTEMPTS: integer(1, 100).default(3),
    TRAINING_RETRY_BACKOFF_MS: integer(0, 86_400_000).default(30_000),
    TRAINING_NICENESS: integer(0, 19).default(19),
    INFERENCE_THREAD: booleanFromEnv.default(true),
    IMPORT_RUNNER: booleanFromEnv.default(true),
    IMPORT_BODY_LIMIT_BYTES: integer(1_024, 2 ** 40).default(DEFAULT_IMPORT_LIMIT_BYTES),
    WEBHOOK_RUNNER: booleanFromEnv.default(true),
    WEBHOOK_ALLOW_HTTP_LOOPBACK: booleanFromEnv.default(false),
    WEBHOOK_ALLOW_PRIVATE_TARGETS: booleanFromEnv.default(false),
    WEBHOOK_TIMEOUT_MS: integer(100, 120_000).default(DELIVERY_DEFAULTS.timeoutMs),
    WEBHOOK_MAX_ATTEMPTS: integer(1, 100).default(DELIVERY_DEFAULTS.maxAttempts),
    WEBHOOK_RETRY_BASE_MS: integer(10, 86_400_000).default(DELIVERY_DEFAULTS.retryBaseMs),
    WEBHOOK_RETRY_MAX_MS: integer(10, 7 * 86_400_000).default(DELIVERY_DEFAULTS.retryMaxMs),
    WEBHOOK_POLL_INTERVAL_MS: integer(10, 600_000).default(DELIVERY_DEFAULTS.pollIntervalMs),
    WEBHOOK_RETENTION_DAYS: integer(1, 3_650).default(DELIVERY_DEFAULTS.retentionDays),
  })
  .superRefine((values, context) => {
    if (values.TRAINING_STALE_AFTER_MS < 2 * values.TRAINING_HEARTBEAT_INTERVAL_MS) {
      context.addIssue({
        code: 'custom',
        path: ['TRAINING_STALE_AFTER_MS'],
        message: `must be at least twice TRAINING_HEARTBEAT_INTERVAL_MS (${values.TRAINING_HEARTBEAT_INTERVAL_MS}), or live jobs would be taken for orphans`,
      });
    }
    if (values.RATE_LIMIT_SCORING_WINDOWS > 0 && values.RATE_LIMIT_SCORING_WINDOWS < MAX_WINDOWS_PER_REQUEST) {
      context.addIssue({
        code: 'custom',
        path: ['RATE_LIMIT_SCORING_WINDOWS'],
        message: `must be 0 (no limit) or at least ${MAX_WINDOWS_PER_REQUEST}, the largest scoreWindows batch, or that batch could never pass`,
      });
    }
    if (values.PROCESS_ROLE === 'worker' && !values.DATABASE_URL) {
      context.addIssue({
        code: 'custom',
        path: ['PROCESS_ROLE'],
        message:
          'worker needs DATABASE_URL: a worker shares the PostgreSQL database of the API replicas (the embedded one is a single process)',
      });
    }
    if (values.PROCESS_ROLE === 'worker' && values.TRAINING_RUNNER === false) {
      context.addIssue({
        code: 'custom',
        path: ['TRAINING_RUNNER'],
        message: 'must not be false in a worker, whose only work is running jobs',
      });
    }
    if (values.TRUST_PROXY !== undefined && parseTrustProxy(values.TRUST_PROXY) === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['TRUST_PROXY'],
        message: 'must be true, false, a number of proxy hops, or a comma-separated list of addresses/subnets (loopback, 10.0.0.0/8, ...)',
      });
    }
  });

/** Every environment variable the service reads (each is documented in .env.example). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(environmentSchema.shape);

export interface AuthSettings {
  /** Require an API key on every GraphQL request. */
  enabled: boolean;
  /** How long a verified key (or its revocation) may be served from memory. */
  cacheTtlMs: number;
}

export interface LimitSettings {
  /** Windows scored per key (or client address when authentication is off). */
  scoring: RateLimitSettings;
  /** Training jobs queued per key (or client address). */
  training: RateLimitSettings;
  /** Failed authentications per key prefix and client address. */
  authFailures: RateLimitSettings;
  /** Where rate-limit counters live: the PostgreSQL database (shared by the replicas) or each process's memory. */
  store: 'database' | 'memory';
  /** How often a replica adds what it counted locally to the shared counters and reads them back. */
  syncIntervalMs: number;
  bodyLimitBytes: number;
  /** Largest GraphQL answer sent; a larger one is replaced by a RESPONSE_TOO_LARGE error. */
  responseLimitBytes: number;
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  /** Subscriptions one WebSocket connection may hold at once. */
  subscriptionsPerConnection: number;
  /** WebSocket connections one API key may hold at once on one process. */
  connectionsPerKey: number;
}

export interface TrainingRunnerSettings {
  /** Run queued training jobs in this process. */
  enabled: boolean;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  staleAfterMs: number;
  maxAttempts: number;
  retryBackoffMs: number;
}

/**
 * What a process does: all (the API and the job runner, the default), api (the GraphQL API without a job
 * runner) or worker (training and other background jobs, with /health, /ready and /metrics but no API).
 */
export type ProcessRole = 'all' | 'api' | 'worker';

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  role: ProcessRole;
  database: DatabaseSettings;
  /** Folder of the shipped C-MAPSS FD001 files loaded into an empty embedded database. */
  datasetDir: string;
  /** Load the shipped FD001 subset when the database holds no engine yet. */
  loadSampleData: boolean;
  host: string;
  port: number;
  logLevel: string;
  /** Serve the GraphiQL IDE at GET /graphql (browsers). */
  graphqlIde: boolean;
  /** Answer introspection queries (the IDE needs them). */
  graphqlIntrospection: boolean;
  /** Say "Did you mean ...?" in validation errors (it reveals field names). */
  graphqlFieldSuggestions: boolean;
  auth: AuthSettings;
  limits: LimitSettings;
  /** Express `trust proxy`: which X-Forwarded-For hops to believe for the client address. */
  trustProxy: boolean | number | string[];
  keepAliveTimeoutMs: number;
  /** Bearer token /metrics requires; null: /metrics is open. */
  metricsToken: string | null;
  /** How long a shutdown waits for requests in flight before closing their connections. */
  shutdownTimeoutMs: number;
  trainingRunner: TrainingRunnerSettings;
  /** Niceness of the training threads: below request handling, so scoring keeps its latency while a job runs. */
  trainingNiceness: number;
  /** Run forward passes on a worker thread, off the thread that serves requests. */
  inferenceThread: boolean;
  imports: ImportSettings;
  webhooks: WebhookSettings;
}

export interface WebhookSettings extends TargetPolicy {
  /** Send webhook deliveries from this process. */
  runner: boolean;
  delivery: Required<
    Pick<DeliveryRunnerOptions, 'timeoutMs' | 'maxAttempts' | 'retryBaseMs' | 'retryMaxMs' | 'pollIntervalMs' | 'retentionDays'>
  >;
}

export interface ImportSettings {
  /** Run queued imports in this process. */
  runner: boolean;
  /** Largest upload POST /imports accepts. */
  bodyLimitBytes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Loads `.env` from the working directory when present; variables already set are kept. */
export function loadEnvironmentFile(file = '.env'): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

function parseTrustProxy(value: string): boolean | number | string[] | undefined {
  const text = value.trim();
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  const valid = entries.every((entry) => /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(entry));
  return valid && entries.length > 0 ? entries : undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings in an .env file mean "unset", not "invalid".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data;
  const database: DatabaseSettings = values.DATABASE_URL
    ? { kind: 'postgresql', url: values.DATABASE_URL, poolMax: values.DATABASE_POOL_MAX }
    : { kind: 'embedded', dataDir: path.resolve(values.DATA_DIR) };
  const production = values.NODE_ENV === 'production';
  return {
    nodeEnv: values.NODE_ENV,
    role: values.PROCESS_ROLE,
    database,
    datasetDir: values.DATASET_DIR ? path.resolve(values.DATASET_DIR) : SHIPPED_DATASET_DIR,
    loadSampleData: values.LOAD_SAMPLE_DATA ?? database.kind === 'embedded',
    host: values.HOST,
    port: values.PORT,
    logLevel: values.LOG_LEVEL,
    // Production hides the IDE, introspection and field suggestions unless asked for.
    graphqlIde: values.GRAPHQL_IDE ?? !production,
    graphqlIntrospection: values.GRAPHQL_INTROSPECTION ?? !production,
    graphqlFieldSuggestions: values.GRAPHQL_FIELD_SUGGESTIONS ?? !production,
    // A shared PostgreSQL is protected by default; the embedded database is a single-user local setup.
    auth: { enabled: values.AUTH_ENABLED ?? database.kind === 'postgresql', cacheTtlMs: values.AUTH_CACHE_TTL_MS },
    limits: {
      scoring: { points: values.RATE_LIMIT_SCORING_WINDOWS, periodSeconds: values.RATE_LIMIT_SCORING_PERIOD_SECONDS },
      training: { points: values.RATE_LIMIT_TRAINING_JOBS, periodSeconds: values.RATE_LIMIT_TRAINING_PERIOD_SECONDS },
      authFailures: { points: values.RATE_LIMIT_AUTH_FAILURES, periodSeconds: values.RATE_LIMIT_AUTH_FAILURES_PERIOD_SECONDS },
      store: values.RATE_LIMIT_STORE,
      syncIntervalMs: values.RATE_LIMIT_SYNC_INTERVAL_MS,
      bodyLimitBytes: values.HTTP_BODY_LIMIT_BYTES,
      responseLimitBytes: values.HTTP_RESPONSE_LIMIT_BYTES,
      maxDepth: values.GRAPHQL_MAX_DEPTH,
      maxCost: values.GRAPHQL_MAX_COST,
      maxAliases: values.GRAPHQL_MAX_ALIASES,
      maxDirectives: values.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: values.GRAPHQL_MAX_TOKENS,
      subscriptionsPerConnection: values.SUBSCRIPTIONS_PER_CONNECTION,
      connectionsPerKey: values.CONNECTIONS_PER_KEY,
    },
    trustProxy: values.TRUST_PROXY === undefined ? false : parseTrustProxy(values.TRUST_PROXY)!,
    keepAliveTimeoutMs: values.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    metricsToken: values.METRICS_TOKEN ?? null,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS,
    trainingRunner: {
      enabled: values.PROCESS_ROLE !== 'api' && values.TRAINING_RUNNER,
      pollIntervalMs: values.TRAINING_POLL_INTERVAL_MS,
      heartbeatIntervalMs: values.TRAINING_HEARTBEAT_INTERVAL_MS,
      staleAfterMs: values.TRAINING_STALE_AFTER_MS,
      maxAttempts: values.TRAINING_MAX_ATTEMPTS,
      retryBackoffMs: values.TRAINING_RETRY_BACKOFF_MS,
    },
    trainingNiceness: values.TRAINING_NICENESS,
    inferenceThread: values.INFERENCE_THREAD,
    imports: { runner: values.IMPORT_RUNNER, bodyLimitBytes: values.IMPORT_BODY_LIMIT_BYTES },
    webhooks: {
      runner: values.WEBHOOK_RUNNER,
      allowHttpLoopback: values.WEBHOOK_ALLOW_HTTP_LOOPBACK,
      allowPrivateTargets: values.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      delivery: {
        timeoutMs: values.WEBHOOK_TIMEOUT_MS,
        maxAttempts: values.WEBHOOK_MAX_ATTEMPTS,
        retryBaseMs: values.WEBHOOK_RETRY_BASE_MS,
        retryMaxMs: values.WEBHOOK_RETRY_MAX_MS,
        pollIntervalMs: values.WEBHOOK_POLL_INTERVAL_MS,
        retentionDays: values.WEBHOOK_RETENTION_DAYS,
      },
    },
  };
}
