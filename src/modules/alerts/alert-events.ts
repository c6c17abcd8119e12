// The alerts subscription's events: an alert opened, or its severity rose, announced once the
// transaction that stored it has committed.
import type { Alert as AlertRow, PrismaClient } from '@prisma/client';
import type { EventBus } from '../../platform/events/event-bus';
import type { AlertFilterInput } from './alert-types';

export const ALERTS_TOPIC = 'ALERTS';

/** An alert row as it crosses processes (JSON: dates as ISO strings). */
export type AlertEvent = Omit<AlertRow, 'acknowledgedAt' | 'resolvedAt' | 'createdAt' | 'updatedAt'> & {
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  createdAt: string;
  updatedAt: string;
};

/** Announces the alerts `ids` as they are now stored. */
export async function publishAlerts(events: EventBus, prisma: PrismaClient, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const rows = await prisma.alert.findMany({ where: { id: { in: [...ids] } }, orderBy: { id: 'asc' } });
  for (const row of rows) events.publish(ALERTS_TOPIC, JSON.parse(JSON.stringify(row)) as AlertEvent);
}

/** The row of an announced alert. */
export function alertRowOf(event: AlertEvent): AlertRow {
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    ...event,
    acknowledgedAt: date(event.acknowledgedAt),
    resolvedAt: date(event.resolvedAt),
    createdAt: new Date(event.createdAt),
    updatedAt: new Date(event.updatedAt),
  };
}

/** Whether an announced alert matches a subscriber's filter (the alerts query's conditions). */
export function alertMatches(event: AlertEvent, filter: AlertFilterInput | null | undefined): boolean {
  if (!filter) return true;
  return (
    (filter.engineId == null || event.engineId === filter.engineId) &&
    (filter.modelVersionId == null || event.modelVersionId === filter.modelVersionId) &&
    (filter.state == null || event.state === filter.state) &&
    (filter.severity == null || event.severity === filter.severity)
  );
}
