// Versions registered before each version carried its alert rule get the rule all their alerts were
// raised with (DEFAULT_ALERT_RULE), so that running the rule again over their scores changes nothing.
import { applyMigrations, readMigrations } from '../../platform/db/migrations';
import { DEFAULT_ALERT_RULE } from '../../domain/alerts/alert-rule';
import { onEachEmptyDatabase } from '../../../test/support/databases';

const MIGRATION = '20261211100000_alert_rules';

describe(`migration ${MIGRATION}`, () => {
  it('gives every existing version the default rule', async () => {
    const migrations = readMigrations();
    const before = migrations.filter((migration) => migration.name < MIGRATION);
    expect(before.length).toBeLessThan(migrations.length);
    await onEachEmptyDatabase(async (database) => {
      await applyMigrations(database.execScript, database.query, before);
      for (const version of [1, 2]) {
        await database.query(
          `INSERT INTO model_versions (version, kind, options, summary, sensors, window_length, normalisation, scoring_method, threshold,
                                       threshold_quantile, artifact, backend, training_ms, trained_on)
           VALUES ($1, 'z-score', '{}', '{}', '{sensor2}', 30, '{}', '{}', 0.5, 0.99, '{}', 'js', 1, '{}')`,
          [version],
        );
      }
      await applyMigrations(database.execScript, database.query);
      const rows = await database.query<{ alert_rule: unknown }>('SELECT alert_rule FROM model_versions ORDER BY version');
      expect(rows.map((row) => row.alert_rule)).toEqual([DEFAULT_ALERT_RULE, DEFAULT_ALERT_RULE]);
    });
  }, 120_000);
});
