// The built command line's scoring and comparison commands against a fresh PostgreSQL database holding
// the first FD001 engines and two versions trained by `train`: score a CSV and a window file, compare,
// evaluate, in tables and in JSON; a malformed CSV is refused naming line and column, scoring nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../../platform/repository';
import { openPostgres, type Database } from '../../platform/db/database';
import { firstUnits, writeSubsetFolder } from '../../../test/support/cmapss-fixtures';
import { runCli } from '../../../test/support/cli';
import { createDatabaseFromTemplate } from '../../../test/support/postgres';

const SPLIT = ['--train-units', '1-4', '--calibration-units', '5-6', '--test-units', '7-8'];

/** FD001 train unit 1's first `cycles` cycles as a CSV of sensor1..sensor21 columns. */
function unit1Csv(cycles: number): string {
  const rows = firstUnits('train_FD001.txt', 1)
    .slice(0, cycles)
    .map((line) => line.trim().split(/\s+/).slice(5).join(','));
  return [Array.from({ length: 21 }, (_, s) => `sensor${s + 1}`).join(','), ...rows].join('\n') + '\n';
}

describe('command line: score, compare, evaluate --json', () => {
  let created: Awaited<ReturnType<typeof createDatabaseFromTemplate>>;
  let database: Database;
  let dir: string;
  const versionIds: number[] = [];

  const cli = (...args: string[]) => runCli(created.url, args);

  beforeAll(async () => {
    created = await createDatabaseFromTemplate();
    database = await openPostgres(created.url, 2);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-score-'));
    const folder = writeSubsetFolder(8);
    try {
      expect(await cli('import', '--subset', 'FD001', '--dir', folder)).toMatchObject({ code: 0 });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
    for (const [kind, extra] of [
      ['z-score', ['--activate']],
      ['isolation-forest', []],
    ] as const) {
      expect(await cli('train', '--kind', kind, '--name', `cli ${kind}`, ...SPLIT, ...extra)).toMatchObject({ code: 0 });
      versionIds.push((await database.prisma.modelVersion.findFirstOrThrow({ where: { name: `cli ${kind}` } })).id);
    }
  });

  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await database?.close();
    await created?.drop();
  });

  it('scores every window of a CSV with the active version, as the shipped window file scores its first', async () => {
    const csv = path.join(dir, 'unit1.csv');
    fs.writeFileSync(csv, unit1Csv(40));
    const json = await cli('score', csv, '--json');
    expect(json).toMatchObject({ code: 0 });
    const scored = JSON.parse(json.stdout) as { modelVersionId: number; windows: { endRow: number; score: number; isAnomaly: boolean }[] };
    expect(scored.modelVersionId).toBe(versionIds[0]);
    expect(scored.windows.map((window) => window.endRow)).toEqual(Array.from({ length: 11 }, (_, i) => 30 + i));

    const file = await cli('score', path.join(REPOSITORY_ROOT, 'examples', 'window-variables.json'), '--json');
    expect(JSON.parse(file.stdout).windows[0].score).toBe(scored.windows[0].score); // cycles 1-30 of the same engine

    const table = await cli('score', csv, '--version', String(versionIds[1]));
    const flagged = table.stdout.match(/: 11 windows, (\d+) flagged/);
    expect(flagged).not.toBeNull();
    expect(table.stdout.trimEnd().split('\n')).toHaveLength(2 + 11);
  });

  it('refuses a CSV with a bad value naming its line and column, and scores nothing', async () => {
    const csv = path.join(dir, 'bad.csv');
    const lines = unit1Csv(40).split('\n');
    lines[4] = lines[4]
      .split(',')
      .map((value, column) => (column === 2 ? 'n/a' : value))
      .join(',');
    fs.writeFileSync(csv, lines.join('\n'));
    const windows = await database.prisma.window.count();
    const result = await cli('score', csv);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('DATASET_ERROR: bad.csv, line 5, column 3: sensor3 must be a finite number, got "n/a"\n');
    const short = path.join(dir, 'short.csv');
    fs.writeFileSync(short, unit1Csv(10));
    expect((await cli('score', short)).stderr).toMatch(/^BAD_USER_INPUT: the file holds 10 rows: the version scores windows of 30/);
    expect(await database.prisma.window.count()).toBe(windows);
  });

  it('compares versions on common windows, with deltas against the first, in a table and in JSON', async () => {
    const json = await cli('compare', ...versionIds.map(String), '--json');
    expect(json).toMatchObject({ code: 0 });
    const comparison = JSON.parse(json.stdout) as {
      commonWindows: number;
      versions: { id: number; kind: string; metrics: { rocAuc: number }; deltas: { rocAuc: number } }[];
    };
    expect(comparison.commonWindows).toBeGreaterThan(0);
    expect(comparison.versions.map((entry) => [entry.id, entry.kind])).toEqual([
      [versionIds[0], 'z-score'],
      [versionIds[1], 'isolation-forest'],
    ]);
    expect(comparison.versions[1].deltas.rocAuc).toBeCloseTo(
      comparison.versions[1].metrics.rocAuc - comparison.versions[0].metrics.rocAuc,
      12,
    );
    const table = await cli('compare', ...versionIds.map(String));
    expect(table.stdout).toContain(`${comparison.commonWindows} common windows`);
    expect(table.stdout).toContain(comparison.versions[1].metrics.rocAuc.toFixed(4));
    expect((await cli('compare', String(versionIds[0]))).stderr).toMatch(
      /^BAD_USER_INPUT: compare between 2 and \d+ model versions, got 1/,
    );
  });

  it('evaluate --json prints the stored evaluation', async () => {
    const result = await cli('evaluate', String(versionIds[0]), '--units', '1-2', '--json');
    expect(result).toMatchObject({ code: 0 });
    const printed = JSON.parse(result.stdout) as { evaluationId: number; metrics: { rocAuc: number } };
    const stored = await database.prisma.evaluation.findUniqueOrThrow({ where: { id: printed.evaluationId } });
    expect((stored.metrics as { rocAuc: number }).rocAuc).toBe(printed.metrics.rocAuc);
  });
});
