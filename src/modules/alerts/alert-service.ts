// Reading alerts (a cursor connection, newest first) and the operator's transitions: acknowledge an open
// alert, resolve an open or acknowledged one. A transition that does not apply is a CONFLICT naming the
// alert's state, and changes nothing. A transition is announced as the rule's changes are
// (alert.acknowledged, alert.resolved: AlertNotifier).
import type { Alert, AlertSeverity, AlertState, Prisma, PrismaClient } from '@prisma/client';
import { ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { keysetConnection, type Connection, type ConnectionRequest } from '../../platform/db/connection';
import { transactionExecutor } from '../scoring/window-store';
import { NO_ALERT_OUTCOME, type AlertNotifier, type AlertOutcome } from './alert-notifier';

import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../platform/db/pagination';

// The same sizes as every connection (../../platform/db/connection.ts), which the request cost counts.
export const DEFAULT_ALERTS_PAGE = DEFAULT_PAGE_SIZE;
export const MAX_ALERTS_PAGE = MAX_PAGE_SIZE;

/** Most alerts a trajectory carries: the latest ones of its range. */
export const MAX_TRAJECTORY_ALERTS = 100;

export interface AlertFilter {
  engineId?: number | null;
  modelVersionId?: number | null;
  state?: AlertState | null;
  severity?: AlertSeverity | null;
}

export class AlertService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly notifier: AlertNotifier,
  ) {}

  /** Alerts newest first (in id order, descending), as a cursor connection. */
  list(filter: AlertFilter = {}, request?: ConnectionRequest | null): Promise<Connection<Alert>> {
    const where: Prisma.AlertWhereInput = {
      ...(filter.engineId != null ? { engineId: filter.engineId } : {}),
      ...(filter.modelVersionId != null ? { modelVersionId: filter.modelVersionId } : {}),
      ...(filter.state != null ? { state: filter.state } : {}),
      ...(filter.severity != null ? { severity: filter.severity } : {}),
    };
    return keysetConnection('alert', 'desc', request, {
      rows: (id, order, take) => this.prisma.alert.findMany({ where: { AND: [where, { id }] }, orderBy: { id: order }, take }),
      count: () => this.prisma.alert.count({ where }),
    });
  }

  /**
   * The alerts of an engine under a version that overlap windows ending within [fromCycle, toCycle], in
   * opening order: at most MAX_TRAJECTORY_ALERTS, the latest.
   */
  async overlapping(engineId: number, modelVersionId: number, fromCycle: number, toCycle: number): Promise<Alert[]> {
    const rows = await this.prisma.alert.findMany({
      where: { engineId, modelVersionId, openedCycle: { lte: toCycle }, OR: [{ closedCycle: null }, { closedCycle: { gte: fromCycle } }] },
      orderBy: { openedCycle: 'desc' },
      take: MAX_TRAJECTORY_ALERTS,
    });
    return rows.reverse();
  }

  async get(id: number): Promise<Alert> {
    const alert = await this.prisma.alert.findUnique({ where: { id } });
    if (alert === null) throw notFound('alert', id);
    return alert;
  }

  /** Several alerts by id, in the order asked; null for an unknown id (for batch loading). */
  async findMany(ids: readonly number[]): Promise<(Alert | null)[]> {
    const rows = await this.prisma.alert.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  acknowledge(id: number): Promise<Alert> {
    return this.transition(id, ['OPEN'], { state: 'ACKNOWLEDGED', acknowledgedAt: new Date() });
  }

  resolve(id: number): Promise<Alert> {
    return this.transition(id, ['OPEN', 'ACKNOWLEDGED'], { state: 'RESOLVED', resolvedAt: new Date() });
  }

  /**
   * One conditional update, so that two operators (or the rule closing it) cannot both win; its webhook
   * deliveries are written in the same transaction.
   */
  private async transition(id: number, from: AlertState[], data: Prisma.AlertUpdateManyMutationInput): Promise<Alert> {
    const outcome = await this.prisma.$transaction(async (tx): Promise<AlertOutcome> => {
      const { count } = await tx.alert.updateMany({ where: { id, state: { in: from } }, data: { ...data, updatedAt: new Date() } });
      if (count === 0) return NO_ALERT_OUTCOME;
      const change = { id, opened: false, severityRaised: false, closed: false };
      return this.notifier.record(transactionExecutor(tx), [
        { ...change, acknowledged: data.state === 'ACKNOWLEDGED', resolved: data.state === 'RESOLVED' },
      ]);
    });
    await this.notifier.announce(outcome);
    const alert = await this.get(id);
    if (outcome.changes.length === 0) {
      throw new ServiceError(
        ErrorCode.CONFLICT,
        `alert ${id} is ${alert.state}: only ${from.join(' or ')} alerts can become ${data.state}`,
        {
          state: alert.state,
        },
      );
    }
    return alert;
  }
}
