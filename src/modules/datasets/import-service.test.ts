import fs from 'node:fs';
import path from 'node:path';
import { SHIPPED_DATASET_DIR } from '../../platform/repository';
import { ServiceError } from '../../platform/errors';
import { importSubset, parseSubset } from './import-service';
import { catalogueOf } from './dataset-service';
import { CMAPSS_CATALOGUE } from '../../domain/data/catalogue';
import { describeEachDatabase } from '../../../test/support/databases';
import { shippedLines, writeSubsetFolder } from '../../../test/support/cmapss-fixtures';

async function counts(prisma: import('@prisma/client').PrismaClient) {
  return { engines: await prisma.engine.count(), cycles: await prisma.cycle.count() };
}

describeEachDatabase('importSubset', (db) => {
  const threeUnits = writeSubsetFolder(3);
  afterAll(() => fs.rmSync(threeUnits, { recursive: true, force: true }));

  it('imports train and test engines with their cycles and the test RUL', async () => {
    const summary = await importSubset(db().prisma, 'FD001', threeUnits);
    expect(summary).toMatchObject({ subset: 'FD001', enginesCreated: 6, enginesUnchanged: 0 });
    const engines = await db().prisma.engine.findMany({ orderBy: [{ role: 'asc' }, { unit: 'asc' }] });
    expect(engines.map((engine) => [engine.role, engine.unit, engine.lastCycle, engine.rulAfterLastCycle])).toEqual([
      ['TRAIN', 1, 192, null],
      ['TRAIN', 2, 287, null],
      ['TRAIN', 3, 179, null],
      ['TEST', 1, 31, 112],
      ['TEST', 2, 49, 98],
      ['TEST', 3, 126, 69],
    ]);
    expect(summary.cyclesInserted).toBe(192 + 287 + 179 + 31 + 49 + 126);
  });

  it('changes nothing when the same subset is imported again', async () => {
    const before = await counts(db().prisma);
    const stamps = await db().prisma.engine.findMany({ select: { id: true, updatedAt: true }, orderBy: { id: 'asc' } });
    const summary = await importSubset(db().prisma, 'FD001', threeUnits);
    expect(summary).toMatchObject({ enginesCreated: 0, enginesUnchanged: 6, cyclesInserted: 0 });
    expect(await counts(db().prisma)).toEqual(before);
    expect(await db().prisma.engine.findMany({ select: { id: true, updatedAt: true }, orderBy: { id: 'asc' } })).toEqual(stamps);
  });

  it('adds only the engines that are missing when the files grow', async () => {
    const fourUnits = writeSubsetFolder(4);
    try {
      const summary = await importSubset(db().prisma, 'FD001', fourUnits);
      expect(summary).toMatchObject({ enginesCreated: 2, enginesUnchanged: 6 });
    } finally {
      fs.rmSync(fourUnits, { recursive: true, force: true });
    }
  });

  it('refuses a file whose engine history differs from the stored one, writing nothing', async () => {
    const changed = writeSubsetFolder(5, (files) => {
      files.train = files.train.filter((line) => !/^1 192 /.test(line)); // unit 1 loses its last cycle
    });
    const before = await counts(db().prisma);
    try {
      await expect(importSubset(db().prisma, 'FD001', changed)).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(/train unit 1 is already stored with a different history/),
      });
      expect(await counts(db().prisma)).toEqual(before);
    } finally {
      fs.rmSync(changed, { recursive: true, force: true });
    }
  });

  it('rejects a malformed row naming file and line, writing nothing of the import', async () => {
    const broken = writeSubsetFolder(6, (files) => {
      files.test[40] = files.test[40].replace(/ 23\.\d+\s*$/, ' oops');
    });
    const before = await counts(db().prisma);
    try {
      const error = await importSubset(db().prisma, 'FD001', broken).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ServiceError);
      expect(error).toMatchObject({ code: 'DATASET_ERROR', message: expect.stringMatching(/^test_FD001\.txt, line 41: field 26/) });
      expect(await counts(db().prisma)).toEqual(before);
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
  });

  it('rejects a RUL file that does not match the test units', async () => {
    const mismatched = writeSubsetFolder(2, (files) => {
      files.rul.pop();
    });
    try {
      await expect(importSubset(db().prisma, 'FD001', mismatched)).rejects.toMatchObject({
        code: 'DATASET_ERROR',
        message: expect.stringMatching(/RUL_FD001\.txt has 1 values but test_FD001\.txt has 2 units/),
      });
    } finally {
      fs.rmSync(mismatched, { recursive: true, force: true });
    }
  });

  it('reports a missing folder clearly', async () => {
    await expect(importSubset(db().prisma, 'FD002', path.join(threeUnits, 'nowhere'))).rejects.toMatchObject({
      code: 'DATASET_ERROR',
      message: expect.stringMatching(/train_FD002\.txt \(or train_FD002\.txt\.gz\) not found/),
    });
  });
});

describeEachDatabase('importSubset of the whole shipped FD001', (db) => {
  it('stores 100 train and 100 test engines, 33,727 cycles, with the file values', async () => {
    const summary = await importSubset(db().prisma, 'FD001', SHIPPED_DATASET_DIR);
    expect(summary).toMatchObject({ enginesCreated: 200, cyclesInserted: 33727 });
    expect(await db().prisma.engine.count({ where: { dataset: { name: 'FD001' }, role: 'TRAIN' } })).toBe(100);
    const engine1 = await db().prisma.engine.findFirstOrThrow({ where: { dataset: { name: 'FD001' }, role: 'TRAIN', unit: 1 } });
    expect(engine1).toMatchObject({ externalId: 'train-1', labelling: 'RUN_TO_FAILURE', lastCycle: 192 });
    const dataset = await db().prisma.dataset.findUniqueOrThrow({ where: { name: 'FD001' } });
    expect(dataset).toMatchObject({ format: 'CMAPSS', description: expect.stringMatching(/one operating condition/) });
    expect(catalogueOf(dataset)).toEqual(CMAPSS_CATALOGUE);
    const cycles = await db().prisma.cycle.findMany({ where: { engineId: engine1.id }, orderBy: { cycle: 'asc' } });
    expect(cycles).toHaveLength(192);
    const fileRows = shippedLines('train_FD001.txt')
      .filter((line) => line.startsWith('1 '))
      .map((line) =>
        line
          .trim()
          .split(/\s+/)
          .map((token) => Number(token) + 0),
      ); // -0.0000 is stored as 0
    cycles.forEach((cycle, index) => {
      expect([cycle.cycle, ...cycle.settings, ...cycle.sensors]).toEqual(fileRows[index].slice(1));
    });
  });
});

describe('parseSubset', () => {
  it('accepts any case and rejects unknown subsets with a typed error', () => {
    expect(parseSubset('fd003')).toBe('FD003');
    expect(() => parseSubset('FD005')).toThrow(/unknown C-MAPSS subset "FD005": expected one of FD001, FD002, FD003, FD004/);
  });
});
