// Cursor connections (issue 20): every list walked page by page, forwards and backwards, equals the
// whole list; bad cursors and sizes are BAD_USER_INPUT; the offset fields still answer.
import { importFirstUnits } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';

interface Page {
  edges: { cursor: string; node: { id: number } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

const PAGE = 'edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount';

describe('cursor connections', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 7);
    server = await startTestServer(testDatabase.database);
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

  const page = async (field: string, args: string): Promise<Page> => {
    const response = await server.graphql(`{ ${field}${args ? `(${args})` : ''} { ${PAGE} } }`);
    expect(response.errors).toBeUndefined();
    return response.data[field] as Page;
  };

  /** The ids of every page of `field`, `size` at a time, forwards (first/after) or backwards (last/before). */
  const walk = async (field: string, size: number, backward: boolean): Promise<number[]> => {
    const ids: number[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const args: string = backward
        ? `last: ${size}${cursor ? `, before: "${cursor}"` : ''}`
        : `first: ${size}${cursor ? `, after: "${cursor}"` : ''}`;
      const current = await page(field, args);
      expect(current.edges.length).toBeLessThanOrEqual(size);
      expect(current.pageInfo.startCursor).toBe(current.edges[0]?.cursor ?? null);
      expect(current.pageInfo.endCursor).toBe(current.edges.at(-1)?.cursor ?? null);
      // The side the walk comes from has items exactly when a cursor was given (nothing is deleted here).
      expect(backward ? current.pageInfo.hasNextPage : current.pageInfo.hasPreviousPage).toBe(cursor !== null);
      const nodes = current.edges.map((edge) => edge.node.id);
      ids.splice(backward ? 0 : ids.length, 0, ...nodes);
      if (!(backward ? current.pageInfo.hasPreviousPage : current.pageInfo.hasNextPage)) return ids;
      cursor = backward ? current.pageInfo.startCursor : current.pageInfo.endCursor;
    }
    throw new Error(`${field} did not end`);
  };

  it.each([
    ['enginesConnection', 'asc', () => testDatabase.database.prisma.engine.findMany({ select: { id: true } })],
    ['datasetsConnection', 'asc', () => testDatabase.database.prisma.dataset.findMany({ select: { id: true } })],
    ['trainingJobsConnection', 'desc', () => testDatabase.database.prisma.trainingJob.findMany({ select: { id: true } })],
    ['modelVersionsConnection', 'desc', () => testDatabase.database.prisma.modelVersion.findMany({ select: { id: true } })],
    ['batchJobsConnection', 'desc', () => testDatabase.database.prisma.batchJob.findMany({ select: { id: true } })],
    ['datasetImportsConnection', 'desc', () => testDatabase.database.prisma.datasetImport.findMany({ select: { id: true } })],
    ['alerts', 'desc', () => testDatabase.database.prisma.alert.findMany({ select: { id: true } })],
  ] as const)('%s walked page by page equals the whole list in id order', async (field, order, rows) => {
    const all = (await rows()).map((row) => row.id).sort((a, b) => (order === 'asc' ? a - b : b - a));
    expect((await page(field, 'first: 500')).totalCount).toBe(all.length);
    expect(await walk(field, 2, false)).toEqual(all);
    if (field !== 'alerts') expect(await walk(field, 3, true)).toEqual(all);
  });

  it('has more than one page of the lists it walks', async () => {
    expect((await page('enginesConnection', 'first: 2')).pageInfo.hasNextPage).toBe(true);
    expect((await page('trainingJobsConnection', 'first: 2')).pageInfo.hasNextPage).toBe(true);
  });

  it('filters as the offset list does, and keeps the offset list working', async () => {
    const offset = await server.graphql('{ engines(filter: { role: TRAIN }, page: { limit: 500 }) { items { id } totalCount } }');
    const connection = await page('enginesConnection', 'filter: { role: TRAIN }, first: 500');
    expect(connection.totalCount).toBe(offset.data.engines.totalCount);
    expect(connection.edges.map((edge) => edge.node.id).sort((a, b) => a - b)).toEqual(
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
  });
});
