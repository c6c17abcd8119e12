// Property-based fuzzing of the HTTP/GraphQL surface (fast-check): malformed bodies, hostile documents
// (deep, wide, long, aliased, directive-laden), wrong types and random variables for the mutations that
// write (scoreWindow(s), appendCycles, trainModel, createEngine), and random headers. Whatever arrives:
//   - the answer is never a 5xx, is JSON, and carries an X-Request-Id;
//   - an operation that is refused writes nothing (row counts unchanged).
import fc from 'fast-check';
import { loadConfig } from '../../src/main/config';
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
  let key: string;
  let readerKey: string;
  let liveEngineId: number;
  let versionId: number;

  const counts = async () => {
    const [row] = await testDatabase.database.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM engines) AS engines, (SELECT count(*) FROM cycles) AS cycles, (SELECT count(*) FROM windows) AS windows,
              (SELECT count(*) FROM scores) AS scores, (SELECT count(*) FROM training_jobs) AS jobs, (SELECT count(*) FROM model_versions) AS versions,
              (SELECT count(*) FROM evaluations) AS evaluations, (SELECT count(*) FROM api_keys) AS keys`,
    );
    return row;
  };

  beforeAll(async () => {
    await selectBackend();
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    const base = loadConfig({ NODE_ENV: 'production' });
    server = await startTestServer(testDatabase.database, {
      ...base,
      auth: { enabled: true, cacheTtlMs: 60_000 },
      // Failed authentications are part of the fuzz: do not let them lock the valid keys out.
      limits: { ...base.limits, authFailures: { points: 0, periodSeconds: 60 } },
    });
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
  const number = fc.oneof(
    fc.double({ noNaN: false }),
    fc.integer(),
    fc.constantFrom(0, -0, 1e308, -1e308, 2 ** 31, 2 ** 53, 5e-324),
    fc.constant(null),
    fc.string({ maxLength: 5 }),
    fc.boolean(),
  );
  const finite = fc.double({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true });
  const row = (width: number) => fc.array(finite, { minLength: width, maxLength: width });
  const windowValues = fc.oneof(
    fc.array(row(14), { minLength: 30, maxLength: 30 }), // the right shape (14 sensors of the version)
    fc.array(fc.array(number, { maxLength: 25 }), { maxLength: 35 }),
    fc.anything(),
  );
  const window = fc.record(
    {
      values: windowValues,
      columns: fc.oneof(
        fc.array(
          fc.record({
            sensor: fc.oneof(fc.constantFrom('sensor2', 'sensor3', 'sensor21', 'sensor22', 'setting1', ''), fc.string()),
            values: fc.array(number, { maxLength: 31 }),
          }),
          { maxLength: 22 },
        ),
        fc.anything(),
      ),
      engineId: fc.oneof(fc.constantFrom(1, 2, 999_999, -1, 2 ** 31), number),
      endCycle: fc.oneof(fc.integer({ min: -5, max: 400 }), number),
    },
    { requiredKeys: [] },
  );
  const cycle = fc.record(
    {
      cycle: fc.oneof(fc.integer({ min: -2, max: 5 }), number),
      settings: fc.oneof(fc.array(finite, { minLength: 3, maxLength: 3 }), fc.array(number, { maxLength: 5 })),
      sensors: fc.oneof(fc.array(finite, { minLength: 21, maxLength: 21 }), fc.array(number, { maxLength: 25 })),
    },
    { requiredKeys: [] },
  );
  const trainInput = fc.record(
    {
      name: fc.oneof(fc.string({ maxLength: 250 }), number),
      dataset: fc.oneof(fc.constantFrom('FD001', 'FD002', 'FD009', ''), fc.string()),
      trainUnits: fc.oneof(
        fc.array(fc.record({ from: fc.integer({ min: -3, max: 120 }), to: fc.integer({ min: -3, max: 120 }) }), { maxLength: 3 }),
        fc.anything(),
      ),
      epochs: fc.oneof(fc.integer({ min: -2, max: 100_000 }), number),
      hidden: fc.oneof(fc.integer({ min: -2, max: 100_000 }), number),
      learningRate: number,
      batchSize: number,
      thresholdQuantile: number,
      scoringMethod: fc.oneof(fc.constantFrom('reconstruction-error', 'nope'), fc.string()),
    },
    { requiredKeys: [] },
  );

  const OPERATIONS: { document: string; variables: fc.Arbitrary<unknown> }[] = [
    {
      document: 'mutation ($w: WindowInput!, $v: Int) { scoreWindow(window: $w, modelVersionId: $v) { windowId score isAnomaly } }',
      variables: fc.record(
        { w: window, v: fc.oneof(fc.constant(undefined), fc.constantFrom(1, 999_999), number) },
        { requiredKeys: ['w'] },
      ),
    },
    {
      document: 'mutation ($ws: [WindowInput!]!) { scoreWindows(windows: $ws) { windowId cached } }',
      variables: fc.record({ ws: fc.oneof(fc.array(window, { maxLength: 6 }), fc.anything()) }),
    },
    {
      document:
        'mutation ($id: Int!, $c: [CycleInput!]!, $s: Boolean) { appendCycles(engineId: $id, cycles: $c, score: $s) { appendedCycles scored { points { endCycle } } } }',
      variables: fc.record({
        id: fc.oneof(fc.constant('LIVE'), fc.constantFrom(1, 999_999), number),
        c: fc.oneof(fc.array(cycle, { maxLength: 4 }), fc.anything()),
        s: fc.oneof(fc.boolean(), number),
      }),
    },
    {
      document: 'mutation ($input: TrainModelInput) { trainModel(input: $input) { id status } }',
      variables: fc.record({ input: fc.oneof(trainInput, fc.anything()) }),
    },
    {
      document: 'mutation ($input: CreateEngineInput!) { createEngine(input: $input) { id } }',
      variables: fc.record({ input: fc.oneof(fc.record({ externalId: fc.oneof(fc.string({ maxLength: 300 }), number) }), fc.anything()) }),
    },
    {
      document: 'mutation ($id: Int!) { activateModelVersion(id: $id) { id } }',
      variables: fc.record({ id: fc.oneof(fc.constant('VERSION'), number) }),
    },
    { document: 'mutation ($id: Int!) { cancelTrainingJob(id: $id) { id } }', variables: fc.record({ id: number }) },
    {
      document:
        'query ($id: Int!, $v: Int, $f: Int) { engine(id: $id) { id trajectory(modelVersionId: $v, fromCycle: $f) { points { score } } } }',
      variables: fc.record({
        id: fc.oneof(fc.constantFrom(1, 2, 999_999), number),
        v: fc.oneof(fc.constant('VERSION'), number),
        f: number,
      }),
    },
    {
      document:
        'query ($p: PageInput, $s: JobStatus) { trainingJobs(page: $p, status: $s) { totalCount } engines(page: $p) { totalCount } }',
      variables: fc.record({
        p: fc.oneof(fc.record({ offset: number, limit: number }), fc.anything()),
        s: fc.oneof(fc.constantFrom('QUEUED', 'DONE'), number),
      }),
    },
  ];

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

  const substitute = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value ?? null, (_key, item) => (item === 'LIVE' ? liveEngineId : item === 'VERSION' ? versionId : item)));

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

  it('refuses wrong types and random variables for the writing operations without a 5xx or a partial write', async () => {
    const operation = fc.constantFrom(...OPERATIONS).chain(({ document, variables }) => variables.map((values) => ({ document, values })));
    await fc.assert(
      fc.asyncProperty(operation, headers, async ({ document, values }, fuzzedHeaders) => {
        await sendChecked({
          method: 'POST',
          path: '/graphql',
          headers: { ...resolveAuthorization({ authorization: 'KEY', ...fuzzedHeaders }), 'content-type': 'application/json' },
          body: JSON.stringify({ query: document, variables: substitute(values) }),
        });
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('still serves well-formed requests afterwards', async () => {
    const response = await request(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ activeModelVersion { id } engines { totalCount } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.json.data.activeModelVersion.id).toBe(versionId);
    expect((await request(`${server.url}/ready`)).status).toBe(200);
  });
});
