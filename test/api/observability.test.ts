// Health, readiness and metrics: /health is liveness only; /ready checks the database, the migrations and
// the active model (and turns 503 while shutting down); /metrics exposes request, scoring, batching,
// training, pool and process figures in Prometheus format, optionally behind a token.
import { openPostgres, type Database } from '../../src/platform/db/database';
import { applyMigrations, readMigrations } from '../../src/platform/db/migrations';
import { selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { importFirstUnits, shippedLines } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { createDatabaseFromTemplate, createEmptyDatabase } from '../support/postgres';
import { postGraphQL, request } from '../support/requests';

const TINY = `{ trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }], testUnits: [{ from: 7, to: 8 }],
  hidden: 8, code: 4, epochs: 2, batchSize: 64 }`;

const unit1 = shippedLines('train_FD001.txt')
  .filter((line) => line.startsWith('1 '))
  .map((line) => line.trim().split(/\s+/).slice(1).map(Number));

function windowColumns(endCycle: number) {
  return Array.from({ length: 21 }, (_, index) => ({
    sensor: `sensor${index + 1}`,
    values: unit1.slice(endCycle - 30, endCycle).map((row) => row[4 + index]),
  }));
}

/** The value of one sample of the exposition, e.g. metric('x_total', { a: 'b' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.startsWith(`${name}{`) ? line.slice(name.length + 1, line.indexOf('}')) : '';
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('health, readiness and metrics', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let versionId: number;
  const metrics = async () => (await request(`${server.url}/metrics`)).text;

  beforeAll(async () => {
    await selectBackend();
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    server = await startTestServer(testDatabase.database);
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  it('says alive on /health and ready on /ready when no model version is active yet', async () => {
    const health = await request(`${server.url}/health`);
    expect([health.status, health.json]).toEqual([200, { status: 'ok' }]);
    const ready = await request(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({
      status: 'ready',
      checks: {
        database: { ok: true, kind: 'postgresql', latencyMs: expect.any(Number) },
        migrations: { ok: true, applied: readMigrations().length },
        model: { ok: true, activeModelVersion: null, note: expect.stringMatching(/no model version is active/) },
      },
    });
  });

  it('counts training jobs by outcome with their duration', async () => {
    const queued = await postGraphQL(server.url, { query: `mutation { trainModel(input: ${TINY}) { id } }` });
    const job = await server.services.runner.runNext(queued.json.data.trainModel.id);
    expect(job?.status).toBe('SUCCEEDED');
    versionId = job!.modelVersionId!;
    const text = await metrics();
    expect(sample(text, 'engine_health_training_jobs_total', { outcome: 'succeeded' })).toBe(1);
    expect(sample(text, 'engine_health_training_job_duration_seconds_count', { outcome: 'succeeded' })).toBe(1);
    expect(sample(text, 'engine_health_training_job_duration_seconds_sum', { outcome: 'succeeded' })).toBeGreaterThan(0);
  });

  it('reports the active model version on /ready once it is activated and decodes', async () => {
    await postGraphQL(server.url, { query: `mutation { activateModelVersion(id: ${versionId}) { activated { id } } }` });
    const ready = await request(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.json.checks.model).toEqual({ ok: true, activeModelVersion: { id: versionId, version: expect.any(Number) } });
  });

  it('counts GraphQL requests by operation and outcome, windows scored and anomalies by version, and batch sizes', async () => {
    const single = (endCycle: number) =>
      postGraphQL(server.url, {
        query: 'mutation Score($window: WindowInput!) { scoreWindow(window: $window) { isAnomaly } }',
        variables: { window: { columns: windowColumns(endCycle) } },
      });
    const singles = await Promise.all([40, 41, 42].map(single));
    expect(singles.map((response) => response.json.errors)).toEqual([undefined, undefined, undefined]);
    const batch = await postGraphQL(server.url, {
      query: 'mutation ScoreBatch($windows: [WindowInput!]!) { scoreWindows(windows: $windows) { isAnomaly cached } }',
      variables: { windows: [40, 50, 60, 70, 80].map((endCycle) => ({ columns: windowColumns(endCycle) })) },
    });
    expect(batch.json.data.scoreWindows.map((score: { cached: boolean }) => score.cached)).toEqual([true, false, false, false, false]);
    await postGraphQL(server.url, { query: 'query Missing { trainingJob(id: 999999) { id } }' });
    await postGraphQL(server.url, { query: '{ __typename }' });

    const text = await metrics();
    const version = String(versionId);
    expect(sample(text, 'engine_health_windows_scored_total', { model_version: version, source: 'computed' })).toBe(7);
    expect(sample(text, 'engine_health_windows_scored_total', { model_version: version, source: 'stored' })).toBe(1);
    const anomalies = sample(text, 'engine_health_anomalies_flagged_total', { model_version: version });
    const flagged = [
      ...singles.map((response) => response.json.data.scoreWindow.isAnomaly),
      ...batch.json.data.scoreWindows.map((score: { isAnomaly: boolean }) => score.isAnomaly),
    ];
    expect(anomalies).toBe(flagged.filter(Boolean).length);
    expect(sample(text, 'engine_health_scoring_batch_size_count', { source: 'request' })).toBe(1);
    expect(sample(text, 'engine_health_scoring_batch_size_sum', { source: 'request' })).toBe(5);
    expect(sample(text, 'engine_health_scoring_batch_size_sum', { source: 'dynamic' })).toBe(3);
    expect(sample(text, 'engine_health_graphql_requests_total', { operation: 'Score', type: 'mutation', outcome: 'success' })).toBe(3);
    expect(sample(text, 'engine_health_graphql_requests_total', { operation: 'Missing', type: 'query', outcome: 'NOT_FOUND' })).toBe(1);
    expect(
      sample(text, 'engine_health_graphql_requests_total', { operation: 'anonymous', type: 'query', outcome: 'success' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'engine_health_graphql_request_duration_seconds_count', { operation: 'Score', type: 'mutation', outcome: 'success' }),
    ).toBe(3);
    expect(sample(text, 'engine_health_http_requests_total', { route: 'ready', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
  });

  it('exposes database pool use and the default process metrics', async () => {
    const text = await metrics();
    expect(sample(text, 'engine_health_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    for (const state of ['idle', 'in_use', 'waiting'])
      expect(sample(text, 'engine_health_db_pool_connections', { state })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'engine_health_http_requests_in_flight')).toBe(1); // this scrape
  });

  it('protects /metrics with METRICS_TOKEN when it is set', async () => {
    const protectedServer = await startTestServer(testDatabase.database, { metricsToken: 'a-metrics-token-of-some-length' });
    try {
      const refused = await request(`${protectedServer.url}/metrics`);
      expect(refused.status).toBe(401);
      expect(refused.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(
        (await request(`${protectedServer.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status,
      ).toBe(401);
      const allowed = await request(`${protectedServer.url}/metrics`, {
        headers: { authorization: 'Bearer a-metrics-token-of-some-length' },
      });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    } finally {
      await protectedServer.close();
    }
  });

  it('turns /ready to 503 shutting_down when draining, and asks clients to close their connections', async () => {
    const draining = await startTestServer(testDatabase.database);
    try {
      draining.app.drain();
      const ready = await request(`${draining.url}/ready`);
      expect([ready.status, ready.json.status]).toEqual([503, 'shutting_down']);
      expect(ready.headers.get('connection')).toBe('close');
      expect((await request(`${draining.url}/health`)).status).toBe(200);
    } finally {
      await draining.close();
    }
  });
});

describe('readiness failures', () => {
  const withServer = async (database: Database, check: (server: TestServer) => Promise<void>) => {
    const server = await startTestServer(database);
    try {
      await check(server);
    } finally {
      await server.close();
      await database.close();
    }
  };

  it('is not ready while a migration is pending, naming it', async () => {
    const empty = await createEmptyDatabase();
    try {
      const database = await openPostgres(empty.url, 2);
      const [first, ...rest] = readMigrations();
      await applyMigrations(database.execScript, database.query, [first]);
      await withServer(database, async (server) => {
        const ready = await request(`${server.url}/ready`);
        expect(ready.status).toBe(503);
        expect(ready.json).toMatchObject({
          status: 'not_ready',
          checks: {
            database: { ok: true },
            migrations: { ok: false, pending: rest.map((migration) => migration.name) },
            model: { ok: false },
          },
        });
        expect((await request(`${server.url}/health`)).status).toBe(200);
      });
    } finally {
      await empty.drop();
    }
  });

  it('is not ready when the active model version cannot be decoded', async () => {
    const created = await createDatabaseFromTemplate();
    try {
      const database = await openPostgres(created.url, 2);
      await database.prisma.modelVersion.create({
        data: {
          version: 1,
          isActive: true,
          kind: 'lstm-autoencoder',
          options: {},
          summary: {},
          sensors: ['sensor2'],
          windowLength: 30,
          normalisation: {},
          scoringMethod: {},
          threshold: 1,
          thresholdQuantile: 0.99,
          artifact: { topology: { broken: true }, weightSpecs: [] },
          artifactBinary: Buffer.from([1, 2, 3]),
          backend: 'cpu',
          trainingMs: 1,
          trainedOn: {},
        },
      });
      await withServer(database, async (server) => {
        const ready = await request(`${server.url}/ready`);
        expect(ready.status).toBe(503);
        expect(ready.json.checks.model).toEqual({ ok: false, error: 'the active model version cannot be loaded' });
      });
    } finally {
      await created.drop();
    }
  });
});
