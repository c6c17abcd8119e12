// The database goes away while the server runs: /health stays 200, /ready turns 503, GraphQL answers
// SERVICE_UNAVAILABLE (503, Retry-After), including for keys that cannot be verified; when PostgreSQL
// is back the same process recovers without a restart. Runs a private PostgreSQL 15 cluster: the
// machine's shared one on port 5432 is never stopped.
import { openPostgres, type Database } from '../../src/platform/db/database';
import { applyMigrations } from '../../src/platform/db/migrations';
import { ApiKeyService } from '../../src/modules/api-keys/api-key-service';
import { startTestServer, type TestServer } from '../support/http';
import { createPrivatePostgres, privatePostgresAvailable, type PrivatePostgres } from '../support/private-postgres';
import { bearer, postGraphQL, request, waitUntil } from '../support/requests';
import pg from 'pg';

const availability = privatePostgresAvailable();
const describeIfPostgres = availability.ok ? describe : describe.skip;
if (!availability.ok) console.warn(`skipping the database outage test: ${availability.reason}`);

describeIfPostgres('a database outage while the server runs', () => {
  let cluster: PrivatePostgres;
  let database: Database;
  let server: TestServer;
  let cachedKey: string;
  let uncachedKey: string;

  beforeAll(async () => {
    cluster = await createPrivatePostgres();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE engine_health');
    await admin.end();
    database = await openPostgres(cluster.url('engine_health'), 4);
    await applyMigrations(database.execScript, database.query);
    const keys = new ApiKeyService(database.prisma);
    cachedKey = (await keys.create('used before the outage', 'reader,scorer')).key;
    uncachedKey = (await keys.create('first used during the outage', 'reader')).key;
    server = await startTestServer(
      database,
      { auth: { enabled: true, cacheTtlMs: 60 * 60 * 1000 } },
      { runner: { pollIntervalMs: 100, heartbeatIntervalMs: 100 } },
    );
    server.services.runner.start();
  }, 120_000);

  afterAll(async () => {
    await server?.services.runner.stop();
    await server?.close();
    await database?.close();
    await cluster?.destroy();
  });

  const engines = (key: string) => postGraphQL(server.url, { query: '{ engines { totalCount } }' }, bearer(key));
  const createEngine = (key: string, externalId: string) =>
    postGraphQL(
      server.url,
      { query: 'mutation ($id: String!) { createEngine(input: { externalId: $id }) { id } }', variables: { id: externalId } },
      bearer(key),
    );

  it('serves normally before the outage', async () => {
    expect((await request(`${server.url}/ready`)).status).toBe(200);
    expect((await engines(cachedKey)).json).toEqual({ data: { engines: { totalCount: 0 } } });
    expect((await createEngine(cachedKey, 'before')).json.errors).toBeUndefined();
  });

  it('reports the outage: /ready 503, GraphQL SERVICE_UNAVAILABLE with Retry-After; /health and /metrics still answer', async () => {
    await cluster.stop();

    const health = await request(`${server.url}/health`);
    expect(health.status).toBe(200);
    const ready = await request(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({ status: 'not_ready', checks: { database: { ok: false, error: 'unreachable' } } });
    expect(ready.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);

    for (const response of [await engines(cachedKey), await createEngine(cachedKey, 'during')]) {
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(response.json.errors[0]).toMatchObject({
        message: 'the database is unavailable; retry shortly',
        extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterMs: expect.any(Number), requestId: response.headers.get('x-request-id') },
      });
      expect(response.text).not.toMatch(/P1001|ECONNREFUSED|127\.0\.0\.1|prisma/i);
    }
    // A key that cannot be checked is not called invalid: the service is unavailable.
    const unverified = await engines(uncachedKey);
    expect(unverified.status).toBe(503);
    expect(unverified.json.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');

    const metrics = await request(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(
      /engine_health_graphql_requests_total\{operation="anonymous",type="query",outcome="SERVICE_UNAVAILABLE"\} [1-9]/,
    );
  });

  it('recovers without a restart once PostgreSQL is back', async () => {
    await cluster.start();
    await waitUntil(
      () => request(`${server.url}/ready`),
      (response) => response.status === 200,
      30_000,
      '/ready 200 after the restart',
    );
    expect((await engines(cachedKey)).json).toEqual({ data: { engines: { totalCount: 1 } } });
    expect((await engines(uncachedKey)).json).toEqual({ data: { engines: { totalCount: 1 } } });
    expect((await createEngine(cachedKey, 'after')).json.errors).toBeUndefined();
    // Nothing refused during the outage was written.
    expect((await database.prisma.engine.findMany({ orderBy: { id: 'asc' } })).map((engine) => engine.externalId)).toEqual([
      'before',
      'after',
    ]);
  });
});
