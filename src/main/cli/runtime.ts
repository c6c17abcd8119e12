// What every command shares: the service's configuration and database, and a logger that keeps stdout for
// the command's report.
import pino from 'pino';
import { loadConfig } from '../config';
import { openDatabase, type Database } from '../../platform/db/database';
import { createLogger, type Logger } from '../../platform/observability/logger';

export async function withDatabase<T>(run: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(loadConfig().database);
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}

/**
 * Logs go to stderr so that stdout holds only the command's report; quiet (warnings and errors) unless
 * LOG_LEVEL is set.
 */
export function cliLogger(): Logger {
  return createLogger(process.env.LOG_LEVEL ? loadConfig().logLevel : 'warn', pino.destination(2));
}
