// Webhooks end to end: an admin registers a local receiver over GraphQL; a live engine reports its last 60
// cycles over HTTP with appendCycles(score: true); the receiver, verifying each signature, gets the alert
// events with the severity rising, and a graphql-ws subscription gets the same alerts. Roles and bad URLs
// get typed errors. A delivery pending when its server stops is sent, once, by the next server started on
// the same database.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { loadConfig } from '../../src/main/config';
import { startServer, type RunningServer } from '../../src/main/server';
import { createServices } from '../../src/main/services';
import { openPostgres } from '../../src/platform/db/database';
import { createLogger } from '../../src/platform/observability/logger';
import { importFirstUnits, trainUnitCycles } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { createDatabaseFromTemplate } from '../support/postgres';
import { bearer, postGraphQL, waitUntil } from '../support/requests';
import { startWebhookReceiver, type WebhookReceiver } from '../../bench/webhook-receiver';

/** FD001 train unit 8's cycles as CycleInput; it fails after its last one. */
const unit8 = trainUnitCycles(8);
const SEVERITY_ORDER = ['WARNING', 'SERIOUS', 'CRITICAL'];
const LOOPBACK = { allowHttpLoopback: true, allowPrivateTargets: false };
const APPEND = `mutation ($id: Int!, $cycles: [CycleInput!]!, $score: Boolean!) {
  appendCycles(engineId: $id, cycles: $cycles, score: $score) { appendedCycles } }`;
const REGISTER = `mutation ($input: RegisterWebhookEndpointInput!) {
  registerWebhookEndpoint(input: $input) { secret endpoint { id url minSeverity eventTypes enabled } } }`;
const Z_SCORE_VERSION = {
  kind: 'z-score',
  trainUnits: [{ from: 1, to: 4 }],
  calibrationUnits: [{ from: 5, to: 6 }],
  testUnits: [{ from: 7, to: 7 }],
  activate: true,
};

interface AlertEvent {
  id: number;
  severity: string;
  lastCycle: number;
}

describe('webhooks for alert events', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let receiver: WebhookReceiver;
  let admin: string;
  let reader: string;
  let scorer: string;
  let client: Client | null = null;
  const graphql = (key: string, query: string, variables: Record<string, unknown> = {}) =>
    postGraphQL(server.url, { query, variables }, bearer(key)).then((response) => response.json as any);

  beforeAll(async () => {
    await selectBackend();
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    server = await startTestServer(testDatabase.database, { auth: { enabled: true, cacheTtlMs: 0 } }, { webhookTargets: LOOPBACK });
    admin = (await server.services.apiKeys.create('admin', ['admin'])).key;
    reader = (await server.services.apiKeys.create('watcher', ['reader'])).key;
    scorer = (await server.services.apiKeys.create('reporter', ['scorer'])).key;
    const job = await server.services.jobs.enqueue(Z_SCORE_VERSION);
    expect((await server.services.runner.runNext(job.id))?.status).toBe('SUCCEEDED');
    receiver = await startWebhookReceiver();
  }, 120_000);

  afterAll(async () => {
    await client?.dispose();
    await server?.services.webhookRunner.stop();
    await server?.close();
    await receiver?.close();
    await testDatabase?.dispose();
  });

  it('lets admins only manage endpoints, and refuses bad URLs with INVALID_WEBHOOK_URL', async () => {
    const forbidden = await graphql(reader, REGISTER, { input: { url: receiver.url } });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await graphql(scorer, '{ webhookEndpoints { id } }')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const url of ['http://hooks.example.com/alerts', 'https://169.254.169.254/latest/meta-data', 'https://10.0.0.7/alerts']) {
      const refused = await graphql(admin, REGISTER, { input: { url } });
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_WEBHOOK_URL', reason: expect.any(String) } });
    }
    const badFilter = await graphql(admin, REGISTER, { input: { url: receiver.url, minSeverity: 'LOUD' } });
    expect(badFilter.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // The secret is no field of an endpoint: no query can read it.
    expect((await graphql(admin, '{ webhookEndpoints { secret } }')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await graphql(admin, '{ webhookEndpoints { id } }')).data.webhookEndpoints).toEqual([]);
  });

  it('sends a live engine alert events, signed, with the severity rising, as the alerts subscription pushes them', async () => {
    const registered = await graphql(admin, REGISTER, { input: { url: receiver.url, description: 'on-call' } });
    expect(registered.errors).toBeUndefined();
    const { secret, endpoint } = registered.data.registerWebhookEndpoint;
    expect(endpoint).toMatchObject({ url: receiver.url, minSeverity: 'WARNING', enabled: true });
    receiver.secret = secret;

    const created = await graphql(scorer, 'mutation { createEngine(input: { externalId: "ESN-webhooks-8", dataset: "FD001" }) { id } }');
    const engineId = created.data.createEngine.id as number;
    client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${reader}` },
      retryAttempts: 0,
    });
    const pushed: AlertEvent[] = [];
    client.subscribe<{ alerts: AlertEvent }>(
      { query: 'subscription ($id: Int!) { alerts(filter: { engineId: $id }) { id severity lastCycle } }', variables: { id: engineId } },
      { next: (result) => result.data && pushed.push(result.data.alerts), error: () => undefined, complete: () => undefined },
    );
    await waitUntil(
      async () => server.services.events.readySubscribers(),
      (ready) => ready === 1,
      30_000,
      'subscriber ready',
    );
    server.services.webhookRunner.start();

    const append = (cycles: unknown[], score: boolean) => graphql(scorer, APPEND, { id: engineId, cycles, score });
    expect((await append(unit8.slice(0, -60), false)).errors).toBeUndefined();
    for (let from = unit8.length - 60; from < unit8.length; from += 5) {
      expect((await append(unit8.slice(from, from + 5), true)).errors).toBeUndefined();
    }

    const deliveries = await waitUntil(
      () => server.services.webhooks.deliveries(endpoint.id, 50),
      (rows) => rows.length > 0 && rows.every((row) => row.status === 'DELIVERED'),
      60_000,
      'every delivery sent',
    );
    expect(receiver.received.every((entry) => entry.verifyError === null && entry.status === 200)).toBe(true);
    expect([...receiver.acknowledged().values()]).toEqual(deliveries.map(() => 1));
    const events = receiver.received
      .map((entry) => entry.payload!)
      .sort((a, b) => a.data.lastCycle - b.data.lastCycle || a.data.alertId - b.data.alertId);
    expect(events.every((event) => event.data.engineId === engineId && event.data.engineExternalId === 'ESN-webhooks-8')).toBe(true);

    // The alert open at failure: opened, then its severity rose, event after event.
    const last = events.at(-1)!.data.alertId;
    const ofLast = events.filter((event) => event.data.alertId === last);
    expect(ofLast[0].type).toBe('alert.opened');
    expect(ofLast.slice(1).every((event) => event.type === 'alert.severity_raised')).toBe(true);
    const severities = ofLast.map((event) => SEVERITY_ORDER.indexOf(event.data.severity));
    expect(severities).toEqual([...severities].sort((a, b) => a - b));
    expect(severities.at(-1)!).toBeGreaterThan(severities[0]);

    // The subscription pushed the same alerts at the same severities.
    const announced = events
      .filter((event) => event.type !== 'alert.closed')
      .map((event) => [event.data.alertId, event.data.severity, event.data.lastCycle]);
    await waitUntil(
      async () => pushed.length,
      (count) => count >= announced.length,
      30_000,
      'alerts pushed',
    );
    expect(pushed.map((alert) => [alert.id, alert.severity, alert.lastCycle])).toEqual(announced);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`engine_health_webhook_attempts_total{outcome="delivered"} ${deliveries.length}`);

    const listed = await graphql(
      admin,
      '{ webhookEndpoints { id deliveries(first: 50) { messageId eventType alertId status attempts lastStatusCode lastError nextAttemptAt } } }',
    );
    expect(listed.data.webhookEndpoints[0].deliveries).toEqual(
      deliveries.map((row) => ({
        messageId: row.messageId,
        eventType: row.eventType,
        alertId: row.alertId,
        status: 'DELIVERED',
        attempts: 1,
        lastStatusCode: 200,
        lastError: null,
        nextAttemptAt: null,
      })),
    );
  });
});

describe('webhook deliveries across a restart', () => {
  it('sends a delivery left pending by a stopped server from the next server on the same database, once', async () => {
    await selectBackend();
    const created = await createDatabaseFromTemplate();
    const database = await openPostgres(created.url, 2);
    const receiver = await startWebhookReceiver();
    const running: RunningServer[] = [];
    const start = async (webhookRunner: boolean) => {
      const config = loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: created.url,
        PORT: '0',
        LOG_LEVEL: 'silent',
        AUTH_ENABLED: 'false',
        TRAINING_RUNNER: 'false',
        IMPORT_RUNNER: 'false',
        INFERENCE_THREAD: 'false',
        WEBHOOK_RUNNER: String(webhookRunner),
        WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
      });
      const started = await startServer(config, createLogger('silent'));
      running.push(started);
      return started;
    };
    try {
      await importFirstUnits(database.prisma, 8);
      const services = createServices(database, createLogger('silent'), { webhookTargets: LOOPBACK });
      const job = await services.jobs.enqueue(Z_SCORE_VERSION);
      expect((await services.runner.runNext(job.id))?.status).toBe('SUCCEEDED');
      receiver.secret = (await services.webhooks.register({ url: receiver.url })).secret;
      const engine = await services.engines.createLive('ESN-restart-8', await services.datasets.catalogue('FD001'));

      // The first server stores the alerts and their deliveries, and stops before sending them.
      const first = await start(false);
      const url = `http://127.0.0.1:${first.port}`;
      for (const [cycles, score] of [
        [unit8.slice(0, -60), false],
        [unit8.slice(-60), true],
      ] as const) {
        const response = await postGraphQL(url, { query: APPEND, variables: { id: engine.id, cycles, score } });
        expect(response.json.errors).toBeUndefined();
      }
      await first.stop();
      const pending = await database.prisma.webhookDelivery.findMany({ where: { status: 'PENDING' }, orderBy: { id: 'asc' } });
      expect(pending.length).toBeGreaterThan(0);
      expect(receiver.received).toEqual([]);

      await start(true);
      const delivered = await waitUntil(
        () => database.prisma.webhookDelivery.findMany({ orderBy: { id: 'asc' } }),
        (rows) => rows.every((row) => row.status === 'DELIVERED'),
        60_000,
        'pending deliveries sent by the second server',
      );
      expect(delivered.map((row) => row.messageId)).toEqual(pending.map((row) => row.messageId));
      expect([...receiver.acknowledged().entries()].sort()).toEqual(pending.map((row) => [row.messageId, 1]).sort());
      expect(receiver.received.every((entry) => entry.verifyError === null)).toBe(true);
    } finally {
      for (const server of running) await server.stop();
      await receiver.close();
      await database.close();
      await created.drop();
    }
  }, 120_000);
});
