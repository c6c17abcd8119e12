import fs from 'node:fs';
import path from 'node:path';
import { REPOSITORY_ROOT, SHIPPED_DATASET_DIR } from '../platform/repository';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to the embedded database with the FD001 sample', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'embedded', dataDir: path.resolve('.data') });
    expect(config.loadSampleData).toBe(true);
    expect(config.datasetDir).toBe(SHIPPED_DATASET_DIR);
    expect(config.port).toBe(4000);
  });

  it('uses PostgreSQL when DATABASE_URL is set, without sample data unless asked', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://u@db:5432/x', DATABASE_POOL_MAX: '7' });
    expect(config.database).toEqual({ kind: 'postgresql', url: 'postgresql://u@db:5432/x', poolMax: 7 });
    expect(config.loadSampleData).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/x', LOAD_SAMPLE_DATA: 'true' }).loadSampleData).toBe(true);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('embedded');
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/^PORT: /m);
      expect(problems).toMatch(/^DATABASE_URL: must be a postgresql:\/\/ connection URL/m);
      expect(problems).toMatch(/^LOG_LEVEL: /m);
    }
  });
});

describe('loadConfig: production settings', () => {
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (error) {
      return (error as ConfigError).problems.join('\n');
    }
    throw new Error('configuration accepted');
  };

  it('turns authentication on with PostgreSQL and off with the embedded database, unless AUTH_ENABLED says', () => {
    expect(loadConfig({}).auth.enabled).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@db/x' }).auth.enabled).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@db/x', AUTH_ENABLED: 'false' }).auth.enabled).toBe(false);
    expect(loadConfig({ AUTH_ENABLED: 'true' }).auth.enabled).toBe(true);
  });

  it('hides the IDE, introspection and field suggestions in production unless asked for', () => {
    const development = loadConfig({});
    expect([development.graphqlIde, development.graphqlIntrospection, development.graphqlFieldSuggestions]).toEqual([true, true, true]);
    const production = loadConfig({ NODE_ENV: 'production' });
    expect([production.graphqlIde, production.graphqlIntrospection, production.graphqlFieldSuggestions]).toEqual([false, false, false]);
    const opened = loadConfig({ NODE_ENV: 'production', GRAPHQL_IDE: 'true', GRAPHQL_INTROSPECTION: 'yes' });
    expect([opened.graphqlIde, opened.graphqlIntrospection]).toEqual([true, true]);
  });

  it('reads limits, runner timings, the metrics token and the proxy setting', () => {
    const config = loadConfig({
      RATE_LIMIT_SCORING_WINDOWS: '5000',
      RATE_LIMIT_TRAINING_JOBS: '0',
      GRAPHQL_MAX_DEPTH: '7',
      HTTP_BODY_LIMIT_BYTES: '2048',
      HTTP_RESPONSE_LIMIT_BYTES: '4096',
      TRAINING_HEARTBEAT_INTERVAL_MS: '100',
      TRAINING_STALE_AFTER_MS: '500',
      METRICS_TOKEN: 'a-long-enough-metrics-token',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
    });
    expect(config.limits).toMatchObject({
      scoring: { points: 5000, periodSeconds: 60 },
      training: { points: 0 },
      maxDepth: 7,
      bodyLimitBytes: 2048,
      responseLimitBytes: 4096,
    });
    expect(loadConfig({}).limits).toMatchObject({ maxCost: 50_000, responseLimitBytes: 16 * 1024 * 1024 });
    expect(config.trainingRunner).toMatchObject({ enabled: true, heartbeatIntervalMs: 100, staleAfterMs: 500, maxAttempts: 3 });
    expect(config.metricsToken).toBe('a-long-enough-metrics-token');
    expect(config.trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({}).trainingNiceness).toBe(19);
    expect(loadConfig({ TRAINING_NICENESS: '0' }).trainingNiceness).toBe(0);
    expect(loadConfig({}).inferenceThread).toBe(true);
    expect(loadConfig({ INFERENCE_THREAD: 'false' }).inferenceThread).toBe(false);
  });

  it('refuses inconsistent or unsafe values with a message naming the variable', () => {
    expect(problemsOf({ TRAINING_HEARTBEAT_INTERVAL_MS: '5000', TRAINING_STALE_AFTER_MS: '6000' })).toMatch(
      /^TRAINING_STALE_AFTER_MS: must be at least twice TRAINING_HEARTBEAT_INTERVAL_MS/m,
    );
    expect(problemsOf({ RATE_LIMIT_SCORING_WINDOWS: '10' })).toMatch(
      /^RATE_LIMIT_SCORING_WINDOWS: must be 0 \(no limit\) or at least 1000/m,
    );
    expect(problemsOf({ METRICS_TOKEN: 'short' })).toMatch(/^METRICS_TOKEN: must hold at least 16 characters/m);
    expect(problemsOf({ TRUST_PROXY: 'some proxy' })).toMatch(/^TRUST_PROXY: must be true, false, a number/m);
    expect(problemsOf({ AUTH_ENABLED: 'maybe' })).toMatch(/^AUTH_ENABLED: must be true or false/m);
    expect(problemsOf({ SHUTDOWN_TIMEOUT_MS: '-1' })).toMatch(/^SHUTDOWN_TIMEOUT_MS: /m);
    expect(problemsOf({ TRAINING_NICENESS: '20' })).toMatch(/^TRAINING_NICENESS: /m);
  });

  it('documents every variable it reads in .env.example, and nothing else', () => {
    const example = fs.readFileSync(path.join(REPOSITORY_ROOT, '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort());
    // .env.example itself is a valid configuration.
    const values = Object.fromEntries([...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((match) => [match[1], match[2]]));
    expect(() => loadConfig(values)).not.toThrow();
  });
});
