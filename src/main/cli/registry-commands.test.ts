// The built command line's registry commands (versions, activate, alias, export, import-version) against
// a fresh PostgreSQL database, as tables and as JSON; refusals with a message naming the problem and exit
// code 1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPostgres, type Database } from '../../platform/db/database';
import { firstUnits, writeSubsetFolder } from '../../../test/support/cmapss-fixtures';
import { runCli } from '../../../test/support/cli';
import { createDatabaseFromTemplate } from '../../../test/support/postgres';

describe('command line: versions, activate, alias, export, import-version', () => {
  let created: Awaited<ReturnType<typeof createDatabaseFromTemplate>>;
  let database: Database;
  let versionIds: number[];

  const cli = (...args: string[]) => runCli(created.url, args);

  beforeAll(async () => {
    created = await createDatabaseFromTemplate();
    database = await openPostgres(created.url, 2);
    const folder = writeSubsetFolder(8);
    try {
      expect(await cli('import', '--subset', 'FD001', '--dir', folder)).toMatchObject({ code: 0 });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
    for (const name of ['first', 'second']) {
      const split = ['--train-units', '1-4', '--calibration-units', '5-6', '--test-units', '7-8'];
      expect(await cli('train', '--kind', 'z-score', '--name', name, '--no-progress', ...split)).toMatchObject({ code: 0 });
    }
    versionIds = (await database.prisma.modelVersion.findMany({ orderBy: { id: 'asc' } })).map((version) => version.id);
  });

  afterAll(async () => {
    await database?.close();
    await created?.drop();
  });

  it('versions lists every version, newest first, as a table and as JSON', async () => {
    const json = await cli('versions', '--json');
    expect(json.code).toBe(0);
    const records = JSON.parse(json.stdout);
    expect(records.map((record: { id: number }) => record.id)).toEqual([...versionIds].reverse());
    expect(records[0]).toMatchObject({ name: 'second', kind: 'z-score', status: 'READY', isActive: false, aliases: [], tags: {} });
    expect(records[0].rocAuc).toEqual(expect.any(Number));

    const table = await cli('versions');
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s+/)).toEqual([
      'id',
      'version',
      'active',
      'status',
      'kind',
      'threshold',
      'ROC-AUC',
      'recall',
      'aliases',
      'name',
    ]);
    expect(lines.slice(1).map((line) => Number(line.split(/\s+/)[0]))).toEqual([...versionIds].reverse());
  });

  it('activate makes a version active and names the one it replaced', async () => {
    const first = JSON.parse((await cli('activate', String(versionIds[0]), '--json')).stdout);
    expect(first).toMatchObject({ activated: { id: versionIds[0], isActive: true }, previous: null });
    const second = await cli('activate', String(versionIds[1]), '--json');
    expect(JSON.parse(second.stdout)).toMatchObject({
      activated: { id: versionIds[1], isActive: true },
      previous: { id: versionIds[0], isActive: false },
    });
    const text = await cli('activate', String(versionIds[0]));
    expect(text).toMatchObject({ code: 0, stderr: `model version ${versionIds[0]} is active; ${versionIds[1]} no longer is.\n` });
    expect(await database.prisma.modelVersion.findMany({ where: { isActive: true }, select: { id: true } })).toEqual([
      { id: versionIds[0] },
    ]);
  });

  it('alias points a name at a version and moves it from the one that had it', async () => {
    expect(JSON.parse((await cli('alias', String(versionIds[0]), 'champion', '--json')).stdout)).toMatchObject({
      alias: 'champion',
      modelVersion: { id: versionIds[0], aliases: ['champion'] },
      previous: null,
    });
    const moved = await cli('alias', String(versionIds[1]), 'champion');
    expect(moved).toMatchObject({ code: 0, stderr: `"champion" names model version ${versionIds[1]} (moved from ${versionIds[0]}).\n` });
    const records = JSON.parse((await cli('versions', '--json')).stdout);
    expect(records.map((record: { aliases: string[] }) => record.aliases)).toEqual([['champion'], []]);
  });

  it('refuses an unknown version and a malformed alias with exit code 1, changing nothing', async () => {
    const before = await database.prisma.modelVersionAlias.findMany();
    const unknown = await cli('activate', '424242');
    expect(unknown).toMatchObject({ code: 1, stderr: 'NOT_FOUND: model version 424242 does not exist\n' });
    const malformed = await cli('alias', String(versionIds[0]), '1st choice');
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/^BAD_USER_INPUT: alias "1st choice" is not valid/);
    const notANumber = await cli('alias', 'one', 'champion');
    expect(notANumber.code).toBe(1);
    expect(await database.prisma.modelVersionAlias.findMany()).toEqual(before);
    expect(await database.prisma.modelVersion.findMany({ where: { isActive: true }, select: { id: true } })).toEqual([
      { id: versionIds[0] },
    ]);
  });

  it('export writes a portable file that import-version registers in another database, which scores a CSV alike', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portable-'));
    const other = await createDatabaseFromTemplate();
    try {
      const file = path.join(dir, 'first.json');
      const exported = await cli('export', String(versionIds[0]), '--out', file, '--json');
      expect(exported.code).toBe(0);
      expect(JSON.parse(exported.stdout)).toEqual({
        id: versionIds[0],
        version: expect.any(Number),
        kind: 'z-score',
        file,
        bytes: fs.statSync(file).size,
        checksum: JSON.parse(fs.readFileSync(file, 'utf8')).checksum,
      });

      // The other database holds no data set: the imported version reads sensors by the names its file recorded.
      const imported = await runCli(other.url, ['import-version', file, '--activate', '--alias', 'champion', '--json']);
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ kind: 'z-score', name: 'first', isActive: true, aliases: ['champion'] });
      const csv = path.join(dir, 'engine.csv');
      const header = [1, 2, 3].map((n) => `setting${n}`).concat(Array.from({ length: 21 }, (_, n) => `sensor${n + 1}`));
      const rows = firstUnits('test_FD001.txt', 1).map((line) => line.trim().split(/\s+/).slice(2).join(','));
      fs.writeFileSync(csv, `${header.join(',')}\n${rows.join('\n')}\n`);
      const here = await cli('score', csv, '--version', String(versionIds[0]), '--json');
      const there = await runCli(other.url, ['score', csv, '--json']);
      expect([here.code, there.code]).toEqual([0, 0]);
      const [hereScores, thereScores] = [JSON.parse(here.stdout), JSON.parse(there.stdout)];
      expect(thereScores.windows.length).toBe(rows.length - 29);
      expect({ ...thereScores, modelVersionId: null }).toEqual({ ...hereScores, modelVersionId: null });

      const text = await runCli(other.url, ['import-version', file]);
      expect(text.code).toBe(0);
      expect(text.stderr).toMatch(new RegExp(`^model version \\d+ imported from ${file}\\.\n$`));
      const changed = path.join(dir, 'changed.json');
      fs.writeFileSync(changed, fs.readFileSync(file, 'utf8').replace('"windowLength":30', '"windowLength":31'));
      const refused = await runCli(other.url, ['import-version', changed]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^INVALID_VERSION_FILE: the content does not match its checksum/);
      const versions = JSON.parse((await runCli(other.url, ['versions', '--json'])).stdout);
      expect(versions.map((version: { isActive: boolean }) => version.isActive)).toEqual([false, true]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await other.drop();
    }
  });
});
