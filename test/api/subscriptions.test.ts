// GraphQL subscriptions over graphql-ws at /graphql, with a real graphql-ws client: engineScores pushes
// each score an appendCycles(score: true) stores, on this replica or another one on the same database
// (PostgreSQL LISTEN/NOTIFY); the API key goes in connection_init, roles are those of the queries, and a
// connection holds a limited number of subscriptions.
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { loadConfig } from '../../src/main/config';
import { importFirstUnits, trainUnitCycles } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { bearer, postGraphQL, waitUntil } from '../support/requests';

/** FD001 train unit 1's cycles as CycleInput (settings and 21 sensors). */
const unit1 = trainUnitCycles(1);

/** FD001 train unit 8's cycles; it fails after its last one. */
const unit8 = trainUnitCycles(8);
const SEVERITY_ORDER = ['WARNING', 'SERIOUS', 'CRITICAL'];

const APPEND = `mutation ($id: Int!, $cycles: [CycleInput!]!) {
  appendCycles(engineId: $id, cycles: $cycles, score: true) { scored { modelVersionId points { endCycle score isAnomaly } } } }`;
const ENGINE_SCORES = `subscription ($id: Int!) { engineScores(engineId: $id) { engineId modelVersionId endCycle score isAnomaly threshold } }`;

interface Score {
  engineId: number;
  modelVersionId: number;
  endCycle: number;
  score: number;
  isAnomaly: boolean;
  threshold: number;
}

/** A subscription's results as they arrive, and how it ended. */
class Received<T> {
  readonly items: T[] = [];
  errors: unknown = null;
  completed = false;
  readonly dispose: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown>) {
    this.dispose = client.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) this.errors = result.errors;
          else this.items.push(Object.values(result.data!)[0]);
        },
        error: (error) => {
          this.errors = error;
        },
        complete: () => {
          this.completed = true;
        },
      },
    );
  }
}

describe('GraphQL subscriptions (graphql-ws)', () => {
  let testDatabase: TestDatabase;
  let replicaA: TestServer;
  let replicaB: TestServer;
  let reader: string;
  let scorer: string;
  const clients: Client[] = [];

  const connect = (server: TestServer, key: string | null) => {
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: key === null ? undefined : { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
    });
    clients.push(client);
    return client;
  };
  const createEngine = async (externalId: string) =>
    (await replicaA.services.engines.createLive(externalId, await replicaA.services.datasets.catalogue('FD001'))).id;
  const append = async (server: TestServer, id: number, from: number, to: number, cycles = unit1) => {
    const response = await postGraphQL(
      server.url,
      { query: APPEND, variables: { id, cycles: cycles.slice(from - 1, to) } },
      bearer(scorer),
    );
    expect(response.json.errors).toBeUndefined();
    return (response.json.data as { appendCycles: { scored: { modelVersionId: number; points: Score[] } } }).appendCycles.scored;
  };
  /** Waits until the key's connections still counted on the database are `count` (a close releases its place after it completes). */
  const leasesHeld = (key: string, count: number) =>
    waitUntil(
      async () =>
        (
          await testDatabase.database.query<{ count: number }>(
            `SELECT count(*)::int AS count FROM subscription_connections c JOIN api_keys k ON k.id = c.key_id
              WHERE k.prefix = $1 AND c.lease_until > now()`,
            [key.split('_').slice(0, 2).join('_')],
          )
        )[0].count,
      (held) => held === count,
      30_000,
      `${count} connections of the key counted`,
    );
  /** Waits until `server` has `count` subscribers that will hear the next event. */
  const subscribed = (server: TestServer, count: number) =>
    waitUntil(
      async () => server.services.events.readySubscribers(),
      (ready) => ready === count,
      30_000,
      `${count} subscribers ready`,
    );

  beforeAll(async () => {
    await selectBackend();
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    const limits = { ...loadConfig({ NODE_ENV: 'test' }).limits, subscriptionsPerConnection: 2 };
    // Two replicas on one database, each with its own event listener, as two processes would be.
    replicaA = await startTestServer(testDatabase.database, { auth: { enabled: true, cacheTtlMs: 0 }, limits });
    replicaB = await startTestServer(testDatabase.database, { auth: { enabled: true, cacheTtlMs: 0 }, limits });
    reader = (await replicaA.services.apiKeys.create('watcher', ['reader'])).key;
    scorer = (await replicaA.services.apiKeys.create('reporter', ['scorer'])).key;
    const job = await replicaA.services.jobs.enqueue({
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
      hidden: 8,
      code: 4,
      epochs: 2,
      batchSize: 64,
      activate: true,
    });
    expect((await replicaA.services.runner.runNext(job.id))?.status).toBe('SUCCEEDED');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await replicaA?.close();
    await replicaB?.close();
    await testDatabase?.dispose();
  });

  it('pushes each score an append stores to a reader subscribed to the engine, and none of other engines', async () => {
    const engine = await createEngine('sub-same-replica');
    const other = await createEngine('sub-other-engine');
    const client = connect(replicaA, reader);
    const scores = new Received<Score>(client, ENGINE_SCORES, { id: engine });
    await subscribed(replicaA, 1);

    await append(replicaA, other, 1, 31);
    const first = await append(replicaA, engine, 1, 31); // windows ending at cycles 30 and 31
    const second = await append(replicaA, engine, 32, 34);
    const expected = [...first.points, ...second.points].map((point) => ({
      engineId: engine,
      modelVersionId: first.modelVersionId,
      endCycle: point.endCycle,
      score: point.score,
      isAnomaly: point.isAnomaly,
    }));
    expect(expected.map((point) => point.endCycle)).toEqual([30, 31, 32, 33, 34]);
    await waitUntil(
      async () => scores.items.length,
      (count) => count >= expected.length,
      30_000,
      'five scores received',
    );
    expect(scores.items.map(({ threshold: _threshold, ...score }) => score)).toEqual(expected);
    expect(scores.errors).toBeNull();
    scores.dispose();
    await subscribed(replicaA, 0);
  });

  it('runs subscriptions alike once per event for all of them: a late one gets the scores from its joining on', async () => {
    const engine = await createEngine('sub-shared');
    const early = new Received<Score>(connect(replicaA, reader), ENGINE_SCORES, { id: engine });
    await subscribed(replicaA, 1);
    await append(replicaA, engine, 1, 30);
    const late = new Received<Score>(connect(replicaA, reader), ENGINE_SCORES, { id: engine });
    // The late subscription adds no listener of its own: it has joined once it hears a score.
    let cycle = 31;
    await waitUntil(
      async () => {
        await append(replicaA, engine, cycle, cycle);
        cycle++;
        return late.items.length;
      },
      (count) => count > 0,
      30_000,
      'the late subscription hears a score',
    );
    expect(replicaA.services.events.readySubscribers()).toBe(1);
    await append(replicaA, engine, cycle, cycle + 2);
    await waitUntil(
      async () => [early.items.length, late.items.length],
      ([all, joined]) => all === cycle + 2 - 29 && joined === cycle + 2 - late.items[0].endCycle + 1,
      30_000,
      'both subscriptions have every score since they joined',
    );
    expect(late.items).toEqual(early.items.slice(early.items.length - late.items.length));

    // One leaving ends nothing for the other.
    late.dispose();
    await append(replicaA, engine, cycle + 3, cycle + 3);
    await waitUntil(
      async () => early.items.at(-1)?.endCycle,
      (last) => last === cycle + 3,
      30_000,
      'the early subscription still hears scores',
    );
    expect([early.errors, late.errors]).toEqual([null, null]);
    early.dispose();
    await subscribed(replicaA, 0);
  });

  it('delivers a score stored through another replica (LISTEN/NOTIFY on the shared database)', async () => {
    const engine = await createEngine('sub-cross-replica');
    const client = connect(replicaA, reader);
    const scores = new Received<Score>(client, ENGINE_SCORES, { id: engine });
    await subscribed(replicaA, 1);

    const scored = await append(replicaB, engine, 1, 32);
    await waitUntil(
      async () => scores.items.length,
      (count) => count >= 3,
      30_000,
      'three scores received across replicas',
    );
    expect(scores.items.map((score) => [score.endCycle, score.score])).toEqual(scored.points.map((point) => [point.endCycle, point.score]));
    scores.dispose();
    await subscribed(replicaA, 0);
  });

  it('refuses a connection without an API key, and a key without the reader role', async () => {
    const anonymous = new Received<Score>(connect(replicaA, null), ENGINE_SCORES, { id: 1 });
    await waitUntil(
      async () => anonymous.errors,
      (error) => error !== null,
      30_000,
      'anonymous connection closed',
    );
    expect(anonymous.errors).toMatchObject({ code: 4401, reason: expect.stringMatching(/^UNAUTHENTICATED: /) });
    expect(anonymous.items).toEqual([]);

    const forbidden = new Received<Score>(connect(replicaA, scorer), ENGINE_SCORES, { id: 1 });
    await waitUntil(
      async () => forbidden.errors,
      (error) => error !== null,
      30_000,
      'scorer subscription refused',
    );
    expect(forbidden.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/needs the reader role/),
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
  });

  it('holds at most SUBSCRIPTIONS_PER_CONNECTION subscriptions on a connection, and refuses queries over it', async () => {
    const client = connect(replicaB, reader);
    const held = [new Received<Score>(client, ENGINE_SCORES, { id: 1 }), new Received<Score>(client, ENGINE_SCORES, { id: 2 })];
    await subscribed(replicaB, 2);
    const third = new Received<Score>(client, ENGINE_SCORES, { id: 3 });
    await waitUntil(
      async () => third.errors,
      (error) => error !== null,
      30_000,
      'third subscription refused',
    );
    expect(third.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'SUBSCRIPTION_LIMIT', limit: 2 }) }),
    ]);
    expect(held.map((subscription) => subscription.errors)).toEqual([null, null]);

    held[0].dispose();
    await subscribed(replicaB, 1);
    const query = new Received<unknown>(client, '{ engines { totalCount } }', {});
    await waitUntil(
      async () => query.errors,
      (error) => error !== null,
      30_000,
      'query refused',
    );
    expect(query.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_REQUEST' }) })]);
    held[1].dispose();
    await subscribed(replicaB, 0);
  });

  it('holds at most CONNECTIONS_PER_KEY connections of a key, closing one more with 4429', async () => {
    const limited = await startTestServer(testDatabase.database, {
      auth: { enabled: true, cacheTtlMs: 0 },
      limits: { ...loadConfig({ NODE_ENV: 'test' }).limits, connectionsPerKey: 2 },
    });
    try {
      const crowd = (await limited.services.apiKeys.create('crowd', ['reader'])).key;
      const first = connect(limited, crowd);
      const held = [first, connect(limited, crowd)].map((client, index) => new Received<Score>(client, ENGINE_SCORES, { id: index + 1 }));
      await subscribed(limited, 2);
      const refused = new Received<Score>(connect(limited, crowd), ENGINE_SCORES, { id: 1 });
      await waitUntil(
        async () => refused.errors,
        (error) => error !== null,
        30_000,
        'third connection of the key closed',
      );
      expect(refused.errors).toMatchObject({ code: 4429, reason: expect.stringMatching(/^CONNECTION_LIMIT: .*CONNECTIONS_PER_KEY/) });
      expect(held.map((subscription) => subscription.errors)).toEqual([null, null]);

      // Another key is counted apart (a fresh one: reader's connections on the other replicas count too); a
      // closed connection frees its place.
      const otherKey = (await limited.services.apiKeys.create('crowd-2', ['reader'])).key;
      const other = new Received<Score>(connect(limited, otherKey), ENGINE_SCORES, { id: 3 });
      await subscribed(limited, 3);
      await first.dispose();
      await subscribed(limited, 2);
      await leasesHeld(crowd, 1);
      const again = new Received<Score>(connect(limited, crowd), ENGINE_SCORES, { id: 1 });
      await subscribed(limited, 3);
      expect([again.errors, other.errors, held[1].errors]).toEqual([null, null, null]);
    } finally {
      await Promise.all(clients.splice(-5).map((client) => client.dispose()));
      await limited.close();
    }
  });

  it("counts a key's connections over every replica on the database, not those of a process that died", async () => {
    const limits = { ...loadConfig({ NODE_ENV: 'test' }).limits, connectionsPerKey: 2 };
    const [left, right] = [
      await startTestServer(testDatabase.database, { auth: { enabled: true, cacheTtlMs: 0 }, limits }),
      await startTestServer(testDatabase.database, { auth: { enabled: true, cacheTtlMs: 0 }, limits }),
    ];
    try {
      const created = await left.services.apiKeys.create('fleet', ['reader']);
      // A connection of a process that died: its lease ran out 10 s ago, so it is not counted.
      await testDatabase.database.query(
        `INSERT INTO subscription_connections (id, key_id, process_id, lease_until) VALUES ($1, $2, $3, now() - interval '10 seconds')`,
        [randomUUID(), created.info.id, randomUUID()],
      );
      const onLeft = connect(left, created.key);
      const held = [new Received<Score>(onLeft, ENGINE_SCORES, { id: 1 })];
      await subscribed(left, 1);
      held.push(new Received<Score>(connect(right, created.key), ENGINE_SCORES, { id: 2 }));
      await subscribed(right, 1);
      // One connection on each replica: the key's two places are taken on both.
      for (const server of [left, right]) {
        const refused = new Received<Score>(connect(server, created.key), ENGINE_SCORES, { id: 1 });
        await waitUntil(
          async () => refused.errors,
          (error) => error !== null,
          30_000,
          'a third connection of the key closed',
        );
        expect(refused.errors).toMatchObject({ code: 4429, reason: expect.stringMatching(/^CONNECTION_LIMIT: this API key holds 2 /) });
      }
      expect(held.map((subscription) => subscription.errors)).toEqual([null, null]);

      // Closed on one replica, the place is free on the other.
      await onLeft.dispose();
      await leasesHeld(created.key, 1);
      const again = new Received<Score>(connect(right, created.key), ENGINE_SCORES, { id: 1 });
      await subscribed(right, 2);
      expect([again.errors, held[1].errors]).toEqual([null, null]);
    } finally {
      await Promise.all(clients.splice(-5).map((client) => client.dispose()));
      await left.close();
      await right.close();
    }
  });

  it('pushes each alert opened or whose severity rose, as filtered, from appends through another replica', async () => {
    // A z-score version (fit on units 1-4): unit 8's last cycles, near failure, raise an alert.
    const job = await replicaA.services.jobs.enqueue({
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 7 }],
      activate: true,
    });
    expect((await replicaA.services.runner.runNext(job.id))?.status).toBe('SUCCEEDED');
    const engine = await createEngine('sub-alerts-unit-8');
    const quiet = await createEngine('sub-alerts-quiet');
    const client = connect(replicaA, reader);
    const alerts = new Received<{ id: number; engineId: number; severity: string; state: string; openedCycle: number }>(
      client,
      'subscription ($id: Int!) { alerts(filter: { engineId: $id }) { id engineId severity state openedCycle } }',
      { id: engine },
    );
    const others = new Received<unknown>(client, 'subscription ($id: Int!) { alerts(filter: { engineId: $id }) { id } }', { id: quiet });
    await subscribed(replicaA, 2);

    const last = unit8.length;
    const history = await postGraphQL(
      replicaB.url,
      {
        query: 'mutation ($id: Int!, $cycles: [CycleInput!]!) { appendCycles(engineId: $id, cycles: $cycles) { appendedCycles } }',
        variables: { id: engine, cycles: unit8.slice(0, last - 60) },
      },
      bearer(scorer),
    );
    expect(history.json.errors).toBeUndefined();
    for (let from = last - 59; from <= last; from += 5) await append(replicaB, engine, from, from + 4, unit8);

    const stored = await replicaA.graphql(
      'query ($id: Int!) { alerts(filter: { engineId: $id }, first: 50) { items { id severity } } }',
      { id: engine },
      bearer(reader),
    );
    const final = (stored.data.alerts.items as { id: number; severity: string }[]).reverse();
    expect(final.length).toBeGreaterThan(0);
    // Each alert is announced when it opens and each time its severity rises: its last announcement is its stored severity.
    await waitUntil(
      async () => final.every((alert) => alerts.items.filter((item) => item.id === alert.id).at(-1)?.severity === alert.severity),
      (done) => done,
      30_000,
      'every stored alert announced at its severity',
    );
    for (const alert of final) {
      const announced = alerts.items.filter((item) => item.id === alert.id).map((item) => SEVERITY_ORDER.indexOf(item.severity));
      expect(announced).toEqual([...new Set(announced)].sort());
    }
    expect(alerts.items.every((item) => item.engineId === engine)).toBe(true);
    expect(alerts.errors).toBeNull();
    expect(others.items).toEqual([]);
    alerts.dispose();
    others.dispose();
    await subscribed(replicaA, 0);
  });

  it('pushes a training job at each change (claimed, each epoch, finished) while another replica trains it', async () => {
    const job = await replicaA.services.jobs.enqueue({
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
      hidden: 8,
      code: 4,
      epochs: 3,
      batchSize: 64,
    });
    const client = connect(replicaA, reader);
    const updates = new Received<{ id: number; status: string; progress: { epochsCompleted: number; totalEpochs: number } }>(
      client,
      'subscription ($id: Int!) { trainingJobProgress(id: $id) { id status progress { epochsCompleted totalEpochs } } }',
      { id: job.id },
    );
    await subscribed(replicaA, 1);

    expect((await replicaB.services.runner.runNext(job.id))?.status).toBe('SUCCEEDED');
    await waitUntil(
      async () => updates.items.at(-1)?.status,
      (status) => status === 'SUCCEEDED',
      30_000,
      'SUCCEEDED pushed',
    );
    expect(updates.errors).toBeNull();
    expect(updates.items.every((update) => update.id === job.id && update.progress.totalEpochs === 3)).toBe(true);
    // Each stored epoch is announced; an update read after later changes shows them, so counts never go down.
    const completed = updates.items.map((update) => update.progress.epochsCompleted);
    expect(completed).toEqual([...completed].sort());
    expect(completed.at(-1)).toBe(3);
    expect(updates.items.length).toBeGreaterThanOrEqual(5); // claimed, three epochs, finished
    updates.dispose();
    await subscribed(replicaA, 0);
  });

  it('pushes a batch job at each change (claimed, each engine, finished) while another replica runs it', async () => {
    const job = await replicaA.services.batchJobs.startScoring(null, { dataset: 'FD001', role: 'TEST' });
    const client = connect(replicaA, reader);
    const updates = new Received<{ id: number; status: string; progress: { enginesDone: number; totalEngines: number } }>(
      client,
      'subscription ($id: Int!) { batchJobProgress(id: $id) { id status progress { enginesDone totalEngines } } }',
      { id: job.id },
    );
    await subscribed(replicaA, 1);

    expect((await replicaB.services.batchRunner.runNext(job.id))?.status).toBe('SUCCEEDED');
    await waitUntil(
      async () => updates.items.at(-1)?.status,
      (status) => status === 'SUCCEEDED',
      30_000,
      'SUCCEEDED pushed',
    );
    expect(updates.errors).toBeNull();
    expect(updates.items.every((update) => update.id === job.id && update.progress.totalEngines === 8)).toBe(true);
    const done = updates.items.map((update) => update.progress.enginesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.at(-1)).toBe(8);
    updates.dispose();
    await subscribed(replicaA, 0);
  });
});
