// The durable outbox of webhook deliveries: one row per (event, matching endpoint), written by the
// statement that runs in the transaction changing the alert. A rolled-back change leaves no delivery, a
// committed one always has its deliveries, whatever happens to the process afterwards.
import type { WebhookEventType } from '@prisma/client';
import type { QueryExecutor } from '../../platform/db/migrations';
import type { AlertChange } from '../alerts/alert-store';

/** The `type` of a delivery's body (Standard Webhooks' dotted event names). */
export const EVENT_NAMES: Record<WebhookEventType, string> = {
  ALERT_OPENED: 'alert.opened',
  ALERT_SEVERITY_RAISED: 'alert.severity_raised',
  ALERT_CLOSED: 'alert.closed',
  ALERT_ACKNOWLEDGED: 'alert.acknowledged',
  ALERT_RESOLVED: 'alert.resolved',
};

/** The events of each change, in the order they happened. */
function eventsOf(changes: readonly AlertChange[]): { alertId: number; type: WebhookEventType }[] {
  return changes.flatMap((change) => [
    ...(change.opened ? [{ alertId: change.id, type: 'ALERT_OPENED' as const }] : []),
    ...(change.severityRaised ? [{ alertId: change.id, type: 'ALERT_SEVERITY_RAISED' as const }] : []),
    ...(change.closed ? [{ alertId: change.id, type: 'ALERT_CLOSED' as const }] : []),
    ...(change.acknowledged ? [{ alertId: change.id, type: 'ALERT_ACKNOWLEDGED' as const }] : []),
    ...(change.resolved ? [{ alertId: change.id, type: 'ALERT_RESOLVED' as const }] : []),
  ]);
}

const UTC_ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * Writes the deliveries of `changes` for every enabled endpoint that takes the event and the alert's
 * severity, with the alert as it now is; resolves with how many. Call it with the executor of the
 * transaction that made the changes.
 */
export async function enqueueAlertDeliveries(query: QueryExecutor, changes: readonly AlertChange[]): Promise<number> {
  const events = eventsOf(changes);
  if (events.length === 0) return 0;
  const rows = await query<{ id: number }>(
    `INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, alert_id, payload)
     SELECT e.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), ev.type::"WebhookEventType", a.id,
            json_build_object(
              'type', ev.name,
              'timestamp', to_char(now() AT TIME ZONE 'UTC', ${UTC_ISO}),
              'data', json_build_object(
                'alertId', a.id, 'engineId', a.engine_id, 'engineExternalId', g.external_id, 'modelVersionId', a.model_version_id,
                'severity', a.severity, 'state', a.state, 'openedCycle', a.opened_cycle, 'closedCycle', a.closed_cycle,
                'lastCycle', a.last_cycle, 'peakScore', a.peak_score, 'threshold', a.threshold,
                'drivingSensors', a.driving_sensors, 'openedAt', to_char(a.created_at, ${UTC_ISO}))
            )::text
       FROM unnest($1::int4[], $2::text[], $3::text[]) WITH ORDINALITY AS ev(alert_id, type, name, n)
       JOIN alerts a ON a.id = ev.alert_id
       JOIN engines g ON g.id = a.engine_id
       JOIN webhook_endpoints e ON e.enabled AND ev.type::"WebhookEventType" = ANY (e.event_types) AND a.severity >= e.min_severity
      ORDER BY ev.n, e.id
     RETURNING id`,
    [events.map((event) => event.alertId), events.map((event) => event.type), events.map((event) => EVENT_NAMES[event.type])],
  );
  return rows.length;
}
