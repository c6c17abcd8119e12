// One code path, two databases: PostgreSQL through @prisma/adapter-pg, or an embedded PostgreSQL (PGlite)
// persisted in a local folder. Services only ever see `Database.prisma`.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PrismaClient } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { applyMigrations, pendingMigrations, type QueryExecutor, type ScriptExecutor } from './migrations';

export type DatabaseSettings = { kind: 'postgresql'; url: string; poolMax: number } | { kind: 'embedded'; dataDir: string };

export type DatabaseKind = DatabaseSettings['kind'];

/** One connection inside one transaction, for bulk writes that Prisma cannot express (COPY). */
export interface Session {
  query: QueryExecutor;
  /**
   * Streams `source` into `COPY ... FROM STDIN` and resolves with the rows copied; null on PGlite,
   * which cannot COPY from a stream.
   */
  copyFrom: ((sql: string, source: Readable) => Promise<number>) | null;
}

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** Runs a multi-statement script (migrations); rolls back an open transaction on failure. */
  execScript: ScriptExecutor;
  /**
   * Runs one statement straight on the driver (pg or PGlite), outside Prisma: for hot paths whose
   * parameters Prisma would serialise slowly (large bytea and array arguments). Never inside a Prisma
   * transaction.
   */
  query: QueryExecutor;
  /**
   * Streams the output of `COPY ... TO STDOUT` on a connection of its own (PostgreSQL; null on PGlite).
   * Iterate to the end or call return(): a connection left in the middle of a COPY is closed then.
   */
  copyOut: ((sql: string) => AsyncGenerator<Buffer>) | null;
  /**
   * Runs `work` in one transaction on one connection (a pool client, or PGlite's one session), committed
   * when `work` resolves, rolled back when it rejects. On PGlite every other statement waits meanwhile.
   */
  transaction<T>(work: (session: Session) => Promise<T>): Promise<T>;
  /** The driver's connection pool (PostgreSQL only), for stores that share it (rate limits). */
  pool: pg.Pool | null;
  /** Connection pool figures (PostgreSQL only) for metrics. */
  poolStats(): { total: number; idle: number; waiting: number } | null;
  close(): Promise<void>;
}

async function runScript(run: (sql: string) => Promise<unknown>, sql: string): Promise<void> {
  try {
    await run(sql);
  } catch (error) {
    // A failed statement inside BEGIN leaves the session in an aborted transaction.
    await run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Parameterised statements are prepared once per connection under a name derived from their text: the
 * hot scoring statements then skip parsing (measured: a one-window store 2.2 -> 1.1 ms).
 */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `s_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** A QueryExecutor on a pg pool or client that prepares each parameterised statement under its name. */
export function preparedQueryExecutor(target: { query(config: string | pg.QueryConfig): Promise<pg.QueryResult> }): QueryExecutor {
  return async <T>(sql: string, params?: unknown[]) =>
    (await target.query(params === undefined ? sql : { name: statementName(sql), text: sql, values: params })).rows as T[];
}

// Every execution of a prepared statement gets a plan for its own arguments and the tables' current
// size, ours and the ones PostgreSQL prepares for foreign-key checks alike. After five executions it
// would otherwise keep a generic plan made with the sizes of that moment: on a fresh database, plans for
// empty tables, which then scanned every row of the growing windows table. `npm run bench:plans`, one
// connection of a fresh database after 51,360 windows were stored through it: looking up the scores of
// 16 windows 65 ms and storing them 9 ms, against 0.8 and 1.9 ms with this setting; in the soak, half
// the scoring rate within a minute, until an ANALYZE happened to invalidate the plans. Planning every
// time costs PostgreSQL ~5% of bench:score's throughput; the parsing stays saved.
export const PLAN_CACHE_MODE = 'force_custom_plan';

/** Pool settings for `url`, with PLAN_CACHE_MODE added to the startup options the URL may give. */
function poolConfig(url: string, max: number): pg.PoolConfig {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL that needs rewriting: pg reads it as it is.
  }
  const planCache = `-c plan_cache_mode=${PLAN_CACHE_MODE}`;
  const own = parsed?.searchParams.get('options');
  if (!parsed || !own) return { connectionString: url, max, options: planCache };
  // pg lets the URL's options replace the configured ones: move them into the configuration.
  parsed.searchParams.delete('options');
  return { connectionString: parsed.toString(), max, options: `${own} ${planCache}` };
}

export async function openPostgres(url: string, poolMax = 10): Promise<Database> {
  const pool = new pg.Pool(poolConfig(url, poolMax));
  // An idle client losing its connection (database restart) must not crash the process; the pool
  // replaces it on the next checkout.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: 'postgresql',
    prisma,
    execScript: async (sql) => {
      const client = await pool.connect();
      try {
        await runScript((text) => client.query(text), sql);
      } finally {
        client.release();
      }
    },
    query: preparedQueryExecutor(pool),
    copyOut: async function* (sql) {
      const client = await pool.connect();
      let finished = false;
      try {
        for await (const chunk of client.query(copyTo(sql))) yield chunk as Buffer;
        finished = true;
      } finally {
        // A connection stopped in the middle of a COPY is in no state to be reused.
        client.release(!finished);
      }
    },
    transaction: async (work) => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work({
          query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
          copyFrom: async (sql, source) => {
            const copy = client.query(copyFrom(sql));
            await pipeline(source, copy);
            return copy.rowCount ?? 0;
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        // A connection that could not roll back is in an unknown state: the pool must not reuse it.
        client.release(broken);
      }
    },
    pool,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * Opens the embedded database. `dataDir` null keeps it in memory (tests). PGlite allows one connection,
 * so transactions run one at a time.
 */
export async function openEmbedded(dataDir: string | null): Promise<Database> {
  // Loaded lazily: PGlite is an ES module with a large WebAssembly payload, and PostgreSQL deployments
  // never need it.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  if (dataDir !== null) fs.mkdirSync(path.resolve(dataDir), { recursive: true }); // PGlite does not create parents
  const client = dataDir === null ? await PGlite.create() : await PGlite.create(path.resolve(dataDir));
  await client.exec(`SET plan_cache_mode = ${PLAN_CACHE_MODE}`); // its one session, for good
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
  return {
    kind: 'embedded',
    prisma,
    execScript: (sql) => runScript((text) => client.exec(text), sql),
    query: async <T>(sql: string, params?: unknown[]) => (await client.query<T>(sql, params)).rows,
    copyOut: null,
    transaction: (work) =>
      client.transaction((tx) =>
        work({ query: async <T>(sql: string, params?: unknown[]) => (await tx.query<T>(sql, params)).rows, copyFrom: null }),
      ),
    pool: null,
    poolStats: () => null,
    close: async () => {
      await prisma.$disconnect();
      await client.close();
    },
  };
}

/** Opens the configured database; the embedded one is migrated automatically. */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  if (settings.kind === 'postgresql') return openPostgres(settings.url, settings.poolMax);
  const database = await openEmbedded(path.join(settings.dataDir, 'pglite'));
  await applyMigrations(database.execScript, database.query);
  return database;
}

/** Names of migrations not yet applied to `database`. */
export function pendingMigrationsOf(database: Database): Promise<string[]> {
  return pendingMigrations(database.query);
}
