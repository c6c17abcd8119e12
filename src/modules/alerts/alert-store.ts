// Alerts as data: after any scoring path stores an engine's window scores under a version, the version's
// k-of-n rule is run over the engine's whole stored sequence under that version and its alerts are upserted
// on (engine, version, opening window). The rule is causal and deterministic, so re-scoring the same
// windows finds the same alerts (the unique key makes a duplicate impossible), and a longer sequence
// only extends the last one or adds new ones.
import { alertEpisodes, type ScoredCycle } from '../../domain/alerts/alert-rule';
import { engineAlertRule } from './alert-rule-store';
import { exactFloat, exactJson } from '../../platform/db/exact-floats';
import type { QueryExecutor } from '../../platform/db/migrations';

export interface AlertedVersion {
  id: number;
  threshold: number;
  windowLength: number;
  /** Feature order of the stored per-sensor contributions. */
  sensors: readonly string[];
}

/**
 * The stored window scores of one engine under one version, in cycle order, with the contributions of
 * those above their threshold: the rule reads no other window's (it sums the shares of an alert's
 * exceeding windows), and an append reads the whole sequence, so the rest are not read.
 */
async function storedSequence(query: QueryExecutor, engineId: number, version: AlertedVersion): Promise<ScoredCycle[]> {
  const rows = await query<{ end_cycle: number; score: number; threshold: number; sensor_errors: number[] | null }>(
    `SELECT s.end_cycle, s.score, s.threshold, CASE WHEN s.score > s.threshold THEN s.sensor_errors END AS sensor_errors
       FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'ENGINE' AND w.length = $3
      WHERE s.model_version_id = $1 AND s.engine_id = $2
      ORDER BY s.end_cycle`,
    [version.id, engineId, version.windowLength],
  );
  return rows.map((row) => {
    if (row.sensor_errors === null) return { cycle: row.end_cycle, score: row.score, threshold: row.threshold };
    const total = row.sensor_errors.reduce((sum, error) => sum + error, 0);
    return {
      cycle: row.end_cycle,
      score: row.score,
      threshold: row.threshold,
      contributions: row.sensor_errors.map((error, index) => ({
        sensor: version.sensors[index] ?? `feature${index}`,
        share: total > 0 ? error / total : 0,
      })),
    };
  });
}

/**
 * Runs the version's alert rule (engineAlertRule: with the periods of its changes) over the engine's stored
 * scores under the version and upserts its alerts. A rule
 * close ends an OPEN or ACKNOWLEDGED alert as CLOSED; an operator's RESOLVED stays. Severities only rise.
 * Returns what changed of each alert it opened, raised in severity or closed (AlertNotifier announces
 * them).
 */
export async function refreshEngineAlerts(query: QueryExecutor, engineId: number, version: AlertedVersion): Promise<AlertChange[]> {
  const rule = await engineAlertRule(query, engineId, version.id);
  const episodes = alertEpisodes(await storedSequence(query, engineId, version), rule);
  const changes: AlertChange[] = [];
  for (const episode of episodes) {
    const [changed] = await query<AlertChange>(
      `WITH previous AS (SELECT severity, closed_cycle FROM alerts WHERE engine_id = $1 AND model_version_id = $2 AND opened_cycle = $3)
       INSERT INTO alerts (engine_id, model_version_id, opened_cycle, closed_cycle, last_cycle, severity, state,
                           driving_sensors, peak_score, threshold)
       VALUES ($1, $2, $3, $4, $5, $6::"AlertSeverity", CASE WHEN $4::int4 IS NULL THEN 'OPEN' ELSE 'CLOSED' END::"AlertState",
               $7::text::jsonb, $8::text::float8, $9::text::float8)
       ON CONFLICT (engine_id, model_version_id, opened_cycle) DO UPDATE SET
         closed_cycle = EXCLUDED.closed_cycle,
         last_cycle = EXCLUDED.last_cycle,
         severity = GREATEST(alerts.severity, EXCLUDED.severity),
         state = CASE WHEN EXCLUDED.closed_cycle IS NOT NULL AND alerts.state IN ('OPEN', 'ACKNOWLEDGED') THEN 'CLOSED'::"AlertState"
                      ELSE alerts.state END,
         driving_sensors = EXCLUDED.driving_sensors,
         peak_score = GREATEST(alerts.peak_score, EXCLUDED.peak_score),
         updated_at = now()
       WHERE alerts.last_cycle IS DISTINCT FROM EXCLUDED.last_cycle
          OR alerts.closed_cycle IS DISTINCT FROM EXCLUDED.closed_cycle
          OR alerts.severity < EXCLUDED.severity
       RETURNING id,
                 NOT EXISTS (SELECT FROM previous) AS opened,
                 coalesce(alerts.severity > (SELECT severity FROM previous), false) AS "severityRaised",
                 alerts.closed_cycle IS NOT NULL AND (SELECT closed_cycle FROM previous) IS NULL AS closed,
                 false AS acknowledged, false AS resolved`,
      [
        engineId,
        version.id,
        episode.openedCycle,
        episode.closedCycle,
        episode.lastCycle,
        episode.severity,
        exactJson(episode.drivingSensors),
        exactFloat(episode.peakScore),
        exactFloat(version.threshold),
      ],
    );
    if (changed && (changed.opened || changed.severityRaised || changed.closed)) changes.push(changed);
  }
  return changes;
}

/** What one upsert did to an alert. */
export interface AlertChange {
  id: number;
  /** New: the rule opened it (it may have closed in the same sequence too). */
  opened: boolean;
  severityRaised: boolean;
  /** The rule closed it now. */
  closed: boolean;
  /** An operator acknowledged it now. */
  acknowledged: boolean;
  /** An operator resolved it now. */
  resolved: boolean;
}
