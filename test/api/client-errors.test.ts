// Client input is answered with a typed client error, never INTERNAL_SERVER_ERROR, and changes nothing:
// text PostgreSQL cannot store (a NUL character, an unpaired surrogate) in any string argument, APQ hash
// and version mismatches, subscriptions, readings no model can represent. Nothing of it is logged as an
// error; a development server shows no stack trace for it.
import { selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { createLogger } from '../../src/platform/observability/logger';
import { importFirstUnits } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { postGraphQL, type RawResponse } from '../support/requests';

describe('client input answered with typed client errors', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let sensors: string[];
  const logLines: string[] = [];

  const counts = async () => {
    const [row] = await testDatabase.database.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM engines) AS engines, (SELECT count(*) FROM windows) AS windows, (SELECT count(*) FROM scores) AS scores,
              (SELECT count(*) FROM training_jobs) AS jobs`,
    );
    return row;
  };

  beforeAll(async () => {
    await selectBackend();
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    server = await startTestServer(
      testDatabase.database,
      { nodeEnv: 'development' },
      {},
      { logger: createLogger('info', { write: (line: string) => void logLines.push(line) }) },
    );
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
    sensors = (await server.services.models.get(trained!.modelVersionId!)).sensors;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  /** Sends, expects one error of `code` (no stack trace, nothing written) and returns the response. */
  async function refused(body: unknown, code: string, status: number, message: RegExp): Promise<RawResponse> {
    const before = await counts();
    const response = await postGraphQL(server.url, body);
    expect({ status: response.status, errors: response.json.errors }).toEqual({
      status,
      errors: [expect.objectContaining({ message: expect.stringMatching(message), extensions: expect.objectContaining({ code }) })],
    });
    expect(response.json.errors[0].extensions.stacktrace).toBeUndefined();
    expect(await counts()).toEqual(before);
    return response;
  }

  const UNSTORABLE = /text may not hold a NUL character \(U\+0000\) or an unpaired UTF-16 surrogate/;

  it('refuses a NUL character or an unpaired surrogate in any string argument, as a variable or a literal', async () => {
    const createEngine = 'mutation ($id: String!) { createEngine(input: { externalId: $id }) { id } }';
    await refused({ query: createEngine, variables: { id: 'ESN\u0000-1' } }, 'BAD_USER_INPUT', 400, /variable \$id: /);
    await refused({ query: createEngine, variables: { id: 'ESN-\ud800' } }, 'BAD_USER_INPUT', 400, UNSTORABLE);
    await refused({ query: createEngine, variables: { id: '\udc00ESN' } }, 'BAD_USER_INPUT', 400, UNSTORABLE);
    await refused(
      { query: 'query ($d: String) { engines(filter: { dataset: $d }) { totalCount } }', variables: { d: 'FD\ud83d' } },
      'BAD_USER_INPUT',
      400,
      UNSTORABLE,
    );
    await refused({ query: '{ engines(filter: { dataset: "FD\\u0000" }) { totalCount } }' }, 'BAD_USER_INPUT', 400, /line 1, column 30/);
    await refused(
      { query: 'mutation ($i: TrainModelInput) { trainModel(input: $i) { id } }', variables: { i: { name: 'x\u0000', epochs: 1 } } },
      'BAD_USER_INPUT',
      400,
      /variable \$i\.name: /,
    );
    await refused(
      {
        query: 'mutation ($w: WindowInput!) { scoreWindow(window: $w) { score } }',
        variables: { w: { columns: [{ sensor: '\ud800', values: [] }] } },
      },
      'BAD_USER_INPUT',
      400,
      /variable \$w\.columns\[0\]\.sensor: /,
    );
    // A well-formed surrogate pair is text like any other.
    const pair = await postGraphQL(server.url, { query: createEngine, variables: { id: 'ESN-\ud83d\ude80' } });
    expect(pair.json.errors).toBeUndefined();
  });

  it('refuses lists longer than any operation takes, and nesting deeper than any input type, before running anything', async () => {
    await refused(
      { query: 'query ($ids: [Int!]!) { compareModelVersions(ids: $ids) { commonWindows } }', variables: { ids: Array(10_001).fill(1) } },
      'BATCH_TOO_LARGE',
      400,
      /variable \$ids: a list may hold at most 10000 items, got 10001/,
    );
    let deep: unknown = 1;
    for (let level = 0; level < 40; level++) deep = [deep];
    await refused(
      { query: 'mutation ($w: WindowInput!) { scoreWindow(window: $w) { score } }', variables: { w: { values: deep } } },
      'BAD_USER_INPUT',
      400,
      /nested deeper than any input type/,
    );
  });

  it('answers APQ hash and version mismatches and subscriptions with BAD_REQUEST', async () => {
    await refused(
      { query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: 'abc' } } },
      'BAD_REQUEST',
      400,
      /Unsupported persisted query version/,
    );
    await refused(
      { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } },
      'BAD_REQUEST',
      400,
      /provided sha does not match query/,
    );
    await refused(
      { query: 'subscription { engineScores(engineId: 1) { score } }' },
      'BAD_REQUEST',
      400,
      /subscriptions are served over WebSocket \(the graphql-ws protocol\) at \/graphql/,
    );
  });

  it('refuses readings the model cannot represent with INVALID_WINDOW naming the row and the sensor', async () => {
    const window = (value: number, row = 7, sensor = 3) =>
      Array.from({ length: 30 }, (_, t) => sensors.map((_, s) => (t === row && s === sensor ? value : 0)));
    const score = 'mutation ($w: WindowInput!) { scoreWindow(window: $w) { score } }';
    const expected = new RegExp(`^windows\\[0\\]: reading of ${sensors[3]} at row 7 is 1e\\+300, more than 1000000 standard deviations`);
    await refused({ query: score, variables: { w: { values: window(1e300) } } }, 'INVALID_WINDOW', 200, expected);
    await refused(
      { query: score, variables: { w: { values: window(-1e19) } } },
      'INVALID_WINDOW',
      200,
      /at row 7 is -10000000000000000000, more than/,
    );
    await refused(
      {
        query: 'mutation ($ws: [WindowInput!]!) { scoreWindows(windows: $ws) { score } }',
        variables: { ws: [{ values: window(500) }, { values: window(1e20, 2, 0) }] },
      },
      'INVALID_WINDOW',
      200,
      new RegExp(`^windows\\[1\\]: reading of ${sensors[0]} at row 2 is 100000000000000000000`),
    );
    // Far out but representable readings score, finitely, as anomalies.
    const extreme = await postGraphQL(server.url, {
      query: 'mutation ($w: WindowInput!) { scoreWindow(window: $w) { score isAnomaly } }',
      variables: { w: { values: window(1e4) } },
    });
    expect(extreme.json.errors).toBeUndefined();
    expect(extreme.json.data.scoreWindow).toEqual({ score: expect.any(Number), isAnomaly: true });
  });

  it('reads the trajectory of an engine whose stored readings no model can represent: they score as extreme windows', async () => {
    const engine = await server.services.engines.createLive('stored before any check', await server.services.datasets.catalogue('FD001'));
    const cycles = Array.from({ length: 32 }, (_, index) => ({
      settings: [0, 0, 100],
      sensors: Array.from({ length: 21 }, (_, sensor) => (index === 31 && sensor === 3 ? -1e300 : index === 30 ? 1e19 : 500)),
    }));
    await server.services.engines.appendCycles(engine.id, cycles);
    const response = await postGraphQL(server.url, {
      query: 'query ($id: Int!) { engine(id: $id) { trajectory { points { endCycle score isAnomaly } } } }',
      variables: { id: engine.id },
    });
    expect(response.json.errors).toBeUndefined();
    const points = response.json.data.engine.trajectory.points;
    expect(points.map((point: { endCycle: number }) => point.endCycle)).toEqual([30, 31, 32]);
    for (const point of points) expect(Number.isFinite(point.score)).toBe(true);
    expect(points.slice(1).every((point: { isAnomaly: boolean }) => point.isAnomaly)).toBe(true);
  });

  it('logged none of these refusals as an error', () => {
    const errors = logLines.map((line) => JSON.parse(line)).filter((line) => line.level >= 50);
    expect(errors).toEqual([]);
  });
});
