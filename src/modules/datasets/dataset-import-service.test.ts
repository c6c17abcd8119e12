import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PrismaClient } from '@prisma/client';
import { createLogger } from '../../platform/observability/logger';
import { DATABASE_KINDS, describeEachDatabase, openTestDatabase } from '../../../test/support/databases';
import { chunked, fd001Rows, fleetCsv, FLEET_SENSORS, FLEET_SETTINGS, gzip } from '../../../test/support/csv-fixtures';
import { DatasetImportService, UploadTooLargeError } from './dataset-import-service';
import { ImportJobRunner } from './import-job-runner';
import { parseImportOptions } from './import-options';
import { catalogueOf } from './dataset-service';
import { loadDatasetSeries } from '../engines/engine-series';

async function counts(prisma: PrismaClient) {
  return {
    datasets: await prisma.dataset.count(),
    engines: await prisma.engine.count(),
    cycles: await prisma.cycle.count(),
    chunks: await prisma.importChunk.count(),
  };
}

describeEachDatabase('imports of CSV files', (db) => {
  const logger = createLogger('silent');
  let imports: DatasetImportService;
  let runner: ImportJobRunner;
  beforeAll(() => {
    imports = new DatasetImportService(db(), logger);
    runner = new ImportJobRunner(db().prisma, imports, logger);
  });

  /** Uploads `body` with the given query parameters and runs its import to its end. */
  async function importText(body: string | Buffer, parameters: Record<string, string>) {
    const queued = await imports.upload(parseImportOptions({ filename: 'fleet.csv', ...parameters }), chunked(body, 1000), 1 << 30);
    expect(queued).toMatchObject({ status: 'QUEUED', bytes: Buffer.byteLength(body) });
    return (await runner.runNext(queued.id))!;
  }

  it('imports a CSV of made-up sensor names into a new data set, engines and cycles by name', async () => {
    const done = await importText(fleetCsv(3), { dataset: 'fleet', labels: 'run-to-failure', units: 'temperature:degR' });
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      error: null,
      rowsRead: 192 + 287 + 179,
      rowsWritten: 192 + 287 + 179,
      enginesCreated: 3,
    });
    const dataset = await db().prisma.dataset.findUniqueOrThrow({ where: { name: 'fleet' } });
    const catalogue = catalogueOf(dataset);
    expect(dataset.format).toBe('CSV');
    expect(catalogue.settings.map((column) => column.name)).toEqual(FLEET_SETTINGS.map((name) => `op_${name}`));
    expect(catalogue.sensors.map((column) => column.name)).toEqual(FLEET_SENSORS);
    expect(catalogue.sensors[0]).toEqual({ name: 'temperature', unit: 'degR', description: null });
    const engines = await db().prisma.engine.findMany({ where: { datasetId: dataset.id }, orderBy: { unit: 'asc' } });
    expect(engines.map((engine) => [engine.externalId, engine.unit, engine.role, engine.labelling, engine.lastCycle])).toEqual([
      ['ESN-1', 1, 'TRAIN', 'RUN_TO_FAILURE', 192],
      ['ESN-2', 2, 'TRAIN', 'RUN_TO_FAILURE', 287],
      ['ESN-3', 3, 'TRAIN', 'RUN_TO_FAILURE', 179],
    ]);
    const series = await loadDatasetSeries(db().prisma, 'FLEET', 'TRAIN');
    const file = fd001Rows(3).map((tokens) => tokens.map((token) => Number(token) + 0));
    expect(series[0].sensorNames).toEqual(FLEET_SENSORS);
    expect(
      series.flatMap((engine) =>
        engine.cycles.map((cycle, index) => [engine.unit, cycle, ...engine.settings[index], ...engine.readings[index]]),
      ),
    ).toEqual(file);
    expect(series[2].rul!.slice(-2)).toEqual([1, 0]);
    expect((await counts(db().prisma)).chunks).toBe(0);
  });

  it('changes nothing when the same file is imported again, gzip-compressed', async () => {
    const before = await counts(db().prisma);
    const done = await importText(gzip(fleetCsv(3)), { dataset: 'fleet', labels: 'run-to-failure' });
    expect(done).toMatchObject({ status: 'SUCCEEDED', rowsRead: 658, rowsWritten: 0, enginesCreated: 0, enginesUnchanged: 3 });
    expect(await counts(db().prisma)).toEqual(before);
  });

  it('adds the new assets of a grown file, columns in another order, units numbered on', async () => {
    const reordered = fleetCsv(4)
      .split('\n')
      .map((line) => {
        const cells = line.split(',');
        return line === '' ? line : [cells[2], ...cells.slice(5).reverse(), cells[0], cells[1], cells[3], cells[4]].join(',');
      })
      .join('\n');
    const done = await importText(reordered, { dataset: 'fleet', labels: 'run-to-failure', settings: 'op_altitude,op_mach,op_throttle' });
    expect(done).toMatchObject({ status: 'SUCCEEDED', enginesCreated: 1, enginesUnchanged: 3 });
    const series = await loadDatasetSeries(db().prisma, 'fleet', 'TRAIN');
    expect(series.map((engine) => engine.unit)).toEqual([1, 2, 3, 4]);
    expect([series[3].cycles[0], ...series[3].settings[0], ...series[3].readings[0]]).toEqual(
      fd001Rows(4)[192 + 287 + 179].slice(1).map(Number),
    );
  });

  it.each([
    [
      'a value that is not a number',
      (lines: string[]) => (lines[40] = lines[40].replace(/,([\d.]+)$/, ',12x')),
      42,
      26,
      /probe_r: "12x" is not a finite number/,
    ],
    [
      'a row with a value missing',
      (lines: string[]) => (lines[7] = lines[7].replace(/,[^,]+$/, '')),
      9,
      null,
      /expected 26 values as in the header, found 25/,
    ],
    ['an empty asset', (lines: string[]) => (lines[3] = lines[3].replace(/^ESN-1/, '')), 5, 1, /engine: the asset is missing/],
    ['a gap in the cycles', (lines: string[]) => lines.splice(10, 1), 12, 2, /asset "ESN-1": expected cycle 11, found 12/],
    ['a repeated cycle', (lines: string[]) => lines.splice(10, 0, lines[9]), 12, 2, /cycle 10 repeats or goes back/],
  ])('refuses %s naming its line and column, and stores nothing', async (_, transform, line, column, message) => {
    const before = await counts(db().prisma);
    const done = await importText(fleetCsv(5, transform), { dataset: 'fleet2', labels: 'run-to-failure' });
    expect(done.status).toBe('FAILED');
    expect(done.error).toMatchObject({ code: 'DATASET_ERROR', file: 'fleet.csv', line, column, message: expect.stringMatching(message) });
    expect((done.error as { message: string }).message).toMatch(
      new RegExp(`^fleet\\.csv, line ${line}${column ? `, column ${column}` : ''}: `),
    );
    expect(await counts(db().prisma)).toEqual(before);
  });

  it('refuses a stored asset whose history differs (CONFLICT at the first differing line)', async () => {
    const before = await counts(db().prisma);
    const done = await importText(
      fleetCsv(3, (lines) => (lines[200] = lines[200].replace(/,([\d.]+)$/, ',9999'))),
      { dataset: 'fleet', labels: 'run-to-failure' },
    );
    expect(done.error).toMatchObject({
      code: 'CONFLICT',
      line: 202,
      message: expect.stringMatching(/asset "ESN-2" is already stored in fleet with a different history/),
    });
    expect(await counts(db().prisma)).toEqual(before);
  });

  it('refuses a file whose columns are not those of the stored data set', async () => {
    const done = await importText(fleetCsv(1).replace('temperature', 'temp'), { dataset: 'fleet', labels: 'run-to-failure' });
    expect(done.error).toMatchObject({
      line: 1,
      column: 6,
      message: expect.stringMatching(/column "temp" is not one of the sensors of data set fleet/),
    });
  });

  it('imports unlabelled assets and assets with a RUL column, numbered by their numeric ids', async () => {
    const unlabelled = await importText('unit,time,a,b\n7,1,0.5,2\n7,2,0.25,3\n9,1,1,1\n', { dataset: 'small' });
    expect(unlabelled).toMatchObject({ status: 'SUCCEEDED', enginesCreated: 2 });
    const withRul = await importText('unit,cycle,rul,a,b\n8,1,11,1,2\n8,2,10,1,2\n', { dataset: 'small' });
    expect(withRul).toMatchObject({ status: 'SUCCEEDED', enginesCreated: 1 });
    const engines = await db().prisma.engine.findMany({
      where: { dataset: { name: 'small' } },
      orderBy: [{ role: 'asc' }, { unit: 'asc' }],
    });
    expect(engines.map((engine) => [engine.role, engine.unit, engine.labelling, engine.rulAfterLastCycle])).toEqual([
      ['TRAIN', 7, 'NONE', null],
      ['TRAIN', 9, 'NONE', null],
      ['TEST', 8, 'RUL_AFTER_LAST_CYCLE', 10],
    ]);
    const badRul = await importText('unit,cycle,rul,a,b\n12,1,11,1,2\n12,2,11,1,2\n', { dataset: 'small' });
    expect(badRul.error).toMatchObject({ line: 3, column: 3, message: expect.stringMatching(/the RUL must go down by 1 a cycle/) });
  });

  it('keeps nothing of a new data set whose last row is bad, after earlier rows were written', async () => {
    const before = await counts(db().prisma);
    let width = 0;
    let badLine = 0;
    // 20,631 rows (5.8 MB): more than one batch written straight into cycles before the bad row is read.
    const broken = fleetCsv(100, (lines) => {
      width = lines[0].split(',').length;
      badLine = lines.length + 1;
      lines[lines.length - 1] = lines[lines.length - 1].replace(/,[^,]+$/, ',x');
    });
    const done = await importText(broken, { dataset: 'fleet-large', labels: 'run-to-failure' });
    expect(done).toMatchObject({ status: 'FAILED', rowsWritten: 0 });
    expect(done.error).toMatchObject({ code: 'DATASET_ERROR', file: 'fleet.csv', line: badLine, column: width });
    expect(await counts(db().prisma)).toEqual(before);
  });

  it('keeps nothing of an upload over the limit', async () => {
    const before = await db().prisma.datasetImport.count();
    await expect(imports.upload(parseImportOptions({ dataset: 'big' }), chunked(fleetCsv(2), 1000), 5_000)).rejects.toBeInstanceOf(
      UploadTooLargeError,
    );
    expect(await db().prisma.datasetImport.count()).toBe(before);
    expect(await db().prisma.importChunk.count()).toBe(0);
  });
});

describe.each(DATABASE_KINDS)('an import of a local file [%s]', (kind) => {
  // The CLI closes the database as soon as its import resolves: a progress write still in flight then
  // failed in Prisma ("Unknown transaction status") holding its connection, and closing never ended.
  it('leaves no write of its own in flight: the database closes right after', async () => {
    const { database, dispose } = await openTestDatabase(kind);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'import-file-'));
    let disposed = false;
    try {
      const file = path.join(folder, 'fleet.csv');
      fs.writeFileSync(file, fleetCsv(2));
      // Progress writes made slow, so that one is surely still running when the import itself is done.
      let writing = 0;
      const prisma = database.prisma.$extends({
        query: {
          datasetImport: {
            async updateMany({ args, query }) {
              writing++;
              try {
                await new Promise((resolve) => setTimeout(resolve, 300));
                return await query(args);
              } finally {
                writing--;
              }
            },
          },
        },
      }) as unknown as PrismaClient;
      const service = new DatasetImportService({ ...database, prisma }, createLogger('silent'));
      const done = await service.importFile(parseImportOptions({ filename: 'fleet.csv', dataset: 'local' }), file, 'test-cli');
      expect(done).toMatchObject({ status: 'SUCCEEDED', rowsRead: 479, rowsWritten: 479 });
      expect(writing).toBe(0);
      disposed = true;
      await dispose();
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
      if (!disposed) await dispose();
    }
  });
});

describe('parseImportOptions', () => {
  it('names the first bad parameter', () => {
    expect(() => parseImportOptions({})).toThrow(/dataset is required/);
    expect(() => parseImportOptions({ dataset: 'a b' })).toThrow(/dataset name "a b" is not valid/);
    expect(() => parseImportOptions({ dataset: 'a', labels: 'maybe' })).toThrow(/labels must be one of run-to-failure, rul, none/);
    expect(() => parseImportOptions({ dataset: 'a', colour: 'red' })).toThrow(/unknown import parameter "colour"/);
    expect(() => parseImportOptions({ dataset: 'a', units: 'temperature' })).toThrow(/units must read name:unit/);
    expect(parseImportOptions({ dataset: 'a', sensors: 'x, y', delimiter: 'tab' })).toMatchObject({ sensors: ['x', 'y'], delimiter: '\t' });
  });
});
