// Configuration from environment variables, validated once at start. Every variable is documented in
// .env.example; a bad value stops the process with a message naming the variable.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z
    .string()
    .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgresql:// connection URL')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default('.data'),
  DATASET_DIR: z.string().min(1).optional(),
  LOAD_SAMPLE_DATA: booleanFromEnv.optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRAPHQL_IDE: booleanFromEnv.default(true),
  GRAPHQL_INTROSPECTION: booleanFromEnv.default(true),
});

export type DatabaseSettings =
  | { kind: 'postgresql'; url: string; poolMax: number }
  | { kind: 'embedded'; dataDir: string };

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
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
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const REPOSITORY_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
export const SHIPPED_DATASET_DIR = path.join(REPOSITORY_ROOT, 'data', 'cmapss');

/** Loads `.env` from the working directory when present; variables already set are kept. */
export function loadEnvironmentFile(file = '.env'): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
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
  return {
    nodeEnv: values.NODE_ENV,
    database,
    datasetDir: values.DATASET_DIR ? path.resolve(values.DATASET_DIR) : SHIPPED_DATASET_DIR,
    loadSampleData: values.LOAD_SAMPLE_DATA ?? database.kind === 'embedded',
    host: values.HOST,
    port: values.PORT,
    logLevel: values.LOG_LEVEL,
    graphqlIde: values.GRAPHQL_IDE,
    graphqlIntrospection: values.GRAPHQL_INTROSPECTION,
  };
}
