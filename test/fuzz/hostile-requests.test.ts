// Property-based fuzzing of the HTTP/GraphQL surface (fast-check):
//   - every argument of every operation, generated from the schema itself (bench/fuzz-requests.ts):
//     right and wrong shapes, huge lists and numbers, NUL characters and lone surrogates, deep objects,
//     unknown enum values, nulls, as variables or literals; operations added later are covered as is;
//   - malformed bodies, methods, content types and headers; hostile documents (deep, wide, long,
//     aliased, directive-laden).
// Whatever arrives: never a 5xx nor INTERNAL_SERVER_ERROR, always JSON with an X-Request-Id, no stack
// trace or SQL; a refused operation writes nothing (row counts unchanged); nothing is logged as an error;
// /health answers throughout. FUZZ_RUNS scales the run; `npm run bench:fuzz` is the long run against a
// server process.
import fc from 'fast-check';
import { loadConfig } from '../../src/main/config';
import { buildAppSchema } from '../../src/main/schema';
import { createLogger } from '../../src/platform/observability/logger';
import { checkAnswer, DEFAULT_IDS, WRITTEN_ROWS_SQL, fuzzedOperation, refused, rootFields } from '../../bench/fuzz-requests';
import { selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { importFirstUnits } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { request, type RawResponse } from '../support/requests';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

interface Fuzzed {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

describe('hostile and malformed requests', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  /** The same service with authentication off: every operation runs with every role. */
  let open: TestServer;
  const logLines: string[] = [];
  let key: string;
  let readerKey: string;
  let liveEngineId: number;
  let versionId: number;

  const counts = async () => {
    const [row] = await testDatabase.database.query<Record<string, string>>(WRITTEN_ROWS_SQL);
    return row;
  };

  beforeAll(async () => {
    await selectBackend();
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    const base = loadConfig({ NODE_ENV: 'production' });
    const logger = createLogger('info', { write: (line: string) => void logLines.push(line) });
    server = await startTestServer(
      testDatabase.database,
      {
        ...base,
        auth: { enabled: true, cacheTtlMs: 60_000 },
        // Failed authentications are part of the fuzz: do not let them lock the valid keys out.
        limits: { ...base.limits, authFailures: { points: 0, periodSeconds: 60 } },
      },
      {},
      { logger },
    );
    open = await startTestServer(testDatabase.database, { ...base, auth: { enabled: false, cacheTtlMs: 0 } }, {}, { logger });
    key = (await server.app.apiKeys.create('fuzz', ['READER', 'SCORER', 'OPERATOR'])).key;
    readerKey = (await server.app.apiKeys.create('fuzz reader', ['READER'])).key;
    const job = await server.services.jobs.enqueue({
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
      hidden: 8,
      code: 4,
      epochs: 2,
      batchSize: 64,
      activate: true,
    });
    const trained = await server.services.runner.runNext(job.id);
    expect(trained?.status).toBe('SUCCEEDED');
    versionId = trained!.modelVersionId!;
    liveEngineId = (await server.services.liveEngines.create('fuzz-live')).id;
  }, 120_000);

  afterAll(async () => {
    await open?.close();
    await server?.close();
    await testDatabase?.dispose();
  });

  /** Sends a fuzzed request and checks the properties that hold for every answer. */
  async function send(fuzzed: Fuzzed): Promise<RawResponse> {
    const response = await request(`${server.url}${fuzzed.path}`, { method: fuzzed.method, headers: fuzzed.headers, body: fuzzed.body });
    if (response.status >= 500)
      throw new Error(`${response.status} for ${JSON.stringify(fuzzed).slice(0, 500)}: ${response.text.slice(0, 500)}`);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    // Refusals are JSON; so are GraphQL answers (the IDE page, its assets and /metrics are not).
    if (response.status >= 400 || /json/.test(response.headers.get('content-type') ?? '')) expect(response.json).toBeDefined();
    expect(response.text).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)|prisma\.|SELECT |INSERT /);
    return response;
  }

  /** Sends and, when the operation was refused, checks that nothing was written. */
  async function sendChecked(fuzzed: Fuzzed): Promise<void> {
    const before = await counts();
    const response = await send(fuzzed);
    const refused = response.status >= 400 || (Array.isArray(response.json?.errors) && response.json.errors.length > 0);
    if (refused)
      expect({ fuzzed: fuzzed.body?.slice(0, 300), counts: await counts() }).toEqual({
        fuzzed: fuzzed.body?.slice(0, 300),
        counts: before,
      });
  }

  // ---- generators ------------------------------------------------------------------------------
  const headers = fc.record(
    {
      authorization: fc.oneof(
        fc.constant('KEY'),
        fc.constant('READER'),
        fc.constantFrom('Bearer ', 'Bearer ehk_', 'Basic x', 'bearer KEY'),
        fc.string({ maxLength: 80 }).map((text) => `Bearer ${text.replace(/[^\x21-\x7e]/g, '')}`),
      ),
      'x-request-id': fc.string({ maxLength: 200 }).map((text) => text.replace(/[^\x20-\x7e]/g, '')),
      accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/graphql-response+json', 'multipart/mixed', 'image/png'),
      'apollo-require-preflight': fc.constant('true'),
      'x-forwarded-for': fc.string({ maxLength: 40 }).map((text) => text.replace(/[^\x20-\x7e]/g, '')),
    },
    { requiredKeys: [] },
  );

  const resolveAuthorization = (fuzzedHeaders: Record<string, string>) => {
    const resolved = { ...fuzzedHeaders };
    if (resolved.authorization === 'KEY') resolved.authorization = `Bearer ${key}`;
    else if (resolved.authorization === 'READER') resolved.authorization = `Bearer ${readerKey}`;
    else if (resolved.authorization === 'bearer KEY') resolved.authorization = `bearer ${key}`;
    return resolved;
  };

  // ---- properties ------------------------------------------------------------------------------
  it('answers malformed bodies, methods and content types with a JSON 4xx', async () => {
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.json(),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
      fc.constantFrom(
        '',
        '{',
        '[]',
        'null',
        '"x"',
        '{"query": 1}',
        '{"query": "{", "variables": []}',
        '{"query": "{ __typename }", "variables": "{}"}',
        '[{"query": "{ __typename }"}]',
        '{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
        fc.constantFrom(
          '/graphql',
          '/graphql?query=%7B__typename%7D',
          '/graphql?query=%7B',
          '/graphql?query=mutation%7BcreateEngine(input:%7BexternalId:%22g%22%7D)%7Bid%7D%7D',
          '/health',
          '/ready',
          '/metrics',
          '/',
          '/nope',
          '/ide/assets/x.js',
        ),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/graphql',
          'application/json; charset=utf-16',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded',
          '',
        ),
        body,
        headers,
        async (method, path, contentType, payload, fuzzedHeaders) => {
          const allHeaders: Record<string, string> = { ...resolveAuthorization(fuzzedHeaders) };
          if (contentType) allHeaders['content-type'] = contentType;
          await sendChecked({ method, path, headers: allHeaders, body: method === 'GET' ? undefined : payload });
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('refuses hostile documents (deep, wide, long, aliased, directive-laden) without a 5xx or a write', async () => {
    const hostile = fc.oneof(
      fc.integer({ min: 1, max: 3000 }).map((depth) => `{ ${'engines { items { '.repeat(depth)}id${' } }'.repeat(depth)} }`),
      fc.integer({ min: 1, max: 5000 }).map((depth) => `${'{'.repeat(depth)}${'}'.repeat(depth)}`),
      fc
        .integer({ min: 1, max: 40 })
        .map(
          (count) =>
            `mutation { ${Array.from({ length: count }, (_, index) => `a${index}: createEngine(input: { externalId: "alias-${index}-${Math.random()}" }) { id }`).join(' ')} }`,
        ),
      fc.integer({ min: 1, max: 60 }).map((count) => `{ engines ${'@include(if: true) '.repeat(count)}{ totalCount } }`),
      fc.integer({ min: 1, max: 20_000 }).map((count) => `{ ${'engines { totalCount } '.repeat(count)}}`),
      fc
        .integer({ min: 1, max: 200_000 })
        .map((length) => `mutation { createEngine(input: { externalId: "${'x'.repeat(length)}" }) { id } }`),
      fc.constantFrom(
        'query Q { ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
        '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }',
        'subscription { engines { totalCount } }',
        'mutation { trainModel { id } } mutation { trainModel { id } }',
        '{ engine(id: 1) { trajectory(modelVersionId: 1) { points { score } } cycles(from: -5, to: 99999999999) { cycle } } }',
        'mutation { scoreWindow(window: { values: [[1e999]] }) { score } }',
        '{ engines(page: { limit: 500, offset: 2147483647 }) { items { cycles { sensors } } } }',
      ),
      fc.string({ maxLength: 400 }),
    );
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        headers,
        async (document, operationName, fuzzedHeaders) => {
          await sendChecked({
            method: 'POST',
            path: '/graphql',
            headers: { ...resolveAuthorization({ authorization: 'KEY', ...fuzzedHeaders }), 'content-type': 'application/json' },
            body: JSON.stringify({ query: document, operationName }),
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('answers hostile arguments of every operation of the schema without an internal error, a 5xx or a write on refusal', async () => {
    const schema = await buildAppSchema();
    const fields = rootFields(schema);
    // Every root field in turn, so that each is tried whatever the draws (a random pick among some 60
    // fields missed one in a run of 240 almost every other time).
    const covered = new Set<string>();
    for (const field of fields) {
      await fc.assert(
        fc.asyncProperty(fuzzedOperation(schema, [...DEFAULT_IDS, liveEngineId, versionId], [field]), async (operation) => {
          const before = await counts();
          const response = await request(`${open.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: operation.document, variables: operation.variables }),
          });
          const failure = checkAnswer(response);
          if (failure) throw new Error(`${failure}\nfor ${JSON.stringify(operation).slice(0, 1_000)}`);
          covered.add(operation.field);
          if (refused(response, operation)) {
            // Scores of stored engines' windows are a cache any read may fill (then kept), so only clients'
            // windows and scores count among the rows a refusal must leave as they were.
            const after = await counts();
            expect({ operation: operation.document.slice(0, 300), rows: after }).toEqual({
              operation: operation.document.slice(0, 300),
              rows: before,
            });
          }
        }),
        { numRuns: Math.max(3, Math.ceil((RUNS * 4) / fields.length)) },
      );
    }
    expect([...covered].sort()).toEqual([...fields].sort());
  }, 300_000);

  it('still serves well-formed requests afterwards', async () => {
    // The schema's fuzz may have revoked the keys made at the start (revokeApiKey takes ids): a new one.
    const fresh = (await server.app.apiKeys.create('after the fuzz', ['READER'])).key;
    const response = await request(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fresh}` },
      body: JSON.stringify({ query: '{ activeModelVersion { id } engines { totalCount } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.json.data.activeModelVersion.id).toBe(versionId);
    expect((await request(`${server.url}/ready`)).status).toBe(200);
    // No refusal was an internal error: nothing at error level in the log.
    expect(logLines.map((line) => JSON.parse(line)).filter((line) => line.level >= 50)).toEqual([]);
  });
});
