import { SHIPPED_DATASET_DIR } from '../../src/platform/repository';
import { importSubset } from '../../src/modules/datasets/import-service';
import { shippedLines } from '../support/cmapss-fixtures';
import { describeEachDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';

describeEachDatabase('engines over GraphQL', (db) => {
  let server: TestServer;
  beforeAll(async () => {
    await importSubset(db().prisma, 'FD001', SHIPPED_DATASET_DIR);
    server = await startTestServer(db());
  });
  afterAll(() => server.close());

  it('lists the 100 FD001 training engines in unit order', async () => {
    const response = await server.graphql(`{ engines(filter: { dataset: "FD001", role: TRAIN }, page: { limit: 100 }) {
      totalCount hasMore items { unit role dataset lastCycle rulAfterLastCycle } } }`);
    expect(response.errors).toBeUndefined();
    const page = response.data.engines;
    expect(page.totalCount).toBe(100);
    expect(page.hasMore).toBe(false);
    expect(page.items.map((engine: { unit: number }) => engine.unit)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(page.items[0]).toEqual({ unit: 1, role: 'TRAIN', dataset: 'FD001', lastCycle: 192, rulAfterLastCycle: null });
  });

  it('pages through engines', async () => {
    const response = await server.graphql(
      `{ engines(filter: { role: TEST }, page: { offset: 95, limit: 10 }) { totalCount hasMore offset limit items { unit rulAfterLastCycle } } }`,
    );
    expect(response.data.engines).toMatchObject({ totalCount: 100, hasMore: false, offset: 95, limit: 10 });
    expect(response.data.engines.items.map((engine: { unit: number }) => engine.unit)).toEqual([96, 97, 98, 99, 100]);
    expect(response.data.engines.items[4].rulAfterLastCycle).toBe(20);
  });

  it("returns engine 1's 192 cycles with the file's sensor values", async () => {
    const list = await server.graphql(`{ engines(filter: { dataset: "FD001", role: TRAIN }, page: { limit: 1 }) { items { id } } }`);
    const id = list.data.engines.items[0].id;
    const response = await server.graphql(`query ($id: Int!) { engine(id: $id) { unit cycles { cycle settings sensors } } }`, { id });
    const cycles = response.data.engine.cycles;
    expect(cycles).toHaveLength(192);
    const fileRows = shippedLines('train_FD001.txt')
      .filter((line) => line.startsWith('1 '))
      .map((line) =>
        line
          .trim()
          .split(/\s+/)
          .map((token) => Number(token) + 0),
      );
    cycles.forEach((cycle: { cycle: number; settings: number[]; sensors: number[] }, index: number) => {
      expect([cycle.cycle, ...cycle.settings, ...cycle.sensors]).toEqual(fileRows[index].slice(1));
    });
  });

  it('returns only the sensors asked for, in the order asked', async () => {
    const list = await server.graphql(`{ engines(filter: { dataset: "FD001", role: TRAIN }, page: { limit: 1 }) { items { id } } }`);
    const id = list.data.engines.items[0].id;
    const response = await server.graphql(
      `query ($id: Int!) { engine(id: $id) {
        all: cycles(from: 5, to: 7) { sensors }
        some: cycles(from: 5, to: 7, sensors: ["sensor21", "sensor2"]) { cycle sensors readings { name value } } } }`,
      { id },
    );
    expect(response.errors).toBeUndefined();
    const { all, some } = response.data.engine;
    expect(some.map((cycle: { cycle: number }) => cycle.cycle)).toEqual([5, 6, 7]);
    some.forEach((cycle: { sensors: number[]; readings: { name: string; value: number }[] }, index: number) => {
      expect(cycle.sensors).toEqual([all[index].sensors[20], all[index].sensors[1]]);
      expect(cycle.readings).toEqual([
        { name: 'sensor21', value: all[index].sensors[20] },
        { name: 'sensor2', value: all[index].sensors[1] },
      ]);
    });
  });

  it('refuses an unknown or repeated sensor with BAD_USER_INPUT', async () => {
    const list = await server.graphql(`{ engines(page: { limit: 1 }) { items { id } } }`);
    const id = list.data.engines.items[0].id;
    for (const [sensors, message] of [
      [['sensor2', 'sensor99'], /sensors\[1\]: "sensor99" is no sensor of data set FD001/],
      [['sensor2', 'sensor2'], /sensors\[1\]: "sensor2" is named twice/],
    ] as const) {
      const response = await server.graphql(
        `query ($id: Int!, $sensors: [String!]) { engine(id: $id) { cycles(sensors: $sensors) { cycle } } }`,
        {
          id,
          sensors,
        },
      );
      expect(response.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('returns a cycle range', async () => {
    const response = await server.graphql(`{ engines(page: { limit: 1 }) { items { cycles(from: 10, to: 12) { cycle } } } }`);
    expect(response.data.engines.items[0].cycles.map((cycle: { cycle: number }) => cycle.cycle)).toEqual([10, 11, 12]);
  });

  it('loads the cycles of a whole page of engines in one query', async () => {
    const spy = jest.spyOn(server.services.engines, 'cyclesOf');
    const response = await server.graphql(`{ engines(page: { limit: 20 }) { items { cycles(from: 1, to: 2) { cycle } } } }`);
    expect(response.data.engines.items).toHaveLength(20);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][0]).toHaveLength(20);
    spy.mockRestore();
  });

  it('answers an unknown engine with NOT_FOUND', async () => {
    const response = await server.graphql(`{ engine(id: 987654) { id } }`);
    expect(response.data).toEqual({ engine: null });
    expect(response.errors?.[0]).toMatchObject({ message: 'engine 987654 does not exist', extensions: { code: 'NOT_FOUND' } });
  });

  it('rejects an inverted cycle range and a page over the maximum with BAD_USER_INPUT', async () => {
    const range = await server.graphql(`{ engines(page: { limit: 1 }) { items { cycles(from: 20, to: 10) { cycle } } } }`);
    expect(range.errors?.[0]).toMatchObject({
      message: 'cycles from (20) must not exceed to (10)',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const page = await server.graphql(`{ engines(page: { limit: 100000 }) { totalCount } }`);
    expect(page.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringMatching(/page.limit must be an integer from 1 to 500/),
    });
  });
});
