// Reading alerts (cursor-paginated, newest first) and the operator's transitions: acknowledge an open
// alert, resolve an open or acknowledged one. A transition that does not apply is a CONFLICT naming the
// alert's state, and changes nothing. A transition is announced as the rule's changes are
// (alert.acknowledged, alert.resolved: AlertNotifier).
import type { Alert, AlertSeverity, AlertState, Prisma, PrismaClient } from '@prisma/client';
import { badInput, ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { transactionExecutor } from '../scoring/window-store';
import { NO_ALERT_OUTCOME, type AlertNotifier, type AlertOutcome } from './alert-notifier';

import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../platform/db/pagination';

// The same sizes as offset pages: the request cost counts `first` as it counts page.limit.
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

export interface AlertPage {
  items: Alert[];
  /** Pass as `after` for the next page; null when the page is empty. */
  endCursor: string | null;
  hasNextPage: boolean;
}

const CURSOR_PREFIX = 'alert:';

/** Opaque to clients: the last alert's id, base64-encoded. */
export function alertCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`).toString('base64url');
}

function cursorId(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(id) || id < 1 || alertCursor(id) !== cursor) {
    throw badInput('after is not a cursor of this list: pass the endCursor of a previous page');
  }
  return id;
}

export class AlertService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly notifier: AlertNotifier,
  ) {}

  async list(filter: AlertFilter = {}, first: number = DEFAULT_ALERTS_PAGE, after?: string | null): Promise<AlertPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_ALERTS_PAGE)
      throw badInput(`first must be 1 to ${MAX_ALERTS_PAGE}, got ${first}`);
    const where: Prisma.AlertWhereInput = {
      ...(filter.engineId != null ? { engineId: filter.engineId } : {}),
      ...(filter.modelVersionId != null ? { modelVersionId: filter.modelVersionId } : {}),
      ...(filter.state != null ? { state: filter.state } : {}),
      ...(filter.severity != null ? { severity: filter.severity } : {}),
      ...(after != null ? { id: { lt: cursorId(after) } } : {}),
    };
    const rows = await this.prisma.alert.findMany({ where, orderBy: { id: 'desc' }, take: first + 1 });
    const items = rows.slice(0, first);
    return { items, endCursor: items.length > 0 ? alertCursor(items[items.length - 1].id) : null, hasNextPage: rows.length > first };
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
