// Every list a client sends is bounded in count and in what it expands to, before any work: the unit
// ranges of compareModelVersions, evaluateModelVersion and trainModel are counted before they are
// expanded, so a request like issue 15's (14,000 ranges of 1-10001, 311 KB, which made V8 abort after
// ~13 s) is refused at once and the server keeps serving.
import { selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { importFirstUnits } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { postGraphQL, request } from '../support/requests';

describe('lists bounded before any work', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let ids: number[];

  const rows = async () => {
    const [row] = await testDatabase.database.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM evaluations) AS evaluations, (SELECT count(*) FROM scores) AS scores, (SELECT count(*) FROM training_jobs) AS jobs`,
    );
    return row;
  };

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
      epochs: 1,
      batchSize: 64,
    });
    const first = await testDatabase.database.prisma.modelVersion.findUniqueOrThrow({
      where: { id: (await server.services.runner.runNext(job.id))!.modelVersionId! },
    });
    // A second version to compare with: the same network under another number.
    const { id: _id, createdAt: _createdAt, activatedAt: _activatedAt, ...copy } = first;
    const second = await testDatabase.database.prisma.modelVersion.create({
      data: { ...copy, version: first.version + 1, isActive: false } as never,
    });
    ids = [first.id, second.id];
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  const COMPARE =
    'query ($ids: [Int!]!, $units: [UnitRangeInput!]) { compareModelVersions(ids: $ids, split: { units: $units }) { commonWindows } }';
  const EVALUATE = 'mutation ($id: Int!, $units: [UnitRangeInput!]) { evaluateModelVersion(id: $id, split: { units: $units }) { id } }';
  const wide = (count: number) => Array.from({ length: count }, () => ({ from: 1, to: 10_001 }));

  it("refuses issue 15's request (14,000 ranges of 1-10001) at once, and keeps serving", async () => {
    const body = JSON.stringify({ query: COMPARE, variables: { ids, units: wide(14_000) } });
    expect(body.length).toBeGreaterThan(300_000);
    // Refused by the list bound, before any resolver: expanding it first took V8 down after ~13 s.
    const response = await postGraphQL(server.url, body);
    expect(response.status).toBe(400);
    expect(response.json.errors[0]).toMatchObject({
      message: expect.stringMatching(/a list may hold at most 10000 items, got 14000/),
      extensions: { code: 'BATCH_TOO_LARGE', limit: 10_000 },
    });
    expect((await request(`${server.url}/health`)).status).toBe(200);
  });

  it('counts what unit ranges expand to before expanding them: compareModelVersions and evaluateModelVersion', async () => {
    const before = await rows();
    for (const units of [
      wide(3),
      wide(9_000),
      [
        { from: 1, to: 600 },
        { from: 1, to: 600 },
      ],
    ]) {
      // Refused by counting, not expanding: 9,000 ranges of 10,001 units would be 90 million numbers.
      for (const body of [
        { query: COMPARE, variables: { ids, units } },
        { query: EVALUATE, variables: { id: ids[0], units } },
      ]) {
        const response = await postGraphQL(server.url, body);
        expect(response.json.errors[0]).toMatchObject({
          message: expect.stringMatching(/units add up to more than 1000 units/),
          extensions: { code: 'BATCH_TOO_LARGE', limit: 1000 },
        });
      }
    }
    expect(await rows()).toEqual(before);
    // Within the bound, the same operations run.
    const compared = await postGraphQL(server.url, { query: COMPARE, variables: { ids, units: [{ from: 7, to: 8 }] } });
    expect(compared.json.data.compareModelVersions.commonWindows).toBeGreaterThan(0);
  });

  it('counts the units of trainModel before expanding them, storing no job', async () => {
    const before = await rows();
    const response = await postGraphQL(server.url, {
      query: 'mutation ($units: [UnitRangeInput!]) { trainModel(input: { trainUnits: $units }) { id } }',
      variables: { units: wide(9_000) },
    });
    expect(response.json.errors[0]).toMatchObject({
      message: 'trainUnits lists more than 1000 units',
      extensions: { code: 'INVALID_TRAINING_CONFIG' },
    });
    expect(await rows()).toEqual(before);
  });
});
