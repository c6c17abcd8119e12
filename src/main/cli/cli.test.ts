// The built command line (dist/src/main/cli/index.js) against a fresh PostgreSQL database: import, train a tiny
// configuration, evaluate the stored version; refusals of bad input with a message and a non-zero exit.
import fs from 'node:fs';
import path from 'node:path';
import { PrismaClient } from '@prisma/client';
import { REPOSITORY_ROOT } from '../../platform/repository';
import { openPostgres, type Database } from '../../platform/db/database';
import { writeSubsetFolder } from '../../../test/support/cmapss-fixtures';
import { fleetCsv, gzip } from '../../../test/support/csv-fixtures';
import { runCli } from '../../../test/support/cli';
import { createDatabaseFromTemplate } from '../../../test/support/postgres';

/** Value of a row of a printed metrics table ("  ROC-AUC  0.9123"). */
function tableValue(text: string, label: string): string {
  const line = text.split('\n').find((candidate) => candidate.trimStart().startsWith(`${label}  `));
  if (line === undefined) throw new Error(`no "${label}" row in:\n${text}`);
  return line.trim().slice(label.length).trim();
}

describe('command line: train and evaluate', () => {
  let created: Awaited<ReturnType<typeof createDatabaseFromTemplate>>;
  let database: Database;
  let prisma: PrismaClient;

  const cli = (...args: string[]) => runCli(created.url, args);

  beforeAll(async () => {
    created = await createDatabaseFromTemplate();
    database = await openPostgres(created.url, 2);
    prisma = database.prisma;
    const folder = writeSubsetFolder(8);
    try {
      const imported = await cli('import', '--subset', 'FD001', '--dir', folder);
      expect(imported).toMatchObject({ code: 0 });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  afterAll(async () => {
    await database?.close();
    await created?.drop();
  });

  const tiny = [
    '--train-units',
    '1-4',
    '--calibration-units',
    '5-6',
    '--test-units',
    '7-8',
    '--hidden',
    '8',
    '--code',
    '4',
    '--epochs',
    '2',
    '--batch-size',
    '64',
    '--seed',
    '3',
  ];

  it('import --csv imports a CSV file (gzip too) into a data set; a malformed one fails naming its line, writing nothing', async () => {
    const folder = fs.mkdtempSync(path.join(REPOSITORY_ROOT, '.cli-csv-'));
    try {
      const file = path.join(folder, 'fleet.csv.gz');
      fs.writeFileSync(file, gzip(fleetCsv(2)));
      const imported = await cli(
        'import',
        '--csv',
        file,
        '--dataset',
        'cli-fleet',
        '--mapping',
        'labels=run-to-failure&units=temperature:K',
      );
      expect(imported).toMatchObject({ code: 0 });
      expect(imported.stdout).toMatch(
        /^cli-fleet: 479 rows read, 479 cycles written, 2 engines created, 0 unchanged in [\d.]+ s \(import \d+\)/,
      );
      expect(await prisma.engine.count({ where: { dataset: { name: 'cli-fleet' } } })).toBe(2);
      const broken = path.join(folder, 'broken.csv');
      fs.writeFileSync(
        broken,
        fleetCsv(3, (lines) => (lines[500] = lines[500].replace(/,[^,]+$/, ',n/a'))),
      );
      const before = await prisma.cycle.count();
      const failed = await cli('import', '--csv', broken, '--dataset', 'cli-fleet', '--mapping', 'labels=run-to-failure');
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toMatch(/failed: broken\.csv, line 502, column 26: probe_r: "n\/a" is not a finite number/);
      expect(await prisma.cycle.count()).toBe(before);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('train registers a version with the configuration asked for and prints the metrics stored with it', async () => {
    const result = await cli('train', '--name', 'cli tiny', ...tiny);
    expect(result).toMatchObject({ code: 0 });
    const version = await prisma.modelVersion.findFirstOrThrow({ where: { name: 'cli tiny' } });
    expect(version).toMatchObject({ status: 'READY', isActive: false, windowLength: 30 });
    expect(version).toMatchObject({ kind: 'lstm-autoencoder', options: { hidden: 8, code: 4 } });
    expect(version.sensors).toHaveLength(14);
    expect(version.scoringMethod).toMatchObject({ kind: 'reconstruction-error' });
    const job = await prisma.trainingJob.findFirstOrThrow({ where: { modelVersionId: version.id } });
    expect(job).toMatchObject({ status: 'SUCCEEDED', totalEpochs: 2 });
    expect(await prisma.trainingEpoch.count({ where: { jobId: job.id } })).toBe(2);

    const evaluation = await prisma.evaluation.findFirstOrThrow({ where: { modelVersionId: version.id } });
    const metrics = evaluation.metrics as {
      rocAuc: number;
      precision: number;
      recall: number;
      windows: number;
      anomalous: number;
      confusion: { tp: number; fp: number; tn: number; fn: number };
    };
    expect(result.stdout).toContain(`model version ${version.version} (id ${version.id})`);
    expect(tableValue(result.stdout, 'threshold')).toBe(version.threshold.toPrecision(6));
    expect(tableValue(result.stdout, 'ROC-AUC')).toBe(metrics.rocAuc.toFixed(4));
    expect(tableValue(result.stdout, 'precision')).toBe(metrics.precision.toFixed(4));
    expect(tableValue(result.stdout, 'recall')).toBe(metrics.recall.toFixed(4));
    expect(tableValue(result.stdout, 'windows (anomalous)')).toBe(`${metrics.windows} (${metrics.anomalous})`);
    const { tp, fp, tn, fn } = metrics.confusion;
    expect(tableValue(result.stdout, 'confusion')).toBe(`tp ${tp}  fp ${fp}  tn ${tn}  fn ${fn}`);
  });

  it('train --scoring registers the version with that scoring method', async () => {
    const result = await cli('train', '--name', 'cli logistic', ...tiny, '--scoring', 'degradation-logistic', '--activate');
    expect(result).toMatchObject({ code: 0 });
    const version = await prisma.modelVersion.findFirstOrThrow({ where: { name: 'cli logistic' } });
    expect(version).toMatchObject({ isActive: true });
    expect(version.scoringMethod).toMatchObject({
      kind: 'degradation-logistic',
      calibrationRecall: 0.95,
      recentSteps: 10,
      withSlopes: true,
      withInputs: true,
      crossFitFolds: 5,
    });
    expect(tableValue(result.stdout, 'threshold')).toBe(version.threshold.toPrecision(6));
  });

  it('evaluate scores a stored version on other labelled engines and stores that evaluation', async () => {
    const version = await prisma.modelVersion.findFirstOrThrow({ where: { name: 'cli tiny' } });
    const before = await prisma.evaluation.count({ where: { modelVersionId: version.id } });
    const result = await cli('evaluate', String(version.id), '--units', '1-2,5');
    expect(result).toMatchObject({ code: 0 });
    expect(await prisma.evaluation.count({ where: { modelVersionId: version.id } })).toBe(before + 1);
    const evaluation = await prisma.evaluation.findFirstOrThrow({ where: { modelVersionId: version.id }, orderBy: { id: 'desc' } });
    const metrics = evaluation.metrics as { windows: number; anomalous: number; rocAuc: number };
    expect(result.stdout).toContain('FD001 train units 1, 2, 5');
    expect(result.stdout).toContain('(some of these engines trained or calibrated the version)');
    expect(tableValue(result.stdout, 'windows (anomalous)')).toBe(`${metrics.windows} (${metrics.anomalous})`);
    expect(tableValue(result.stdout, 'ROC-AUC')).toBe(metrics.rocAuc.toFixed(4));
  });

  it('refuses bad input with a message naming it and a non-zero exit, writing nothing', async () => {
    const jobsBefore = await prisma.trainingJob.count();
    const badRange = await cli('train', '--train-units', '5-1');
    expect(badRange.code).not.toBe(0);
    expect(badRange.stderr).toMatch(/"5-1" must be a range with 1 <= first <= last/);
    const badScoring = await cli('train', '--scoring', 'magic');
    expect(badScoring.code).not.toBe(0);
    expect(badScoring.stderr).toMatch(/Allowed choices are reconstruction-error, normalised-error, degradation-logistic/);
    const overlapping = await cli('train', ...tiny, '--calibration-units', '4-6');
    expect(overlapping.code).not.toBe(0);
    expect(overlapping.stderr).toMatch(/INVALID_TRAINING_CONFIG: unit 4 is in both trainUnits and calibrationUnits/);
    expect(await prisma.trainingJob.count()).toBe(jobsBefore);

    const unknownVersion = await cli('evaluate', '9999');
    expect(unknownVersion.code).not.toBe(0);
    expect(unknownVersion.stderr).toMatch(/NOT_FOUND/);
    const notAnId = await cli('evaluate', 'latest');
    expect(notAnId.code).not.toBe(0);
    expect(notAnId.stderr).toMatch(/"latest" is not a number/);
  });

  it('refuses to import a unit number the database cannot store, with the file and line and no stack', async () => {
    const folder = writeSubsetFolder(2, (files) => {
      files.train = files.train.map((line) => line.replace(/^2 /, '2147483648 '));
    });
    try {
      const engines = await prisma.engine.count();
      const result = await cli('import', '--subset', 'FD001', '--dir', folder);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^DATASET_ERROR: train_FD001\.txt, line \d+: unit must be an integer from 1 to 2147483647, found 2147483648\n$/,
      );
      expect(await prisma.engine.count()).toBe(engines);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
