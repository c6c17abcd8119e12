// Cursor connections (issue 20): every list walked page by page, forwards and backwards, equals the
// whole list, root lists and the lists of an object (a batch job's engines, an engine's cycles, a
// version's evaluations, an endpoint's deliveries) alike; bad cursors and sizes are BAD_USER_INPUT; the older fields still answer.
import { importFirstUnits } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';

interface Page {
  edges: { cursor: string; node: { key: number } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/** `key`: the node's id, or the integer its list is ordered by (a cycle's number, a result's engine). */
const page_ = (key: string) =>
  `edges { cursor node { key: ${key} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount`;

describe('cursor connections', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let batchJobId: number;
  let versionId: number;
  let endpointId: number;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 7);
    server = await startTestServer(testDatabase.database, {}, { webhookTargets: { allowHttpLoopback: true, allowPrivateTargets: false } });
    const { services } = server;
    const trained = await services.jobs.enqueue({
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 7 }],
    });
    versionId = (await services.runner.runNext(trained.id))!.modelVersionId!;
    for (let evaluation = 0; evaluation < 2; evaluation++) await services.evaluations.evaluate(versionId, {});
    const scoring = await services.batchJobs.startScoring(versionId, { dataset: 'FD001', role: 'TRAIN', units: [{ from: 1, to: 7 }] });
    batchJobId = (await services.batchRunner.runNext(scoring.id))!.id;
    for (let key = 0; key < 5; key++) await services.apiKeys.create(`key ${key}`, ['reader']);
    for (let endpoint = 0; endpoint < 3; endpoint++) {
      endpointId = (await services.webhooks.register({ url: `http://127.0.0.1:9/hook-${endpoint}` })).endpoint.id;
    }
    for (let job = 0; job < 5; job++) {
      await server.services.jobs.enqueue({
        trainUnits: [{ from: 1, to: 4 }],
        calibrationUnits: [{ from: 5, to: 6 }],
        testUnits: [{ from: 7, to: 7 }],
        epochs: 1,
      });
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  /** A list: a root field, or a field of one object (`parent` wraps its selection and `pick` finds it). */
  interface List {
    field: string;
    key?: string;
    parent?: (selection: string) => string;
    pick?: (data: Record<string, any>) => Record<string, any>;
  }
  const list = (list: string | List): List => (typeof list === 'string' ? { field: list } : list);

  const page = async (of: string | List, args: string): Promise<Page> => {
    const { field, key = 'id', parent = (selection: string) => selection, pick = (data: Record<string, any>) => data } = list(of);
    const response = await server.graphql(`{ ${parent(`${field}${args ? `(${args})` : ''} { ${page_(key)} }`)} }`);
    expect(response.errors).toBeUndefined();
    return pick(response.data)[field] as Page;
  };

  /** The keys of every page of a list, `size` at a time, forwards (first/after) or backwards (last/before). */
  const walk = async (of: string | List, size: number, backward: boolean): Promise<number[]> => {
    const ids: number[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const args: string = backward
        ? `last: ${size}${cursor ? `, before: "${cursor}"` : ''}`
        : `first: ${size}${cursor ? `, after: "${cursor}"` : ''}`;
      const current = await page(of, args);
      expect(current.edges.length).toBeLessThanOrEqual(size);
      expect(current.pageInfo.startCursor).toBe(current.edges[0]?.cursor ?? null);
      expect(current.pageInfo.endCursor).toBe(current.edges.at(-1)?.cursor ?? null);
      // The side the walk comes from has items exactly when a cursor was given (nothing is deleted here).
      expect(backward ? current.pageInfo.hasNextPage : current.pageInfo.hasPreviousPage).toBe(cursor !== null);
      const nodes = current.edges.map((edge) => edge.node.key);
      ids.splice(backward ? 0 : ids.length, 0, ...nodes);
      if (!(backward ? current.pageInfo.hasPreviousPage : current.pageInfo.hasNextPage)) return ids;
      cursor = backward ? current.pageInfo.startCursor : current.pageInfo.endCursor;
    }
    throw new Error(`${list(of).field} did not end`);
  };

  it.each([
    ['enginesConnection', 'asc', () => testDatabase.database.prisma.engine.findMany({ select: { id: true } })],
    ['datasetsConnection', 'asc', () => testDatabase.database.prisma.dataset.findMany({ select: { id: true } })],
    ['trainingJobsConnection', 'desc', () => testDatabase.database.prisma.trainingJob.findMany({ select: { id: true } })],
    ['modelVersionsConnection', 'desc', () => testDatabase.database.prisma.modelVersion.findMany({ select: { id: true } })],
    ['batchJobsConnection', 'desc', () => testDatabase.database.prisma.batchJob.findMany({ select: { id: true } })],
    ['datasetImportsConnection', 'desc', () => testDatabase.database.prisma.datasetImport.findMany({ select: { id: true } })],
    ['alerts', 'desc', () => testDatabase.database.prisma.alert.findMany({ select: { id: true } })],
    ['apiKeysConnection', 'asc', () => testDatabase.database.prisma.apiKey.findMany({ select: { id: true } })],
    ['webhookEndpointsConnection', 'asc', () => testDatabase.database.prisma.webhookEndpoint.findMany({ select: { id: true } })],
  ] as const)('%s walked page by page equals the whole list in id order', async (field, order, rows) => {
    const all = (await rows()).map((row) => row.id).sort((a, b) => (order === 'asc' ? a - b : b - a));
    expect((await page(field, 'first: 500')).totalCount).toBe(all.length);
    expect(await walk(field, 2, false)).toEqual(all);
    if (field !== 'alerts') expect(await walk(field, 3, true)).toEqual(all);
  });

  it("walks an object's lists page by page: a batch job's engines, an engine's cycles, a version's evaluations, an endpoint's deliveries", async () => {
    const { prisma } = testDatabase.database;
    const results = (await prisma.batchJobEngine.findMany({ where: { jobId: batchJobId } }))
      .map((row) => row.engineId)
      .sort((a, b) => a - b);
    expect(results).toHaveLength(7);
    const engines: List = {
      field: 'enginesConnection',
      key: 'engineId',
      parent: (selection) => `batchJob(id: ${batchJobId}) { ${selection} }`,
      pick: (data) => data.batchJob,
    };
    expect(await walk(engines, 2, false)).toEqual(results);
    expect(await walk(engines, 3, true)).toEqual(results);
    const offset = await server.graphql(`{ batchJob(id: ${batchJobId}) { engines(page: { limit: 500 }) { items { engineId } } } }`);
    expect(offset.data.batchJob.engines.items.map((item: { engineId: number }) => item.engineId)).toEqual(results);

    const engineId = results[0];
    const cycles = (await prisma.cycle.findMany({ where: { engineId }, select: { cycle: true } }))
      .map((row) => row.cycle)
      .sort((a, b) => a - b);
    const cyclesOf = (range: string): List => ({
      field: 'cyclesConnection',
      key: 'cycle',
      parent: (selection) => `engine(id: ${engineId}) { ${selection.replace('cyclesConnection(', `cyclesConnection(${range}, `)} }`,
      pick: (data) => data.engine,
    });
    expect(await walk(cyclesOf('from: 1'), 100, false)).toEqual(cycles);
    expect(await walk(cyclesOf('from: 1'), 70, true)).toEqual(cycles);
    const range = await walk(cyclesOf('from: 10, to: 25'), 4, false);
    expect(range).toEqual(cycles.filter((cycle) => cycle >= 10 && cycle <= 25));
    const old = await server.graphql(
      `{ engine(id: ${engineId}) { cycles(from: 10, to: 25) { cycle sensors } cyclesConnection(from: 10, to: 25) { edges { node { cycle sensors } } } } }`,
    );
    expect(old.data.engine.cyclesConnection.edges.map((edge: { node: unknown }) => edge.node)).toEqual(old.data.engine.cycles);

    const evaluations: List = {
      field: 'evaluationsConnection',
      parent: (selection) => `modelVersion(id: ${versionId}) { ${selection} }`,
      pick: (data) => data.modelVersion,
    };
    const evaluated = (await prisma.evaluation.findMany({ where: { modelVersionId: versionId } }))
      .map((row) => row.id)
      .sort((a, b) => b - a);
    expect(evaluated).toHaveLength(3);
    expect(await walk(evaluations, 2, false)).toEqual(evaluated);
    expect(await walk(evaluations, 2, true)).toEqual(evaluated);

    const deliveries: List = {
      field: 'deliveriesConnection',
      parent: (selection) => `webhookEndpoint(id: ${endpointId}) { ${selection} }`,
      pick: (data) => data.webhookEndpoint,
    };
    const stored = (await prisma.webhookDelivery.findMany({ where: { endpointId } })).map((row) => row.id).sort((a, b) => b - a);
    expect(await walk(deliveries, 2, false)).toEqual(stored);
  });

  it('has more than one page of the lists it walks', async () => {
    expect((await page('enginesConnection', 'first: 2')).pageInfo.hasNextPage).toBe(true);
    expect((await page('trainingJobsConnection', 'first: 2')).pageInfo.hasNextPage).toBe(true);
  });

  it('filters as the offset list does, and keeps the offset list working', async () => {
    const offset = await server.graphql('{ engines(filter: { role: TRAIN }, page: { limit: 500 }) { items { id } totalCount } }');
    const connection = await page('enginesConnection', 'filter: { role: TRAIN }, first: 500');
    expect(connection.totalCount).toBe(offset.data.engines.totalCount);
    expect(connection.edges.map((edge) => edge.node.key).sort((a, b) => a - b)).toEqual(
      offset.data.engines.items.map((engine: { id: number }) => engine.id).sort((a: number, b: number) => a - b),
    );
  });

  it('refuses bad cursors and page sizes with BAD_USER_INPUT', async () => {
    const jobCursor = (await page('trainingJobsConnection', 'first: 1')).pageInfo.endCursor!;
    const engineCursor = (await page('enginesConnection', 'first: 1')).pageInfo.endCursor!;
    const refused = [
      'first: 0',
      'first: 501',
      'last: 0',
      'first: 2, last: 2',
      'after: "not a cursor"',
      'before: "bm9wZQ"',
      `after: "${jobCursor}"`, // a cursor of another list
      `after: "${engineCursor}="`, // padded: decodes to the same text
    ];
    for (const args of refused) {
      const response = await server.graphql(`{ enginesConnection(${args}) { totalCount } }`);
      expect(response.data).toBeNull();
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    const stale = await server.graphql(`{ alerts(after: "${engineCursor}") { totalCount } }`);
    expect(stale.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // An object's list has cursors of its own: another engine's cycle cursor is refused.
    const cycleCursor = (await server.graphql('{ engine(id: 1) { cyclesConnection(first: 1) { pageInfo { endCursor } } } }')).data.engine
      .cyclesConnection.pageInfo.endCursor as string;
    const other = await server.graphql(`{ engine(id: 2) { cyclesConnection(after: "${cycleCursor}") { totalCount } } }`);
    expect(other.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const badRange = await server.graphql('{ engine(id: 2) { cyclesConnection(from: 5, to: 4) { totalCount } } }');
    expect(badRange.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
