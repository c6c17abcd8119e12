// appendCycles(score: true) is one unit of work (issue 15, defect 3): readings the model cannot represent
// are refused before anything is written (INVALID_WINDOW naming the cycle and the sensor); a failure
// while storing the scores stores no cycle either; and an idempotency key makes a retry safe: the same
// request with the same key returns the first answer and writes nothing, another request under the key
// is CONFLICT.
import { selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { importFirstUnits, trainUnitCycles } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { postGraphQL } from '../support/requests';

/** FD001 train unit 1's cycles as CycleInput (settings and 21 sensors). */
const unit1 = trainUnitCycles(1);

const APPEND = `mutation ($id: Int!, $cycles: [CycleInput!]!, $key: String) {
  appendCycles(engineId: $id, cycles: $cycles, score: true, idempotencyKey: $key) {
    replayed appendedCycles engine { id lastCycle } scored { modelVersionId points { endCycle score isAnomaly } } } }`;

describe('appendCycles(score: true): one unit of work, with an idempotency key', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;

  const stored = async (engineId: number) => {
    const [row] = await testDatabase.database.query<Record<string, string>>(
      `SELECT (SELECT last_cycle FROM engines WHERE id = $1) AS "lastCycle", (SELECT count(*) FROM cycles WHERE engine_id = $1) AS cycles,
              (SELECT count(*) FROM windows WHERE engine_id = $1) AS windows, (SELECT count(*) FROM scores WHERE engine_id = $1) AS scores,
              (SELECT count(*) FROM append_requests WHERE engine_id = $1) AS keys`,
      [engineId],
    );
    return row;
  };
  const append = (id: number, cycles: unknown[], key?: string) =>
    postGraphQL(server.url, { query: APPEND, variables: { id, cycles, key } });
  const createEngine = async (externalId: string) =>
    (await server.services.engines.createLive(externalId, await server.services.datasets.catalogue('FD001'))).id;

  beforeAll(async () => {
    await selectBackend();
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    server = await startTestServer(testDatabase.database);
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
    expect((await server.services.runner.runNext(job.id))?.status).toBe('SUCCEEDED');
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  it('refuses readings the model cannot represent before writing anything, naming the cycle and the sensor', async () => {
    const id = await createEngine('ESN-unrepresentable');
    const cycles = unit1
      .slice(0, 31)
      .map((cycle, index) =>
        index === 30 ? { ...cycle, sensors: cycle.sensors.map((value, sensor) => (sensor === 3 ? 1e19 : value)) } : cycle,
      );
    const response = await append(id, cycles);
    expect(response.json.errors[0]).toMatchObject({
      message: expect.stringMatching(
        /^cycles\[30\]\.sensors\[3\] \(sensor4\) is 10000000000000000000, more than 1000000 standard deviations/,
      ),
      extensions: { code: 'INVALID_WINDOW', cycle: 30, sensor: 3 },
    });
    expect(await stored(id)).toEqual({ lastCycle: 0, cycles: '0', windows: '0', scores: '0', keys: '0' });
    // The engine is intact: the valid cycles append and score, and its trajectory reads.
    const valid = await append(id, unit1.slice(0, 31));
    expect(valid.json.data.appendCycles.scored.points.map((point: { endCycle: number }) => point.endCycle)).toEqual([30, 31]);
    const trajectory = await server.graphql(`query ($id: Int!) { engine(id: $id) { trajectory { points { endCycle } } } }`, { id });
    expect(trajectory.errors).toBeUndefined();
  });

  it('stores no cycle when storing the scores fails, and the same key then succeeds', async () => {
    const id = await createEngine('ESN-store-fails');
    await append(id, unit1.slice(0, 29));
    const before = await stored(id);
    const admin = testDatabase.database.query;
    await admin(`CREATE FUNCTION refuse_scores() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'scores refused'; END $$`);
    await admin(`CREATE TRIGGER refuse_scores BEFORE INSERT ON scores FOR EACH ROW EXECUTE FUNCTION refuse_scores()`);
    try {
      const failed = await append(id, unit1.slice(29, 40), 'retry-me');
      expect(failed.json.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(await stored(id)).toEqual(before);
    } finally {
      await admin('DROP TRIGGER refuse_scores ON scores');
      await admin('DROP FUNCTION refuse_scores()');
    }
    const retried = await append(id, unit1.slice(29, 40), 'retry-me');
    expect(retried.json.data.appendCycles).toMatchObject({ replayed: false, appendedCycles: Array.from({ length: 11 }, (_, i) => 30 + i) });
    expect(await stored(id)).toEqual({ lastCycle: 40, cycles: '40', windows: '11', scores: '11', keys: '1' });
  });

  it('answers a retry with the same key with the first answer, writing nothing; another request under the key is CONFLICT', async () => {
    const id = await createEngine('ESN-idempotent');
    await append(id, unit1.slice(0, 30));
    const first = await append(id, unit1.slice(30, 35), 'batch-7');
    expect(first.json.errors).toBeUndefined();
    const answer = first.json.data.appendCycles;
    expect(answer).toMatchObject({ replayed: false, appendedCycles: [31, 32, 33, 34, 35], engine: { id, lastCycle: 35 } });
    expect(answer.scored.points).toHaveLength(5);
    const after = await stored(id);

    const again = await append(id, unit1.slice(30, 35), 'batch-7');
    expect(again.json.data.appendCycles).toEqual({ ...answer, replayed: true });
    expect(await stored(id)).toEqual(after);

    const other = await append(id, unit1.slice(35, 36), 'batch-7');
    expect(other.json.errors[0]).toMatchObject({
      message: `idempotency key "batch-7" was used by another request to engine ${id}: send new cycles under a new key`,
      extensions: { code: 'CONFLICT' },
    });
    expect(await stored(id)).toEqual(after);
    // Keys belong to an engine: another engine's "batch-7" is its own.
    const otherEngine = await createEngine('ESN-idempotent-2');
    expect((await append(otherEngine, unit1.slice(0, 2), 'batch-7')).json.data.appendCycles.replayed).toBe(false);
  });

  it('writes once when the same keyed request arrives twice at the same time', async () => {
    const id = await createEngine('ESN-concurrent');
    const [a, b] = await Promise.all([append(id, unit1.slice(0, 35), 'once'), append(id, unit1.slice(0, 35), 'once')]);
    const answers = [a.json.data.appendCycles, b.json.data.appendCycles];
    expect(answers.map((answer) => answer.replayed).sort()).toEqual([false, true]);
    expect(answers[0].appendedCycles).toEqual(answers[1].appendedCycles);
    expect(answers[0].scored).toEqual(answers[1].scored);
    expect(await stored(id)).toEqual({ lastCycle: 35, cycles: '35', windows: '6', scores: '6', keys: '1' });
  });

  it('refuses an empty or overlong key', async () => {
    const id = await createEngine('ESN-keys');
    for (const key of ['', 'k'.repeat(201)]) {
      const response = await append(id, unit1.slice(0, 1), key);
      expect(response.json.errors[0]).toMatchObject({
        message: 'idempotencyKey must hold 1 to 200 characters',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    expect(await stored(id)).toMatchObject({ cycles: '0', keys: '0' });
  });
});
