// Prisma CLI configuration. Prisma 6.19 runs its WebAssembly schema engine (no native download,
// which is impossible offline) only with `engine: "js"` and a driver adapter.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { defineConfig } from 'prisma/config';

// The schema datasource reads env("DATABASE_URL"); if it cannot be resolved the CLI falls back to the
// native engine, so give it a harmless placeholder for commands that never connect (generate).
process.env.DATABASE_URL ??= 'postgresql://placeholder@localhost:5432/placeholder';

// The migration engine reads catalog columns of PostgreSQL types `char` (OID 18) and `name` (OID 19),
// which the adapter cannot map (a known Prisma issue). Both are plain text, so relabel them.
const CATALOG_TEXT_OIDS = new Set([18, 19]);
const TEXT_OID = 25;

function relabelCatalogTypes(result: pg.QueryResult | undefined): void {
  for (const field of result?.fields ?? []) {
    if (CATALOG_TEXT_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
  }
}

// pg.Pool calls Client#query with a callback; direct callers get a promise. Relabel on both paths.
class CatalogTextClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (error: Error | null, result: pg.QueryResult) => {
        if (!error) relabelCatalogTypes(result);
        last(error, result);
      };
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = (super.query as any)(...args);
    if (result && typeof result.then === 'function') {
      return result.then((res: pg.QueryResult) => {
        relabelCatalogTypes(res);
        return res;
      });
    }
    return result;
  }
}

function poolConfig(database?: string): pg.PoolConfig {
  // A connectionString would override the shadow database's name, so pass its parts separately.
  const url = new URL(process.env.DATABASE_URL as string);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: database ?? decodeURIComponent(url.pathname.slice(1)),
    Client: CatalogTextClient,
  };
}

// The stock shadow database drops itself before its pool is closed ("being accessed by other users"):
// close the pool first, then drop.
class MigrationAdapterFactory extends PrismaPg {
  override async connectToShadowDb() {
    const admin = await this.connect();
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await new PrismaPg(poolConfig(database)).connect();
    const closeShadow = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await closeShadow();
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.dispose();
    };
    return shadow;
  }
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  engine: 'js',
  experimental: { adapter: true },
  adapter: async () => new MigrationAdapterFactory(poolConfig()),
});
