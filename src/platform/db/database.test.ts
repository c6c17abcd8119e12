// The database connections: prepared statements are planned for their arguments on every execution, never
// with a generic plan cached from the table sizes of an earlier moment.
import { openEmbedded, openPostgres, type Database } from './database';
import { findScoresByHash } from '../../modules/scoring/window-store';
import { createDatabaseFromTemplate } from '../../../test/support/postgres';

describe('openPostgres', () => {
  let scratch: Awaited<ReturnType<typeof createDatabaseFromTemplate>>;
  let database: Database;

  beforeAll(async () => {
    scratch = await createDatabaseFromTemplate();
    database = await openPostgres(scratch.url, 1); // one connection: the statements below share its plan cache
  });

  afterAll(async () => {
    await database.close();
    await scratch.drop();
  });

  it('plans every execution of a named statement with its own arguments (no generic plan after five)', async () => {
    for (let run = 0; run < 8; run++) await findScoresByHash(database.query, 1, [`hash-${run}`]);
    for (let run = 0; run < 8; run++) await database.query('SELECT $1::int + 1 AS next', [run]);
    const plans = await database.query<{ statement: string; generic_plans: string; custom_plans: string }>(
      'SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY statement',
    );
    expect(
      plans.map(({ statement, generic_plans, custom_plans }) => [
        statement.includes('content_hash = ANY') ? 'score lookup' : statement,
        Number(generic_plans),
        Number(custom_plans),
      ]),
    ).toEqual([
      ['SELECT $1::int + 1 AS next', 0, 8],
      ['score lookup', 0, 8],
    ]);
  });

  it('keeps the startup options of the database URL beside its own', async () => {
    const withOptions = await openPostgres(`${scratch.url}?options=${encodeURIComponent('-c statement_timeout=12345')}`, 1);
    try {
      const [settings] = await withOptions.query<{ timeout: string; plans: string }>(
        "SELECT current_setting('statement_timeout') AS timeout, current_setting('plan_cache_mode') AS plans",
      );
      expect(settings).toEqual({ timeout: '12345ms', plans: 'force_custom_plan' });
    } finally {
      await withOptions.close();
    }
  });
});

describe('openEmbedded', () => {
  it('plans every execution for its arguments too', async () => {
    const embedded = await openEmbedded(null);
    try {
      expect(await embedded.query("SELECT current_setting('plan_cache_mode') AS plans")).toEqual([{ plans: 'force_custom_plan' }]);
    } finally {
      await embedded.close();
    }
  });
});
