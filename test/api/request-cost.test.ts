// What one request may cost (issue 15, defect 4): the estimated cost scales with page sizes, cycle
// ranges and trajectories, variables included; windows scored because of a read count against the
// caller's scoring rate limit and are bounded per request; reads of cycles and trajectory points are
// bounded at the database; an answer over HTTP_RESPONSE_LIMIT_BYTES is a typed error, not a truncated
// body.
import { selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { loadConfig, type AppConfig } from '../../src/main/config';
import { importFirstUnits } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { postGraphQL, request } from '../support/requests';

const base = loadConfig({ NODE_ENV: 'test' });
const limits = (changes: Partial<AppConfig['limits']>): Partial<AppConfig> => ({ limits: { ...base.limits, ...changes } });

describe('the cost of a request', () => {
  let testDatabase: TestDatabase;
  let versionId: number;
  const servers: TestServer[] = [];
  const start = async (overrides: Partial<AppConfig> = {}) => {
    const server = await startTestServer(testDatabase.database, overrides);
    servers.push(server);
    return server;
  };
  const scores = async () => Number((await testDatabase.database.query<{ n: string }>('SELECT count(*) AS n FROM scores'))[0].n);
  // graphql-js answers as soon as one item of a list fails (Promise.all), while the trajectories of the
  // other items are still scoring: wait for their writes to stop before counting them.
  const settledScores = async () => {
    let last = await scores();
    for (let quiet = 0, polls = 0; quiet < 3 && polls < 100; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = await scores();
      quiet = now === last ? quiet + 1 : 0;
      last = now;
    }
    return last;
  };

  beforeAll(async () => {
    await selectBackend();
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    const server = await start();
    const job = await server.services.jobs.enqueue({
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
      hidden: 8,
      code: 4,
      epochs: 1,
      batchSize: 64,
    });
    versionId = (await server.services.runner.runNext(job.id))!.modelVersionId!;
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) await server.close();
    await testDatabase?.dispose();
  });

  it("refuses issue 15's heavy reads before running them, page sizes and variables counted", async () => {
    const server = servers[0];
    const aliases = Array.from(
      { length: 15 },
      (_, index) => `a${index}: engines(page: { limit: 500 }) { items { cycles { sensors settings } } }`,
    );
    const cases = [
      { query: `{ ${aliases.join(' ')} }` },
      { query: `{ engines(page: { limit: 500 }) { items { trajectory(modelVersionId: ${versionId}) { firstFlaggedCycle } } } }` },
      { query: 'query ($p: PageInput) { engines(page: $p) { items { cycles { sensors } } } }', variables: { p: { limit: 500 } } },
      // Cursor connections: first and last size their edges as page.limit sizes items.
      { query: 'query ($n: Int) { enginesConnection(first: $n) { edges { node { cycles { sensors } } } } }', variables: { n: 500 } },
      { query: '{ enginesConnection(last: 500) { edges { node { cycles { sensors } } } } }' },
    ];
    const before = await scores();
    for (const body of cases) {
      const started = performance.now();
      const response = await postGraphQL(server.url, body);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(response.status).toBe(400);
      expect(response.json.errors[0]).toMatchObject({
        message: expect.stringMatching(/^the operation's estimated cost is \d+, more than GRAPHQL_MAX_COST \(50000\)/),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', maxCost: 50_000 },
      });
    }
    expect(await scores()).toBe(before);
    // Fragments spread twice at every level: 2^40 engine lists, counted once per fragment.
    const fragments = Array.from({ length: 40 }, (_, level) =>
      level === 0 ? 'fragment F0 on Query { engines { totalCount } }' : `fragment F${level} on Query { ...F${level - 1} ...F${level - 1} }`,
    );
    const deep = await start(limits({ maxDepth: 100 })); // so that the fragments reach the cost estimate
    const started = performance.now();
    const bomb = await postGraphQL(deep.url, { query: `{ ...F39 } ${fragments.join(' ')}` });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(bomb.json.errors[0].message).toMatch(/^the operation's estimated cost is \d+/);
    // The same reads, smaller, pass.
    const small = await postGraphQL(server.url, {
      query: '{ engines(page: { limit: 2 }) { items { cycles(from: 1, to: 5) { sensors } } } }',
    });
    expect(small.json.errors).toBeUndefined();
    const smallConnection = await postGraphQL(server.url, {
      query: '{ enginesConnection(first: 2) { edges { node { cycles(from: 1, to: 5) { sensors } } } } }',
    });
    expect(smallConnection.json.errors).toBeUndefined();
  });

  it('counts windows scored by trajectory reads against the scoring rate limit', async () => {
    const server = await start(limits({ scoring: { points: 1000, periodSeconds: 3600 } }));
    const before = await scores();
    // Units 1-6 have no score under the version yet (7 and 8 were scored at registration): ~1,000 windows.
    const response = await postGraphQL(server.url, {
      query: `{ engines(filter: { role: TRAIN }, page: { limit: 6 }) { items { unit trajectory(modelVersionId: ${versionId}) { firstFlaggedCycle } } } }`,
    });
    const codes = (response.json.errors ?? []).map((error: { extensions: { code: string } }) => error.extensions.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['RATE_LIMITED']));
    const scored = (await settledScores()) - before;
    expect(scored).toBeGreaterThan(0);
    expect(scored).toBeLessThanOrEqual(1000);
    // What the reads scored came out of the allowance: a batch of what is left plus one is refused.
    const windows = Array.from({ length: 1000 - scored + 1 }, () => ({ values: [[1]] }));
    const batch = await postGraphQL(server.url, {
      query: 'mutation ($w: [WindowInput!]!) { scoreWindows(windows: $w) { score } }',
      variables: { w: windows },
    });
    expect(batch.json.errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('bounds reads of cycles and trajectories at the database, and the windows one request may score', async () => {
    const server = servers[0];
    const engine = await server.services.engines.createLive('long history', await server.services.datasets.catalogue('FD001'));
    const cycle = { settings: [0, 0, 100], sensors: Array(21).fill(500) };
    for (let part = 0; part < 5; part++) await server.services.engines.appendCycles(engine.id, Array(5_000).fill(cycle));
    const cycles = await postGraphQL(server.url, { query: `{ engine(id: ${engine.id}) { cycles(from: 1, to: 25000) { cycle } } }` });
    expect(cycles.json.errors[0]).toMatchObject({
      message:
        'the engine holds more than 20000 cycles in the range asked: read at most that many at a time, with cycles(from, to) or fewer engines (page.limit)',
      extensions: { code: 'BATCH_TOO_LARGE', limit: 20_000 },
    });
    const before = await scores();
    const trajectory = await postGraphQL(server.url, {
      query: `{ engine(id: ${engine.id}) { trajectory(modelVersionId: ${versionId}, fromCycle: 24000) { firstFlaggedCycle } } }`,
    });
    expect(trajectory.json.errors[0]).toMatchObject({
      message: expect.stringMatching(/^this request would score more than 20000 windows to answer \(24971 so far\)/),
      extensions: { code: 'BATCH_TOO_LARGE', limit: 20_000 },
    });
    expect(await scores()).toBe(before);
    const part = await postGraphQL(server.url, { query: `{ engine(id: ${engine.id}) { cycles(from: 24001, to: 24003) { cycle } } }` });
    expect(part.json.data.engine.cycles).toEqual([{ cycle: 24001 }, { cycle: 24002 }, { cycle: 24003 }]);
  });

  it('answers RESPONSE_TOO_LARGE instead of an answer over HTTP_RESPONSE_LIMIT_BYTES', async () => {
    const server = await start(limits({ responseLimitBytes: 10_000 }));
    const engineId = (await testDatabase.database.prisma.engine.findFirstOrThrow({ where: { unit: 1, role: 'TRAIN' } })).id;
    const response = await postGraphQL(
      server.url,
      { query: `{ engine(id: ${engineId}) { cycles { sensors } } }` },
      { 'x-request-id': 'big-1' },
    );
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      errors: [
        {
          message: expect.stringMatching(/^the answer is \d+ bytes, more than HTTP_RESPONSE_LIMIT_BYTES \(10000\): ask for less/),
          extensions: { code: 'RESPONSE_TOO_LARGE', limit: 10_000, requestId: 'big-1' },
        },
      ],
    });
    const small = await postGraphQL(server.url, { query: `{ engine(id: ${engineId}) { cycles(from: 1, to: 3) { sensors } } }` });
    expect(small.json.data.engine.cycles).toHaveLength(3);
    expect((await request(`${server.url}/health`)).status).toBe(200);
  });
});
