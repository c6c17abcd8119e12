import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { REPOSITORY_ROOT } from '../repository';
import { openEmbedded, openPostgres } from './database';
import { applyMigrations, pendingMigrations, readMigrations } from './migrations';
import { createEmptyDatabase } from '../../../test/support/postgres';

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

  it('`npm run db:migrate` (prisma migrate deploy) migrates PostgreSQL, and agrees with our runner', async () => {
    const empty = await createEmptyDatabase();
    try {
      const env = { ...process.env, DATABASE_URL: empty.url };
      const deploy = await run('npx', ['prisma', 'migrate', 'deploy'], { cwd: REPOSITORY_ROOT, env });
      expect(deploy.stdout).toMatch(/successfully applied|No pending migrations/);
      const database = await openPostgres(empty.url, 2);
      try {
        expect(await pendingMigrations(database.query)).toEqual([]);
        expect(await database.prisma.modelVersion.count()).toBe(0);
      } finally {
        await database.close();
      }
      // The other way round: a database migrated by our runner is up to date for Prisma.
      const client = new pg.Client({ connectionString: empty.url });
      await client.connect();
      await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
      await applyMigrations(
        async (sql) => void (await client.query(sql)),
        async (sql) => (await client.query(sql)).rows,
      );
      await client.end();
      const status = await run('npx', ['prisma', 'migrate', 'status'], { cwd: REPOSITORY_ROOT, env });
      expect(status.stdout).toMatch(/Database schema is up to date/);
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
