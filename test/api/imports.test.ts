// Importing a fleet's own data over HTTP: a CSV with made-up sensor names (FD001's values renamed) is
// uploaded to POST /imports, imported by the background runner with its progress recorded, and read back
// by name over GraphQL; a malformed upload fails naming its line and column and changes nothing.
import { fleetCsv, fd001Rows, FLEET_SENSORS, gzip } from '../support/csv-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { bearer, request, waitUntil } from '../support/requests';

const IMPORT_FIELDS =
  'id dataset status fileName bytes rowsRead rowsWritten enginesCreated enginesUnchanged attempts error { code message file line column }';

describe('imports over HTTP on PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let operator: string;
  let reader: string;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    server = await startTestServer(
      testDatabase.database,
      { auth: { enabled: true, cacheTtlMs: 0 } },
      { importRunner: { pollIntervalMs: 20 } },
    );
    server.services.importRunner.start();
    operator = (await server.services.apiKeys.create('importer', ['operator', 'reader'])).key;
    reader = (await server.services.apiKeys.create('reader', ['reader'])).key;
  });

  afterAll(async () => {
    await server?.services.importRunner.stop();
    await server?.close();
    await testDatabase?.dispose();
  });

  function upload(body: string | Buffer, query: string, headers: Record<string, string> = {}) {
    return request(`${server.url}/imports?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', ...bearer(operator), ...headers },
      body,
    });
  }

  async function finished(id: number) {
    return waitUntil(
      async () =>
        (await server.graphql(`query ($id: Int!) { datasetImport(id: $id) { ${IMPORT_FIELDS} } }`, { id }, bearer(reader))).data
          .datasetImport,
      (entry: { status: string; [field: string]: any }) => entry.status === 'SUCCEEDED' || entry.status === 'FAILED',
      60_000,
      `import ${id} to finish`,
    );
  }

  async function stored() {
    const prisma = testDatabase.database.prisma;
    return { engines: await prisma.engine.count(), cycles: await prisma.cycle.count(), datasets: await prisma.dataset.count() };
  }

  it('imports a CSV of made-up sensor names, and serves its engines and cycles by name', async () => {
    const csv = fleetCsv(5);
    const answer = await upload(
      gzip(csv),
      'dataset=turbofans&labels=run-to-failure&filename=fleet.csv.gz&units=temperature:degR,pressure:psia',
      {
        'content-type': 'application/gzip',
      },
    );
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ status: 'QUEUED', dataset: 'turbofans', fileName: 'fleet.csv.gz' });
    const rows = fd001Rows(5);
    const done = await finished(answer.json.id);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      error: null,
      rowsRead: rows.length,
      rowsWritten: rows.length,
      enginesCreated: 5,
      attempts: 1,
    });
    expect(done.bytes).toBe(gzip(csv).length);

    const dataset = await server.graphql(
      `{ dataset(name: "TURBOFANS") { name format settings { name } sensors { name unit } engineCounts { train test live } } }`,
      {},
      bearer(reader),
    );
    expect(dataset.errors).toBeUndefined();
    expect(dataset.data.dataset).toMatchObject({ name: 'turbofans', format: 'CSV', engineCounts: { train: 5, test: 0, live: 0 } });
    expect(dataset.data.dataset.sensors.map((sensor: { name: string }) => sensor.name)).toEqual(FLEET_SENSORS);
    expect(dataset.data.dataset.sensors.slice(0, 3)).toEqual([
      { name: 'temperature', unit: 'degR' },
      { name: 'vibration', unit: null },
      { name: 'pressure', unit: 'psia' },
    ]);

    const engines = await server.graphql(
      `{ engines(filter: { dataset: "turbofans", role: TRAIN }) { totalCount items { externalId unit dataset labelling lastCycle
          cycles(from: 1, to: 3) { cycle readings { name value } settingReadings { name value } } } } }`,
      {},
      bearer(reader),
    );
    expect(engines.errors).toBeUndefined();
    expect(engines.data.engines.totalCount).toBe(5);
    const first = engines.data.engines.items[0];
    expect(first).toMatchObject({ externalId: 'ESN-1', unit: 1, dataset: 'turbofans', labelling: 'RUN_TO_FAILURE', lastCycle: 192 });
    first.cycles.forEach(
      (
        cycle: { cycle: number; readings: { name: string; value: number }[]; settingReadings: { name: string; value: number }[] },
        index: number,
      ) => {
        const file = rows[index].map((token) => Number(token) + 0);
        expect(cycle.cycle).toBe(index + 1);
        expect(cycle.settingReadings.map((reading) => reading.name)).toEqual(['op_altitude', 'op_mach', 'op_throttle']);
        expect(cycle.settingReadings.map((reading) => reading.value)).toEqual(file.slice(2, 5));
        expect(Object.fromEntries(cycle.readings.map((reading) => [reading.name, reading.value]))).toEqual(
          Object.fromEntries(FLEET_SENSORS.map((name, sensor) => [name, file[5 + sensor]])),
        );
      },
    );

    const listed = await server.graphql(
      `{ datasetImports(filter: { dataset: "turbofans" }) { totalCount items { id status } } }`,
      {},
      bearer(reader),
    );
    expect(listed.data.datasetImports).toMatchObject({ totalCount: 1, items: [{ id: answer.json.id, status: 'SUCCEEDED' }] });
  });

  it('creates live engines in a data set, whose catalogue decides what a cycle holds', async () => {
    const operatorKey = (await server.services.apiKeys.create('live', ['scorer', 'reader'])).key;
    const created = await server.graphql(
      `mutation { createEngine(input: { externalId: "ESN-900", dataset: "turbofans" }) { id dataset role labelling } }`,
      {},
      bearer(operatorKey),
    );
    expect(created.data.createEngine).toMatchObject({ dataset: 'turbofans', role: 'LIVE', labelling: 'NONE' });
    const append = (sensors: number) =>
      server.graphql(
        `mutation ($id: Int!, $cycles: [CycleInput!]!) { appendCycles(engineId: $id, cycles: $cycles) { appendedCycles } }`,
        {
          id: created.data.createEngine.id,
          cycles: [{ settings: [0, 0, 100], sensors: Array.from({ length: sensors }, (_, index) => index) }],
        },
        bearer(operatorKey),
      );
    expect((await append(21)).data.appendCycles.appendedCycles).toEqual([1]);
    const refused = await append(20);
    expect(refused.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringMatching(/sensors must hold 21 values, got 20 \(its data set's sensors: temperature, vibration, pressure/),
    });
    const unknown = await server.graphql(
      `mutation { createEngine(input: { externalId: "x", dataset: "nowhere" }) { id } }`,
      {},
      bearer(operatorKey),
    );
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('fails a malformed upload naming its first bad line and column, and changes nothing', async () => {
    const before = await stored();
    const broken = fleetCsv(3, (lines) => {
      lines[300] = lines[300].replace(/^(ESN-2,\d+,[^,]+,[^,]+,[^,]+),[^,]+/, '$1,hot');
      lines[400] = lines[400].replace(/,[^,]+$/, ',also bad');
    });
    const answer = await upload(broken, 'dataset=turbofans-2&labels=run-to-failure&filename=broken.csv');
    expect(answer.status).toBe(202);
    const done = await finished(answer.json.id);
    expect(done).toMatchObject({
      status: 'FAILED',
      rowsWritten: 0,
      error: {
        code: 'DATASET_ERROR',
        file: 'broken.csv',
        line: 302,
        column: 6,
        message: 'broken.csv, line 302, column 6: temperature: "hot" is not a finite number',
      },
    });
    expect(await stored()).toEqual(before);
    const missing = await server.graphql(`{ dataset(name: "turbofans-2") { name } }`, {}, bearer(reader));
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses uploads without the operator role, form-like uploads and bad parameters, storing nothing', async () => {
    const before = await server.services.imports.list();
    const csv = fleetCsv(1);
    const anonymous = await request(`${server.url}/imports?dataset=x`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(anonymous.status).toBe(401);
    const readerOnly = await upload(csv, 'dataset=x', bearer(reader));
    expect(readerOnly).toMatchObject({ status: 403, json: { errors: [{ extensions: { code: 'FORBIDDEN' } }] } });
    const form = await upload(csv, 'dataset=x', { 'content-type': 'text/plain' });
    expect(form).toMatchObject({ status: 400, json: { errors: [{ extensions: { code: 'BAD_REQUEST' } }] } });
    const badName = await upload(csv, 'dataset=no%20spaces');
    expect(badName).toMatchObject({ status: 400, json: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
    const twice = await upload(csv, 'dataset=x&dataset=y');
    expect(twice.json.errors[0].message).toMatch(/"dataset" must be given once/);
    expect((await server.services.imports.list()).totalCount).toBe(before.totalCount);
  });
});

describe('the upload limit', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    server = await startTestServer(testDatabase.database, { imports: { runner: false, bodyLimitBytes: 10_000 } });
  });
  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  it('answers 413 to a body over IMPORT_BODY_LIMIT_BYTES, declared or streamed, and keeps nothing', async () => {
    const csv = fleetCsv(1);
    const declared = await request(`${server.url}/imports?dataset=big`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(declared).toMatchObject({ status: 413, json: { errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] } });
    const streamed = await request(`${server.url}/imports?dataset=big`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: new Blob([csv]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await testDatabase.database.prisma.datasetImport.count()).toBe(0);
    expect(await testDatabase.database.prisma.importChunk.count()).toBe(0);
  });
});
