// `migrate`: applies pending migrations to the configured database (PostgreSQL from DATABASE_URL, or the
// embedded one). It replaces `prisma migrate deploy`, whose driver-adapter path splits each script at
// every semicolon and so cannot apply a migration holding a function body (the cycles triggers). The
// bookkeeping is Prisma's own `_prisma_migrations` table, so the two stay interchangeable.
import { Command } from 'commander';
import pg from 'pg';
import { applyMigrations } from '../../platform/db/migrations';
import { loadConfig } from '../config';
import { withDatabase } from './runtime';

/** The advisory lock `prisma migrate deploy` takes: replicas migrating at once, by either tool, queue on it. */
const MIGRATION_LOCK = 72707369;

async function migratePostgres(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await applyMigrations(
      async (sql) => {
        await client.query(sql);
      },
      async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    );
  } finally {
    await client.end();
  }
}

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Apply pending migrations (prisma/migrations) to the configured database, one transaction each.')
    .action(async () => {
      const settings = loadConfig().database;
      // The embedded database migrates itself when opened.
      const applied = settings.kind === 'postgresql' ? await migratePostgres(settings.url) : await withDatabase(async () => []);
      for (const name of applied) process.stdout.write(`applied ${name}\n`);
      process.stdout.write(applied.length === 0 ? 'No pending migrations to apply.\n' : 'All migrations have been successfully applied.\n');
    });
}
