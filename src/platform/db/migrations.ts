// Applies the SQL migrations of prisma/migrations, for PostgreSQL (`npm run db:migrate`) and the embedded
// database alike. It keeps `_prisma_migrations` as Prisma's migrate does (same checksums), so Prisma's
// tools agree with it; `prisma migrate deploy` itself, on its driver-adapter path, splits scripts at every
// semicolon and cannot apply a migration holding a function body.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../repository';

export const MIGRATIONS_DIR = path.join(REPOSITORY_ROOT, 'prisma', 'migrations');

export interface Migration {
  name: string;
  sql: string;
  /** SHA-256 of the file, as Prisma records it. */
  checksum: string;
}

/** Runs a multi-statement SQL script outside any prepared-statement protocol. */
export type ScriptExecutor = (sql: string) => Promise<void>;
/** Runs one query (with positional $n parameters) and returns its rows. */
export type QueryExecutor = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

// Same definition as the table Prisma's migrate creates.
const BOOKKEEPING_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);`;

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
}

async function appliedMigrations(query: QueryExecutor): Promise<AppliedRow[]> {
  const exists = await query<{ present: boolean }>(`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`);
  if (!exists[0]?.present) return [];
  return query<AppliedRow>(
    `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
}

/** Names of the migrations in `migrations` that the database has not applied. */
export async function pendingMigrations(query: QueryExecutor, migrations = readMigrations()): Promise<string[]> {
  const applied = new Map((await appliedMigrations(query)).map((row) => [row.migration_name, row.checksum]));
  for (const migration of migrations) {
    const checksum = applied.get(migration.name);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new MigrationError(`migration ${migration.name} was modified after it was applied`);
    }
  }
  return migrations.filter((migration) => !applied.has(migration.name)).map((migration) => migration.name);
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Applies every pending migration, each in its own transaction with its bookkeeping row. */
export async function applyMigrations(exec: ScriptExecutor, query: QueryExecutor, migrations = readMigrations()): Promise<string[]> {
  await exec(BOOKKEEPING_TABLE);
  const pending = new Set(await pendingMigrations(query, migrations));
  const applied: string[] = [];
  for (const migration of migrations.filter((candidate) => pending.has(candidate.name))) {
    await exec(
      [
        'BEGIN;',
        migration.sql,
        ';',
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES (${quoteLiteral(randomUUID())}, ${quoteLiteral(migration.checksum)}, ${quoteLiteral(migration.name)}, now(), now(), 1);`,
        'COMMIT;',
      ].join('\n'),
    );
    applied.push(migration.name);
  }
  return applied;
}
