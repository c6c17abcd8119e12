import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPOSITORY_ROOT } from '../repository';
import { openEmbedded, openPostgres } from './database';
import { applyMigrations, pendingMigrations, readMigrations } from './migrations';
import { createEmptyDatabase } from '../../../test/support/postgres';
import { CMAPSS_CATALOGUE } from '../../domain/data/catalogue';
import { CMAPSS_SENSOR_NAMES } from '../../domain/data/cmapss';
import { catalogueOf } from '../../modules/datasets/dataset-service';
import { SUBSET_DESCRIPTIONS } from '../../modules/datasets/import-service';
import { loadSeries } from '../../modules/engines/engine-series';

const run = promisify(execFile);

describe('migrations', () => {
  it('are read in order with Prisma-compatible checksums', () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((migration) => migration.name)).toEqual([...migrations.map((migration) => migration.name)].sort());
    for (const migration of migrations) expect(migration.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('apply to an empty embedded database once, then nothing is pending', async () => {
    const database = await openEmbedded(null);
    try {
      expect(await pendingMigrations(database.query)).toEqual(readMigrations().map((migration) => migration.name));
      expect(await applyMigrations(database.execScript, database.query)).toHaveLength(readMigrations().length);
      expect(await pendingMigrations(database.query)).toEqual([]);
      expect(await applyMigrations(database.execScript, database.query)).toEqual([]);
      expect(await database.prisma.engine.count()).toBe(0);
    } finally {
      await database.close();
    }
  });

  it('detect a migration modified after it was applied', async () => {
    const database = await openEmbedded(null);
    try {
      await applyMigrations(database.execScript, database.query);
      const tampered = readMigrations().map((migration, index) => (index === 0 ? { ...migration, checksum: '0'.repeat(64) } : migration));
      await expect(pendingMigrations(database.query, tampered)).rejects.toThrow(/was modified after it was applied/);
    } finally {
      await database.close();
    }
  });

  it('roll back a failing migration entirely', async () => {
    const database = await openEmbedded(null);
    try {
      const broken = [
        { name: '00000000000000_broken', checksum: 'f'.repeat(64), sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();' },
      ];
      await expect(applyMigrations(database.execScript, database.query, broken)).rejects.toThrow(/no_such_function/);
      const tables = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'half_done'`);
      expect(tables[0].n).toBe(0);
      expect(await pendingMigrations(database.query, broken)).toEqual(['00000000000000_broken']);
    } finally {
      await database.close();
    }
  });

  it('`npm run db:migrate` (the migrate command) migrates PostgreSQL, twice harmlessly, and Prisma agrees', async () => {
    const empty = await createEmptyDatabase();
    try {
      const env = { ...process.env, DATABASE_URL: empty.url };
      const cli = path.join(REPOSITORY_ROOT, 'dist', 'src', 'main', 'cli', 'index.js');
      const first = await run(process.execPath, [cli, 'migrate'], { cwd: REPOSITORY_ROOT, env });
      expect(first.stdout).toMatch(/All migrations have been successfully applied/);
      expect((await run(process.execPath, [cli, 'migrate'], { cwd: REPOSITORY_ROOT, env })).stdout).toBe(
        'No pending migrations to apply.\n',
      );
      const database = await openPostgres(empty.url, 2);
      try {
        expect(await pendingMigrations(database.query)).toEqual([]);
        expect(await database.prisma.modelVersion.count()).toBe(0);
      } finally {
        await database.close();
      }
      expect((await run('npx', ['prisma', 'migrate', 'status'], { cwd: REPOSITORY_ROOT, env })).stdout).toMatch(
        /Database schema is up to date/,
      );
    } finally {
      await empty.drop();
    }
  });

  it("compress client windows' values with lz4 on PostgreSQL, and keep pglz where lz4 is missing (PGlite)", async () => {
    const compressionOf = async (query: (sql: string) => Promise<{ method: string }[]>) =>
      (
        await query(`SELECT attcompression::text AS method FROM pg_attribute WHERE attrelid = 'windows'::regclass AND attname = 'values'`)
      )[0].method;
    const empty = await createEmptyDatabase();
    try {
      const database = await openPostgres(empty.url, 2);
      try {
        await applyMigrations(database.execScript, database.query);
        expect(await compressionOf((sql) => database.query(sql))).toBe('l');
      } finally {
        await database.close();
      }
    } finally {
      await empty.drop();
    }
    const embedded = await openEmbedded(null);
    try {
      await applyMigrations(embedded.execScript, embedded.query);
      expect(await compressionOf((sql) => embedded.query(sql))).toBe(''); // the default, pglz
    } finally {
      await embedded.close();
    }
  });

  it('keep exactly one active model version (partial unique index)', async () => {
    const database = await openEmbedded(null);
    try {
      await applyMigrations(database.execScript, database.query);
      const version = (n: number, isActive: boolean) => ({
        version: n,
        isActive,
        kind: 'lstm-autoencoder',
        options: {},
        summary: {},
        sensors: [],
        windowLength: 30,
        normalisation: {},
        scoringMethod: {},
        threshold: 1,
        thresholdQuantile: 0.99,
        artifact: {},
        backend: 'cpu',
        trainingMs: 1,
        trainedOn: {},
      });
      await database.prisma.modelVersion.create({ data: version(1, true) });
      await database.prisma.modelVersion.create({ data: version(2, false) });
      await expect(database.prisma.modelVersion.create({ data: version(3, true) })).rejects.toThrow();
    } finally {
      await database.close();
    }
  });
});

describe('the datasets migration (20261206100000_datasets)', () => {
  const all = readMigrations();
  const splitAt = all.findIndex((migration) => migration.name === '20261206100000_datasets');
  const before = all.slice(0, splitAt);

  // Awkward doubles on purpose: each must come back bit for bit.
  const reading = (engine: number, cycle: number, column: number) => (engine * 1000 + cycle) / 7 + column * Math.PI * 1e-3;

  async function seedOldLayout(query: (sql: string, params?: unknown[]) => Promise<unknown[]>) {
    const engines: [string | null, string, number | null, string | null, number | null, number][] = [
      ['FD001', 'TRAIN', 1, null, null, 3],
      ['FD001', 'TEST', 1, null, 42, 2],
      ['FD003', 'TRAIN', 5, null, null, 2],
      [null, 'LIVE', null, 'tail-42', null, 2],
    ];
    for (const [index, [dataset, role, unit, externalId, rul, cycles]] of engines.entries()) {
      const [{ id }] = (await query(
        `INSERT INTO engines (dataset, role, unit, external_id, rul_after_last_cycle, last_cycle, updated_at)
         VALUES ($1, $2::"EngineRole", $3, $4, $5, $6, now()) RETURNING id`,
        [dataset, role, unit, externalId, rul, cycles],
      )) as { id: number }[];
      for (let cycle = 1; cycle <= cycles; cycle++) {
        const values = Array.from({ length: 24 }, (_, column) => String(reading(index + 1, cycle, column)));
        const columns = [...[1, 2, 3].map((k) => `setting_${k}`), ...Array.from({ length: 21 }, (_, k) => `sensor_${k + 1}`)];
        await query(
          `INSERT INTO cycles (engine_id, cycle, ${columns.join(', ')}) VALUES ($1, $2, ${columns.map((_, k) => `$${k + 3}::text::float8`).join(', ')})`,
          [id, cycle, ...values],
        );
      }
    }
    return engines;
  }

  it.each(['embedded', 'postgresql'] as const)(
    'keeps every engine and cycle value, in data sets with the C-MAPSS catalogue [%s]',
    async (kind) => {
      const empty = kind === 'postgresql' ? await createEmptyDatabase() : null;
      const database = empty ? await openPostgres(empty.url, 2) : await openEmbedded(null);
      try {
        await applyMigrations(database.execScript, database.query, before);
        const seeded = await seedOldLayout(database.query);
        expect(await applyMigrations(database.execScript, database.query)).toContain('20261206100000_datasets');

        const datasets = await database.prisma.dataset.findMany({ orderBy: { name: 'asc' } });
        expect(datasets.map((dataset) => [dataset.name, dataset.format])).toEqual([
          ['FD001', 'CMAPSS'],
          ['FD003', 'CMAPSS'],
          ['LIVE', 'CMAPSS'],
        ]);
        expect(datasets[0].description).toBe(SUBSET_DESCRIPTIONS.FD001);
        for (const dataset of datasets) expect(catalogueOf(dataset)).toEqual(CMAPSS_CATALOGUE);

        const engines = await database.prisma.engine.findMany({ include: { dataset: true }, orderBy: { id: 'asc' } });
        expect(
          engines.map((engine) => [
            engine.dataset.name,
            engine.role,
            engine.unit,
            engine.externalId,
            engine.labelling,
            engine.rulAfterLastCycle,
          ]),
        ).toEqual([
          ['FD001', 'TRAIN', 1, 'train-1', 'RUN_TO_FAILURE', null],
          ['FD001', 'TEST', 1, 'test-1', 'RUL_AFTER_LAST_CYCLE', 42],
          ['FD003', 'TRAIN', 5, 'train-5', 'RUN_TO_FAILURE', null],
          ['LIVE', 'LIVE', null, 'tail-42', 'NONE', null],
        ]);

        const series = await loadSeries(database.prisma, engines);
        series.forEach((engine, index) => {
          expect(engine.sensorNames).toEqual(CMAPSS_SENSOR_NAMES);
          expect(engine.cycles).toEqual(Array.from({ length: seeded[index][5] }, (_, k) => k + 1));
          engine.cycles.forEach((cycle, position) => {
            const expected = Array.from({ length: 24 }, (_, column) => reading(index + 1, cycle, column));
            expect([...engine.settings[position], ...engine.readings[position]]).toEqual(expected);
          });
        });
        expect(series[0].rul).toEqual([2, 1, 0]);
        expect(series[1].rul).toEqual([43, 42]);
        expect(series[3].rul).toBeNull();
        // New engines fit the new constraints: external ids are unique per data set, not across them.
        await database.prisma.engine.create({
          data: { datasetId: datasets[1].id, role: 'LIVE', externalId: 'tail-42', labelling: 'NONE' },
        });
        await expect(
          database.prisma.engine.create({ data: { datasetId: datasets[1].id, role: 'LIVE', externalId: 'tail-42', labelling: 'NONE' } }),
        ).rejects.toThrow();
        await expect(
          database.prisma.dataset.create({ data: { name: 'fd001', settings: [], sensors: [], format: 'CSV' } }),
        ).rejects.toThrow();
      } finally {
        await database.close();
        await empty?.drop();
      }
    },
  );

  it('creates no data set on an empty database', async () => {
    const database = await openEmbedded(null);
    try {
      await applyMigrations(database.execScript, database.query);
      expect(await database.prisma.dataset.count()).toBe(0);
    } finally {
      await database.close();
    }
  });
});
