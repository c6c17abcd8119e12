// A version's alert rule as stored (model_versions.alert_rule), an engine's own rule under it
// (engine_alert_rules), and their changes. When an operator changes either, the windows each engine has
// scored under the version keep the rule they were judged by: the change writes, per engine, the rule in
// force from the window after its last scored one (alert_rule_periods), and the rule is run over each
// window with the rule of its period. So a change applies from the next scored window, an open alert stays
// the same alert, and re-scoring the same windows still gives the same alerts (docs/alerts.md).
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
 * The rule (or periods of rules) that judges an engine's windows under a version: its periods when a rule
 * changed after it was scored, else its own rule when it has one, else the version's. It share-locks the
 * version's row until the caller's transaction ends, so that a rule change (which locks the row first)
 * waits for the scores this transaction stores and then counts them as judged by the old rule.
 */
export async function engineAlertRule(
  query: QueryExecutor,
  engineId: number,
  versionId: number,
): Promise<AlertRuleSettings | AlertRulePeriod[]> {
  const [version] = await query<{ alert_rule: unknown; engine_rule: unknown }>(
    `SELECT v.alert_rule, o.rule AS engine_rule FROM model_versions v
       LEFT JOIN engine_alert_rules o ON o.model_version_id = v.id AND o.engine_id = $2
      WHERE v.id = $1 FOR SHARE OF v`,
    [versionId, engineId],
  );
  const periods = await query<{ from_cycle: number; rule: unknown }>(
    `SELECT from_cycle, rule FROM alert_rule_periods WHERE model_version_id = $1 AND engine_id = $2 ORDER BY from_cycle`,
    [versionId, engineId],
  );
  if (periods.length === 0) return storedAlertRule(version.engine_rule ?? version.alert_rule);
  return periods.map((period) => ({ fromCycle: period.from_cycle, settings: storedAlertRule(period.rule) }));
}

/**
 * Records a change of the rule from `previous` to `next` for the engines scored under version `versionId`
 * that it judges: every engine without a rule of its own (a change of the version's rule), or engine
 * `engineId` alone (a change of its own rule). Windows up to each one's last scored window keep their
 * periods (`previous` for all of them when it had none), later ones get `next`. Call it after locking the
 * version's row, in the same transaction.
 */
export async function recordAlertRuleChange(
  query: QueryExecutor,
  versionId: number,
  previous: AlertRuleSettings,
  next: AlertRuleSettings,
  engineId: number | null = null,
): Promise<void> {
  const judged = `model_version_id = $1 AND engine_id IS NOT NULL
    AND CASE WHEN $3::int4 IS NULL
             THEN engine_id NOT IN (SELECT engine_id FROM engine_alert_rules WHERE model_version_id = $1)
             ELSE engine_id = $3::int4 END`;
  await query(
    `INSERT INTO alert_rule_periods (model_version_id, engine_id, from_cycle, rule)
     SELECT $1, engine_id, 0, $2::text::jsonb FROM scores WHERE ${judged} GROUP BY engine_id
     ON CONFLICT DO NOTHING`,
    [versionId, exactJson(previous), engineId],
  );
  await query(
    `INSERT INTO alert_rule_periods (model_version_id, engine_id, from_cycle, rule)
     SELECT $1, engine_id, max(end_cycle) + 1, $2::text::jsonb FROM scores WHERE ${judged} GROUP BY engine_id
     ON CONFLICT (model_version_id, engine_id, from_cycle) DO UPDATE SET rule = EXCLUDED.rule`,
    [versionId, exactJson(next), engineId],
  );
}
