// A version's alert rule as stored (model_versions.alert_rule), and its changes. When an operator changes
// it, the windows each engine has scored under the version keep the rule they were judged by: the change
// writes, per engine, the rule in force from the window after its last scored one (alert_rule_periods),
// and the rule is run over each window with the rule of its period. So a change applies from the next
// scored window, an open alert stays the same alert, and re-scoring the same windows still gives the same
// alerts (docs/alerts.md).
import type { Prisma } from '@prisma/client';
import type { AlertRulePeriod, AlertRuleSettings } from '../../domain/alerts/alert-rule';
import { exactJson } from '../../platform/db/exact-floats';
import type { QueryExecutor } from '../../platform/db/migrations';

/** The settings of a stored rule (written by this service, checked then). */
export function storedAlertRule(value: unknown): AlertRuleSettings {
  return value as AlertRuleSettings;
}

/** A rule as stored in a JSON column. */
export function alertRuleJson(rule: AlertRuleSettings): Prisma.InputJsonObject {
  return {
    k: rule.k,
    n: rule.n,
    m: rule.m,
    serious: { excess: rule.serious.excess, windows: rule.serious.windows },
    critical: { excess: rule.critical.excess, windows: rule.critical.windows },
    drivingSensors: rule.drivingSensors,
  };
}

/**
 * The rule (or periods of rules) that judges an engine's windows under a version. It share-locks the
 * version's row until the caller's transaction ends, so that a rule change (which updates the row first)
 * waits for the scores this transaction stores and then counts them as judged by the old rule.
 */
export async function engineAlertRule(
  query: QueryExecutor,
  engineId: number,
  versionId: number,
): Promise<AlertRuleSettings | AlertRulePeriod[]> {
  const [version] = await query<{ alert_rule: unknown }>(`SELECT alert_rule FROM model_versions WHERE id = $1 FOR SHARE`, [versionId]);
  const periods = await query<{ from_cycle: number; rule: unknown }>(
    `SELECT from_cycle, rule FROM alert_rule_periods WHERE model_version_id = $1 AND engine_id = $2 ORDER BY from_cycle`,
    [versionId, engineId],
  );
  if (periods.length === 0) return storedAlertRule(version.alert_rule);
  return periods.map((period) => ({ fromCycle: period.from_cycle, settings: storedAlertRule(period.rule) }));
}

/**
 * Records a change of the version's rule from `previous` to `next` for every engine scored under it:
 * windows up to its last scored one keep their periods (`previous` for all of them when it had none),
 * later ones get `next`. Call it after updating the version's row, in the same transaction.
 */
export async function recordAlertRuleChange(
  query: QueryExecutor,
  versionId: number,
  previous: AlertRuleSettings,
  next: AlertRuleSettings,
): Promise<void> {
  await query(
    `INSERT INTO alert_rule_periods (model_version_id, engine_id, from_cycle, rule)
     SELECT $1, engine_id, 0, $2::text::jsonb FROM scores WHERE model_version_id = $1 AND engine_id IS NOT NULL GROUP BY engine_id
     ON CONFLICT DO NOTHING`,
    [versionId, exactJson(previous)],
  );
  await query(
    `INSERT INTO alert_rule_periods (model_version_id, engine_id, from_cycle, rule)
     SELECT $1, engine_id, max(end_cycle) + 1, $2::text::jsonb FROM scores WHERE model_version_id = $1 AND engine_id IS NOT NULL
      GROUP BY engine_id
     ON CONFLICT (model_version_id, engine_id, from_cycle) DO UPDATE SET rule = EXCLUDED.rule`,
    [versionId, exactJson(next)],
  );
}
