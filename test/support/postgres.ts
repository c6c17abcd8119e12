// PostgreSQL for tests: a template database migrated once per run, then one throw-away clone per test
// file (CREATE DATABASE ... TEMPLATE is a file copy: fast and fully isolated).
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { applyMigrations, readMigrations } from '../../src/platform/db/migrations';

export const DEFAULT_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * The server the tests create databases on: TEST_DATABASE_ADMIN_URL, else the machine's PostgreSQL; the
 * global setup points it at a PostgreSQL of its own when neither answers.
 */
export function adminUrl(): string {
  return process.env.TEST_DATABASE_ADMIN_URL ?? DEFAULT_ADMIN_URL;
}

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Name of the template for the current migrations: a new migration gets a new template. */
export function templateName(): string {
  // Every migration counts: two branches ending with the same migrations must not share a template.
  const fingerprint = createHash('sha256')
    .update(
      readMigrations()
        .map((migration) => `${migration.name}:${migration.checksum}`)
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 24);
  return `engine_health_template_${fingerprint}`;
}

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function ensureTemplate(): Promise<string> {
  const name = templateName();
  await withAdmin(async (admin) => {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return;
    const building = `${name}_building_${randomBytes(3).toString('hex')}`;
    await admin.query(`CREATE DATABASE "${building}"`);
    const client = new pg.Client({ connectionString: databaseUrl(building) });
    await client.connect();
    try {
      await applyMigrations(
        async (sql) => {
          await client.query(sql);
        },
        async (sql) => (await client.query(sql)).rows,
      );
    } finally {
      await client.end();
    }
    // Renaming is atomic: a concurrent run either sees the finished template or builds its own.
    await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`).catch(async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
    });
  });
  return name;
}

export async function createDatabaseFromTemplate(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const template = await ensureTemplate();
  const name = `engine_health_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** An empty database without migrations, for migration tests. */
export async function createEmptyDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `engine_health_empty_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
