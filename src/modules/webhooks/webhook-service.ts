// Webhook endpoints as an admin manages them: register (the URL checked against the target policy, a
// new secret returned once), list with recent deliveries, rotate the secret, enable or disable, delete.
// The secret column is never selected here but to return it once: every read names its columns.
import { randomBytes } from 'node:crypto';
import type { AlertSeverity, Prisma, PrismaClient, WebhookDelivery, WebhookEndpoint, WebhookEventType } from '@prisma/client';
import { keysetConnection, type Connection, type ConnectionRequest } from '../../platform/db/connection';
import { isStorableText } from '../../platform/graphql/input-checks';
import { badInput, notFound } from '../../platform/errors';
import { utc } from '../../platform/jobs/job-claims';
import { checkWebhookUrl, type TargetPolicy } from './webhook-urls';

export const MAX_ENDPOINTS = 20;
export const DEFAULT_DELIVERIES_SHOWN = 10;
export const MAX_DELIVERIES_SHOWN = 50;
export const MAX_DESCRIPTION_LENGTH = 500;

export const ALL_EVENT_TYPES: readonly WebhookEventType[] = [
  'ALERT_OPENED',
  'ALERT_SEVERITY_RAISED',
  'ALERT_CLOSED',
  'ALERT_ACKNOWLEDGED',
  'ALERT_RESOLVED',
];

/** After a rotation the previous secret signs too, by default for a day, at most a week. */
export const DEFAULT_SECRET_OVERLAP_MINUTES = 1_440;
export const MAX_SECRET_OVERLAP_MINUTES = 10_080;

/** An endpoint as shown: never its secrets. */
export type EndpointInfo = Omit<WebhookEndpoint, 'secret' | 'previousSecret'>;

export interface RegisterEndpoint {
  url: string;
  description?: string | null;
  minSeverity?: AlertSeverity | null;
  eventTypes?: readonly WebhookEventType[] | null;
}

export interface EndpointWithSecret {
  endpoint: EndpointInfo;
  secret: string;
}

const SHOWN = {
  id: true,
  url: true,
  description: true,
  minSeverity: true,
  eventTypes: true,
  enabled: true,
  previousSecretExpiresAt: true,
  secretRotatedAt: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.WebhookEndpointSelect;

/** A new signing secret in Standard Webhooks' format: whsec_ and 32 random bytes in base64. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export class WebhookService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly policy: TargetPolicy,
  ) {}

  async register(input: RegisterEndpoint): Promise<EndpointWithSecret> {
    const url = checkWebhookUrl(input.url, this.policy);
    const description = input.description?.trim() || null;
    if (description !== null && (description.length > MAX_DESCRIPTION_LENGTH || !isStorableText(description))) {
      throw badInput(`description must hold at most ${MAX_DESCRIPTION_LENGTH} characters of text`);
    }
    const eventTypes = input.eventTypes == null ? [...ALL_EVENT_TYPES] : [...new Set(input.eventTypes)];
    if (eventTypes.length === 0) throw badInput('eventTypes must name at least one event (or be left out for all)');
    if ((await this.prisma.webhookEndpoint.count()) >= MAX_ENDPOINTS) {
      throw badInput(`at most ${MAX_ENDPOINTS} webhook endpoints can be registered: delete one first`);
    }
    const secret = newSecret();
    const endpoint = await this.prisma.webhookEndpoint.create({
      data: { url, description, secret, minSeverity: input.minSeverity ?? 'WARNING', eventTypes },
      select: SHOWN,
    });
    return { endpoint, secret };
  }

  list(): Promise<EndpointInfo[]> {
    return this.prisma.webhookEndpoint.findMany({ select: SHOWN, orderBy: { id: 'asc' } });
  }

  async get(id: number): Promise<EndpointInfo> {
    const endpoint = await this.prisma.webhookEndpoint.findUnique({ where: { id }, select: SHOWN });
    if (endpoint === null) throw notFound('webhook endpoint', id);
    return endpoint;
  }

  /** Every endpoint, oldest first, as a cursor connection. */
  connection(request?: ConnectionRequest | null): Promise<Connection<EndpointInfo>> {
    return keysetConnection('webhookEndpoint', 'asc', request, {
      rows: (id, order, take) => this.prisma.webhookEndpoint.findMany({ where: { id }, orderBy: { id: order }, take, select: SHOWN }),
      count: () => this.prisma.webhookEndpoint.count(),
    });
  }

  /** Several endpoints by id, in the order asked; null for an unknown id (for batch loading). */
  async findMany(ids: readonly number[]): Promise<(EndpointInfo | null)[]> {
    const rows = await this.prisma.webhookEndpoint.findMany({ where: { id: { in: [...ids] } }, select: SHOWN });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** The endpoint's deliveries, newest first, as a cursor connection (one list per endpoint). */
  deliveriesConnection(endpointId: number, request?: ConnectionRequest | null): Promise<Connection<WebhookDelivery>> {
    return keysetConnection(`webhookDelivery:${endpointId}`, 'desc', request, {
      rows: (id, order, take) => this.prisma.webhookDelivery.findMany({ where: { endpointId, id }, orderBy: { id: order }, take }),
      count: () => this.prisma.webhookDelivery.count({ where: { endpointId } }),
    });
  }

  /** Several deliveries by id, in the order asked; null for an unknown id (for batch loading). */
  async findDeliveries(ids: readonly number[]): Promise<(WebhookDelivery | null)[]> {
    const rows = await this.prisma.webhookDelivery.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * A new secret at once. For `overlapMinutes` the current one signs too (a second signature in the
   * same header), so that receivers can move to the new one without refusing a delivery; 0 drops it now.
   */
  async rotateSecret(id: number, overlapMinutes: number = DEFAULT_SECRET_OVERLAP_MINUTES): Promise<EndpointWithSecret> {
    if (!Number.isInteger(overlapMinutes) || overlapMinutes < 0 || overlapMinutes > MAX_SECRET_OVERLAP_MINUTES) {
      throw badInput(`overlapMinutes must be 0 to ${MAX_SECRET_OVERLAP_MINUTES}, got ${overlapMinutes}`);
    }
    const secret = newSecret();
    const now = new Date();
    const expires = overlapMinutes > 0 ? new Date(now.getTime() + overlapMinutes * 60_000) : null;
    // The right-hand sides read the row as it was: the previous secret is the one being replaced.
    const count = await this.prisma.$executeRawUnsafe(
      `UPDATE webhook_endpoints
          SET previous_secret = CASE WHEN $3::timestamp IS NULL THEN NULL ELSE secret END, previous_secret_expires_at = $3::timestamp,
              secret = $2, secret_rotated_at = $4::timestamp, updated_at = $4::timestamp
        WHERE id = $1`,
      id,
      secret,
      expires && utc(expires),
      utc(now),
    );
    if (count === 0) throw notFound('webhook endpoint', id);
    return { endpoint: await this.get(id), secret };
  }

  async setEnabled(id: number, enabled: boolean): Promise<EndpointInfo> {
    const { count } = await this.prisma.webhookEndpoint.updateMany({ where: { id }, data: { enabled, updatedAt: new Date() } });
    if (count === 0) throw notFound('webhook endpoint', id);
    return this.get(id);
  }

  /** Deletes the endpoint with its deliveries, pending ones included; returns its id. */
  async delete(id: number): Promise<number> {
    const { count } = await this.prisma.webhookEndpoint.deleteMany({ where: { id } });
    if (count === 0) throw notFound('webhook endpoint', id);
    return id;
  }

  /** The endpoint's latest deliveries, newest first. */
  async deliveries(endpointId: number, first: number = DEFAULT_DELIVERIES_SHOWN): Promise<WebhookDelivery[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_DELIVERIES_SHOWN) {
      throw badInput(`first must be 1 to ${MAX_DELIVERIES_SHOWN}, got ${first}`);
    }
    return this.prisma.webhookDelivery.findMany({ where: { endpointId }, orderBy: { id: 'desc' }, take: first });
  }
}
