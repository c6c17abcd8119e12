// The one way an alert change reaches the outside, whatever path made it (an append, a trajectory read,
// a batch job, an evaluation, a registration, an operator): in the transaction that changes the alert,
// its webhook deliveries are written to the outbox; once that transaction has committed, the alerts are
// pushed to the `alerts` subscription and the delivery runner is woken.
//
// Only the alerts of LIVE engines are sent to webhooks: alerts raised on recorded histories (a version's
// test engines at its registration, an evaluation or a batch job over a data set's engines) describe
// the past, where no one can act, and a registration alone would send dozens. They are stored and
// pushed to subscribers, who filter as they like (docs/alerts.md).
import type { PrismaClient } from '@prisma/client';
import type { EventBus } from '../../platform/events/event-bus';
import type { QueryExecutor } from '../../platform/db/migrations';
import { enqueueAlertDeliveries } from '../webhooks/webhook-outbox';
import { publishAlerts } from './alert-events';
import { refreshEngineAlerts, type AlertChange, type AlertedVersion } from './alert-store';

/** What a transaction did to alerts, to announce after its commit. */
export interface AlertOutcome {
  changes: AlertChange[];
  deliveries: number;
}

export const NO_ALERT_OUTCOME: AlertOutcome = { changes: [], deliveries: 0 };

export class AlertNotifier {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: EventBus,
    private readonly onDeliveriesQueued: () => void,
  ) {}

  /**
   * Runs the alert rule over the engine's stored scores under the version and writes the webhook
   * deliveries of what changed. Call it with the executor of the transaction that stored the scores.
   */
  async refresh(query: QueryExecutor, engineId: number, version: AlertedVersion): Promise<AlertOutcome> {
    const changes = await refreshEngineAlerts(query, engineId, version);
    return this.record(query, changes);
  }

  /** Writes the webhook deliveries of `changes` to LIVE engines' alerts (made in the transaction of `query`). */
  async record(query: QueryExecutor, changes: readonly AlertChange[]): Promise<AlertOutcome> {
    if (changes.length === 0) return NO_ALERT_OUTCOME;
    const live = await query<{ id: number }>(
      `SELECT a.id FROM alerts a JOIN engines g ON g.id = a.engine_id AND g.role = 'LIVE' WHERE a.id = ANY ($1::int4[])`,
      [[...new Set(changes.map((change) => change.id))]],
    );
    const sent = new Set(live.map((row) => row.id));
    const deliveries = await enqueueAlertDeliveries(
      query,
      changes.filter((change) => sent.has(change.id)),
    );
    return { changes: [...changes], deliveries };
  }

  /**
   * After the commit: pushes the changed alerts to subscribers and wakes the delivery runner. The
   * change is stored whatever happens to its announcement (subscribers can read the alerts query).
   */
  async announce(...outcomes: AlertOutcome[]): Promise<void> {
    const ids = [...new Set(outcomes.flatMap((outcome) => outcome.changes.map((change) => change.id)))];
    await publishAlerts(this.events, this.prisma, ids).catch(() => undefined);
    if (outcomes.some((outcome) => outcome.deliveries > 0)) this.onDeliveriesQueued();
  }
}
