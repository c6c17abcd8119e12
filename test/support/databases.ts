// Runs a suite against both databases the service supports: PostgreSQL and the embedded PGlite.
import { openEmbedded, openPostgres, type Database, type DatabaseKind } from '../../src/platform/db/database';
import { applyMigrations } from '../../src/platform/db/migrations';
import { createDatabaseFromTemplate, createEmptyDatabase } from './postgres';

export interface TestDatabase {
  database: Database;
  dispose(): Promise<void>;
}

export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'embedded') {
    const database = await openEmbedded(null);
    await applyMigrations(database.execScript, database.query);
    return { database, dispose: () => database.close() };
  }
  const created = await createDatabaseFromTemplate();
  const database = await openPostgres(created.url, 4);
  return {
    database,
    dispose: async () => {
      await database.close();
      await created.drop();
    },
  };
}

export const DATABASE_KINDS: DatabaseKind[] = ['postgresql', 'embedded'];

/**
 * Declares `body` once per database kind. `current()` returns the suite's database; each kind gets a
 * fresh one for the whole describe block.
 */
export function describeEachDatabase(title: string, body: (current: () => Database, kind: DatabaseKind) => void): void {
  describe.each(DATABASE_KINDS)(`${title} [%s]`, (kind) => {
    let testDatabase: TestDatabase | undefined;
    beforeAll(async () => {
      testDatabase = await openTestDatabase(kind);
    });
    afterAll(async () => {
      await testDatabase?.dispose();
    });
    body(() => {
      if (!testDatabase) throw new Error('test database not open');
      return testDatabase.database;
    }, kind);
  });
}

/**
 * Runs `run` on a fresh, unmigrated database of each kind in turn (an embedded one, then an empty
 * PostgreSQL database): for tests of migrations, which apply them step by step.
 */
export async function onEachEmptyDatabase(run: (database: Database) => Promise<void>): Promise<void> {
  const embedded = await openEmbedded(null);
  try {
    await run(embedded);
  } finally {
    await embedded.close();
  }
  const empty = await createEmptyDatabase();
  try {
    const postgres = await openPostgres(empty.url, 2);
    try {
      await run(postgres);
    } finally {
      await postgres.close();
    }
  } finally {
    await empty.drop();
  }
}
