// Once per jest run: make sure there is a PostgreSQL to test against (the configured one, or one started
// from the binaries npm installs when none answers), build the migrated template, and drop databases
// left behind by test processes that no longer exist (a killed run cannot clean up after itself).
import pg from 'pg';
import { adminUrl, ensureTemplate } from './postgres';
import { createPrivatePostgres, type PrivatePostgres } from './private-postgres';

/** The PostgreSQL this run started, for the global teardown (jest runs both in its main process). */
export function startedCluster(): { cluster: PrivatePostgres | null } {
  const holder = globalThis as { engineHealthTestPostgres?: { cluster: PrivatePostgres | null } };
  holder.engineHealthTestPostgres ??= { cluster: null };
  return holder.engineHealthTestPostgres;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function globalSetup(): Promise<void> {
  const configured = adminUrl();
  if (!(await answers(configured))) {
    const cluster = await createPrivatePostgres();
    startedCluster().cluster = cluster;
    // Read by every test process (jest starts its workers after this).
    process.env.TEST_DATABASE_ADMIN_URL = cluster.url();
    process.stderr.write(
      `\n*** No PostgreSQL answered at ${configured}: started one for this run from ${cluster.binaries.source} (${cluster.binaries.dir}) ` +
        `at ${cluster.url()}; it is stopped and removed when the run ends.\n\n`,
    );
  }
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    const leftovers = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^engine_health_(test|empty)_[0-9]+_'`,
    );
    for (const { datname } of leftovers.rows) {
      const pid = Number(datname.split('_')[3]);
      if (!processIsAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
  await ensureTemplate();
}
