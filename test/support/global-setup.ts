// Once per jest run: build the migrated PostgreSQL template, and drop databases left behind by test
// processes that no longer exist (a killed run cannot clean up after itself).
import pg from 'pg';
import { ADMIN_URL, ensureTemplate } from './postgres';

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export default async function globalSetup(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
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
