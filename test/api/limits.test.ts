// What a request may cost, and what clients see when it is refused: rate limits (windows scored,
// training jobs), graphql-armor limits, the token and body limits, introspection and field suggestions,
// and error answers (request ids, no internals, JSON for every refusal).
import zlib from 'node:zlib';
import { loadConfig, type AppConfig } from '../../src/main/config';
import { createLogger } from '../../src/platform/observability/logger';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { bearer, postGraphQL, request, waitUntil } from '../support/requests';
import { importFirstUnits } from '../support/cmapss-fixtures';

const base = loadConfig({ NODE_ENV: 'test' });
const limits = (changes: Partial<AppConfig['limits']>): Partial<AppConfig> => ({ limits: { ...base.limits, ...changes } });

const windows = (count: number) => Array.from({ length: count }, () => ({ values: [[1]] }));
const SCORE_WINDOWS = 'mutation ($windows: [WindowInput!]!) { scoreWindows(windows: $windows) { score } }';

describe('limits and error answers', () => {
  let testDatabase: TestDatabase;
  const servers: TestServer[] = [];
  const start = async (overrides: Partial<AppConfig> = {}, logger?: ReturnType<typeof createLogger>) => {
    const server = await startTestServer(testDatabase.database, overrides, {}, { logger });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await testDatabase?.dispose();
  });

  describe('rate limits', () => {
    // Servers on one PostgreSQL share their rate-limit counters (as replicas do): each test stops its
    // servers (and their syncs), and the next starts from empty counters.
    beforeEach(async () => {
      await testDatabase.database.query('DELETE FROM rate_limits');
    });
    afterEach(async () => {
      for (const server of servers.splice(0)) await server.close();
    });

    it('counts scored windows, not requests, and refuses with RATE_LIMITED, retryAfterMs and Retry-After', async () => {
      const server = await start(limits({ scoring: { points: 1000, periodSeconds: 3600 } }));
      const first = await postGraphQL(server.url, { query: SCORE_WINDOWS, variables: { windows: windows(600) } });
      expect(first.json.errors[0].extensions.code).toBe('NO_ACTIVE_MODEL'); // counted, then refused by the service
      const second = await postGraphQL(server.url, { query: SCORE_WINDOWS, variables: { windows: windows(600) } });
      expect(second.status).toBe(429);
      const retryAfter = Number(second.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(second.json.errors[0]).toMatchObject({
        message: expect.stringMatching(/^rate limit exceeded: at most 1000 windows per 3600 s for this client address; retry in \d+ s$/),
        extensions: { code: 'RATE_LIMITED', limit: 'scoring', retryAfterMs: expect.any(Number) },
      });
      expect(second.json.errors[0].extensions.retryAfterMs).toBeGreaterThan(0);
      // A refused request takes nothing: 400 more windows still fit.
      expect(
        (await postGraphQL(server.url, { query: SCORE_WINDOWS, variables: { windows: windows(400) } })).json.errors[0].extensions.code,
      ).toBe('NO_ACTIVE_MODEL');
      // Aliases add up: two single windows do not fit any more.
      const aliased = await postGraphQL(server.url, {
        query: 'mutation { a: scoreWindow(window: { values: [[1]] }) { score } b: scoreWindow(window: { values: [[2]] }) { score } }',
      });
      expect(aliased.json.errors[0].extensions.code).toBe('RATE_LIMITED');
      // Appending without scoring is not scoring; appending with score: true counts one window per cycle.
      const append = (score: boolean) =>
        postGraphQL(server.url, {
          query: `mutation { appendCycles(engineId: 999999, score: ${score}, cycles: [{ cycle: 1, settings: [0, 0, 0], sensors: [${Array(21).fill(1).join(', ')}] }]) { appendedCycles } }`,
        });
      expect((await append(false)).json.errors[0].extensions.code).not.toBe('RATE_LIMITED');
      expect((await append(true)).json.errors[0].extensions.code).toBe('RATE_LIMITED');
    });

    it('counts windows written inline in the document or as a variable default too', async () => {
      const server = await start(limits({ scoring: { points: 1000, periodSeconds: 3600 } }));
      const inline = `[${Array(600).fill('{ values: [[1]] }').join(', ')}]`;
      const literal = await postGraphQL(server.url, { query: `mutation { scoreWindows(windows: ${inline}) { score } }` });
      expect(literal.json.errors[0].extensions.code).toBe('NO_ACTIVE_MODEL');
      const defaulted = await postGraphQL(server.url, {
        query: `mutation ($w: [WindowInput!]! = ${inline}) { scoreWindows(windows: $w) { score } }`,
      });
      expect(defaulted.json.errors[0].extensions.code).toBe('RATE_LIMITED');
    });

    it('counts queued training jobs per key: refused trainModel calls use up nothing, and a refused one stores nothing', async () => {
      await importFirstUnits(testDatabase.database.prisma, 8);
      const server = await start({
        ...limits({ training: { points: 2, periodSeconds: 3600 } }),
        auth: { enabled: true, cacheTtlMs: 1000 },
      });
      const first = (await server.app.apiKeys.create('operator 1', ['OPERATOR'])).key;
      const second = (await server.app.apiKeys.create('operator 2', ['OPERATOR'])).key;
      const typo = (key: string) => postGraphQL(server.url, { query: 'mutation { trainModel(input: { epochs: 0 }) { id } }' }, bearer(key));
      const valid = (key: string) =>
        postGraphQL(
          server.url,
          {
            query: `mutation { trainModel(input: { trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }],
              testUnits: [{ from: 7, to: 8 }], epochs: 1 }) { id } }`,
          },
          bearer(key),
        );
      // Ten typos: each refused by validation, none taking from the allowance of 2.
      for (let attempt = 0; attempt < 10; attempt++)
        expect((await typo(first)).json.errors[0].extensions.code).toBe('INVALID_TRAINING_CONFIG');
      // Two aliases in one mutation: the first is queued, the second is refused; only the first counts.
      const mixed = await postGraphQL(
        server.url,
        {
          query: `mutation { a: trainModel(input: { trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }],
            testUnits: [{ from: 7, to: 8 }], epochs: 1 }) { id } b: trainModel(input: { epochs: 0 }) { id } }`,
        },
        bearer(first),
      );
      expect(mixed.json.errors[0].extensions.code).toBe('INVALID_TRAINING_CONFIG');
      expect(await testDatabase.database.prisma.trainingJob.count()).toBe(1);
      expect((await valid(first)).json.data.trainModel.id).toEqual(expect.any(Number));
      expect(await testDatabase.database.prisma.trainingJob.count()).toBe(2);
      const refused = await valid(first);
      expect(refused.status).toBe(429);
      expect(refused.json.errors[0]).toMatchObject({
        extensions: { code: 'RATE_LIMITED', limit: 'training' },
        message: expect.stringMatching(/at most 2 training jobs per 3600 s for this API key/),
      });
      expect((await valid(second)).json.data.trainModel.id).toEqual(expect.any(Number)); // another key, its own allowance
      expect(await testDatabase.database.prisma.trainingJob.count()).toBe(3);
      await testDatabase.database.prisma.trainingJob.deleteMany();
      await testDatabase.database.prisma.engine.deleteMany();
    });
  });

  describe('request cost limits', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await start();
    });

    it('refuses queries deeper than GRAPHQL_MAX_DEPTH (10)', async () => {
      const nested = (levels: number) =>
        `{ __type(name: "Query") { fields { type ${'{ ofType '.repeat(levels)}{ name }${' }'.repeat(levels)} } } }`;
      expect((await postGraphQL(server.url, { query: nested(6) })).json.errors).toBeUndefined();
      const deep = await postGraphQL(server.url, { query: nested(9) });
      expect(deep.status).toBe(400);
      expect(deep.json.errors[0]).toMatchObject({
        message: expect.stringMatching(/Query depth limit of 10 exceeded, found 13/),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      });
    });

    it('refuses more than GRAPHQL_MAX_ALIASES (15) aliases and GRAPHQL_MAX_DIRECTIVES (20) directives', async () => {
      const aliases = (count: number) =>
        `{ ${Array.from({ length: count }, (_, index) => `a${index}: activeModelVersion { id }`).join(' ')} }`;
      expect((await postGraphQL(server.url, { query: aliases(15) })).json.errors).toBeUndefined();
      expect((await postGraphQL(server.url, { query: aliases(16) })).json.errors[0].message).toMatch(
        /Aliases limit of 15 exceeded, found 16/,
      );
      // __typename aliases count like any other (3,000 of them used to be accepted).
      const typenames = (count: number) => `{ ${Array.from({ length: count }, (_, index) => `t${index}: __typename`).join(' ')} }`;
      expect((await postGraphQL(server.url, { query: typenames(15) })).json.errors).toBeUndefined();
      const manyTypenames = await postGraphQL(server.url, { query: typenames(3000) });
      expect(manyTypenames.status).toBe(400);
      expect(manyTypenames.json.errors[0].message).toMatch(/Aliases limit of 15 exceeded, found 3000/);
      const directives = `{ __typename ${'@include(if: true) '.repeat(21)}}`;
      expect((await postGraphQL(server.url, { query: directives })).json.errors[0].message).toMatch(
        /Directives limit of 20 exceeded, found 21/,
      );
    });

    it('refuses documents over GRAPHQL_MAX_TOKENS (10000) while parsing', async () => {
      const response = await postGraphQL(server.url, { query: `{ ${'__typename '.repeat(10_001)}}` });
      expect(response.status).toBe(400);
      expect(response.json.errors[0]).toMatchObject({
        message: expect.stringMatching(/Document contains more tha[nt] 10000 tokens/),
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      });
    });

    it('refuses queries over GRAPHQL_MAX_COST', async () => {
      const cheap = await start(limits({ maxCost: 20 }));
      // 1 (trainingJobs) + 50 items (default page) x (1 + id + status) = 151.
      const query = '{ trainingJobs { items { id status } } }';
      const response = await postGraphQL(cheap.url, { query });
      expect(response.status).toBe(400);
      expect(response.json.errors[0]).toMatchObject({
        message: expect.stringMatching(/^the operation's estimated cost is 151, more than GRAPHQL_MAX_COST \(20\)/),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost: 151, maxCost: 20 },
      });
      const smallPage = await postGraphQL(cheap.url, { query: '{ trainingJobs(page: { limit: 2 }) { items { id status } } }' });
      expect(smallPage.json.errors).toBeUndefined();
      expect((await postGraphQL(server.url, { query })).json.errors).toBeUndefined();
    });

    it('accepts the largest legitimate body (1,000 windows of 30 x 21 full-precision floats) and refuses a larger one with 413', async () => {
      const full = Array.from({ length: 1000 }, () => ({
        values: Array.from({ length: 30 }, () => Array.from({ length: 21 }, () => -Math.random() * 1e-7)),
      }));
      const body = JSON.stringify({ query: SCORE_WINDOWS, variables: { windows: full } });
      expect(body.length).toBeGreaterThan(12_000_000);
      expect(body.length).toBeLessThan(base.limits.bodyLimitBytes);
      const accepted = await postGraphQL(server.url, body);
      expect(accepted.json.errors[0].extensions.code).toBe('NO_ACTIVE_MODEL');

      const small = await start(limits({ bodyLimitBytes: 10_000 }));
      const refused = await postGraphQL(small.url, { query: SCORE_WINDOWS, variables: { windows: full.slice(0, 2) } });
      expect(refused.status).toBe(413);
      expect(refused.json).toEqual({
        errors: [{ message: 'the request body is larger than HTTP_BODY_LIMIT_BYTES allows', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
      });
    });

    it('stops inflating a compressed body at the body limit: a gzip bomb gets 413 at once, and /health keeps answering', async () => {
      const small = await start(limits({ bodyLimitBytes: 1024 * 1024 }));
      // 8 gzip members of 64 MiB of JSON whitespace each: 512 MiB inflated from ~0.5 MB sent.
      const member = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
      const bomb = Buffer.concat([zlib.gzipSync('{"query":"{ __typename }"'), ...Array(8).fill(member)]);
      const health = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return (await request(`${small.url}/health`)).status;
      })();
      const startedAt = performance.now();
      const refused = await request(`${small.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: bomb,
      });
      const elapsedMs = performance.now() - startedAt;
      expect(refused.status).toBe(413);
      expect(refused.json.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await health).toBe(200);
      // The yardstick is inflating the whole bomb on this machine under the same load (one member,
      // eight times): a server that stopped at 1 MiB answers in a small fraction of it.
      const inflateStartedAt = performance.now();
      expect(zlib.gunzipSync(member).length).toBe(64 * 1024 * 1024);
      const inflateAllMs = (performance.now() - inflateStartedAt) * 8;
      expect(elapsedMs).toBeLessThan(inflateAllMs / 4);
    });

    it('refuses an introspection query of depth 8 before executing it, in milliseconds', async () => {
      const open = await start({ graphqlIntrospection: true });
      const nested = (depth: number) => `{ __schema { types { ${'fields { type { '.repeat(depth)}name${' } }'.repeat(depth)} } } }`;
      // Fragments that each spread the next one several times: a rule without memoisation explodes here.
      const fanOut = Array.from(
        { length: 8 },
        (_, index) =>
          `fragment F${index} on __Type { fields { type { ${index === 7 ? 'name' : `...F${index + 1} ofType { ...F${index + 1} } interfaces { ...F${index + 1} }`} } } }`,
      ).join(' ');
      for (const query of [nested(8), `{ __schema { types { ...F0 } } } ${fanOut}`]) {
        const startedAt = performance.now();
        const refused = await postGraphQL(open.url, { query });
        const elapsedMs = performance.now() - startedAt;
        expect(refused.status).toBe(400);
        expect(refused.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(elapsedMs).toBeLessThan(1_000);
      }
    });

    it('keeps batch and page sizes bounded', async () => {
      const tooMany = await postGraphQL(server.url, { query: SCORE_WINDOWS, variables: { windows: windows(1001) } });
      expect(tooMany.json.errors[0].extensions).toMatchObject({ code: 'BATCH_TOO_LARGE', limit: 1000 });
      const page = await postGraphQL(server.url, { query: '{ engines(page: { limit: 501 }) { totalCount } }' });
      expect(page.json.errors[0]).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
        message: expect.stringMatching(/from 1 to 500/),
      });
    });
  });

  describe('introspection, field suggestions and the IDE', () => {
    it('hides them when configured off (the production default), and shows them when on', async () => {
      const closed = await start({ graphqlIntrospection: false, graphqlFieldSuggestions: false, graphqlIde: false });
      const open = await start({ graphqlIntrospection: true, graphqlFieldSuggestions: true, graphqlIde: true });
      const introspection = { query: '{ __schema { queryType { name } } }' };
      expect((await postGraphQL(closed.url, introspection)).json.errors[0].message).toMatch(/introspection is not allowed/);
      expect((await postGraphQL(open.url, introspection)).json.data.__schema.queryType.name).toBe('Query');

      const typo = { query: '{ engins { totalCount } }' };
      const hidden = await postGraphQL(closed.url, typo);
      expect(hidden.json.errors[0].message).toMatch(/Cannot query field "engins" on type "Query"/);
      expect(hidden.json.errors[0].message).not.toMatch(/Did you mean/);
      expect((await postGraphQL(open.url, typo)).json.errors[0].message).toMatch(/Did you mean "engine/);

      const html = { headers: { accept: 'text/html' } };
      expect((await request(`${closed.url}/graphql`, html)).headers.get('content-type')).not.toMatch(/text\/html/);
      expect((await request(`${open.url}/graphql`, html)).headers.get('content-type')).toMatch(/text\/html/);
    });
  });

  describe('error answers', () => {
    it('never shows an internal error: INTERNAL_SERVER_ERROR with the request id, logged with its details', async () => {
      const logLines: string[] = [];
      const server = await start({ nodeEnv: 'production' }, createLogger('info', { write: (line: string) => void logLines.push(line) }));
      const development = await start({ nodeEnv: 'development' });
      const prisma = testDatabase.database.prisma;
      await prisma.$executeRawUnsafe('ALTER TABLE engines RENAME TO engines_away');
      try {
        const response = await postGraphQL(
          server.url,
          { query: 'query Broken { engines { totalCount } }' },
          { 'x-request-id': 'trace-internal-1' },
        );
        expect(response.status).toBe(200);
        expect(response.headers.get('x-request-id')).toBe('trace-internal-1');
        expect(response.json.errors).toEqual([
          {
            message: 'Internal server error',
            locations: expect.any(Array),
            path: ['engines'],
            extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'trace-internal-1' },
          },
        ]);
        expect(response.text).not.toMatch(/engines_away|relation|prisma|at .*\.js|SELECT/i);
        const logged = await waitUntil(
          async () => logLines.map((line) => JSON.parse(line)).find((line) => line.msg === 'internal error'),
          (line) => line !== undefined,
          5_000,
        );
        expect(logged).toMatchObject({
          level: 50,
          requestId: 'trace-internal-1',
          operation: 'Broken',
          err: { message: expect.stringMatching(/engines/), stack: expect.any(String) },
        });
        // Development mode shows the details.
        const detailed = await postGraphQL(development.url, { query: '{ engines { totalCount } }' });
        expect(detailed.json.errors[0].extensions.stacktrace).toEqual(expect.any(Array));
      } finally {
        await prisma.$executeRawUnsafe('ALTER TABLE engines_away RENAME TO engines');
      }
    });

    it('answers every refusal in JSON with an X-Request-Id, accepting a well-formed one from the client', async () => {
      const server = await start(limits({ bodyLimitBytes: 2_000 }));
      const echoed = await postGraphQL(server.url, { query: '{ __typename }' }, { 'x-request-id': 'client-id_42.a:b' });
      expect(echoed.headers.get('x-request-id')).toBe('client-id_42.a:b');
      for (const bad of ['with spaces', 'x'.repeat(129), '<script>']) {
        const replaced = await postGraphQL(server.url, { query: '{ __typename }' }, { 'x-request-id': bad });
        expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
      const cases: [string, RequestInit, number, string][] = [
        ['/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' }, 400, 'BAD_REQUEST'],
        [
          '/graphql',
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'x'.repeat(3000) }) },
          413,
          'PAYLOAD_TOO_LARGE',
        ],
        ['/graphql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }, 400, 'BAD_REQUEST'],
        [
          '/graphql',
          { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'zstd-x' }, body: '{}' },
          415,
          'BAD_REQUEST',
        ],
        ['/graphql', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }, 405, 'BAD_REQUEST'],
        ['/nowhere', {}, 404, 'NOT_FOUND'],
      ];
      for (const [path, init, status, code] of cases) {
        const response = await request(`${server.url}${path}`, init);
        expect([path, init.method, response.status]).toEqual([path, init.method, status]);
        expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        expect(response.json.errors[0].extensions.code).toBe(code);
      }
    });
  });
});
