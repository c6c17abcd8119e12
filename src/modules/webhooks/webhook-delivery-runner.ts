// Sends the deliveries of the outbox (webhook_deliveries), in every process that runs it, on either
// database. A runner claims due deliveries of enabled endpoints with FOR UPDATE SKIP LOCKED and a lease
// (locked_until), so that replicas never take the same attempt and a claim whose process died expires;
// each claim counts an attempt. Each attempt is signed anew (Standard Webhooks: webhook-id,
// webhook-timestamp, webhook-signature) and POSTed with a timeout, without following redirects; 2xx is
// DELIVERED, anything else is retried after an exponential backoff with jitter, up to maxAttempts, then
// FAILED. Delivery is at least once: a process that dies after the receiver answered but before the
// result is stored sends it again, under the same webhook-id. Finished deliveries (DELIVERED, FAILED)
// older than retentionDays are deleted by the runner, at most once per PRUNE_INTERVAL_MS.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@prisma/client';
import { Webhook } from 'standardwebhooks';
import { utc } from '../../platform/jobs/job-claims';
import { PollingLoop } from '../../platform/jobs/polling-loop';
import { reportWebhookAttempt } from '../../platform/observability/events';
import type { Logger } from '../../platform/observability/logger';
import { checkedLookup, refusedAddress, type TargetPolicy } from './webhook-urls';

export interface DeliveryRunnerOptions {
  instanceId?: string;
  /** How often an idle runner looks for due deliveries (a commit in this process wakes it at once). */
  pollIntervalMs?: number;
  /** Longest wait for an endpoint's answer. */
  timeoutMs?: number;
  /** Attempts before a delivery is FAILED. */
  maxAttempts?: number;
  /** Wait after the first failed attempt, doubled after each further one (with jitter), at most retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Deliveries claimed and sent at once. */
  batchSize?: number;
  /** Days a DELIVERED or FAILED delivery is kept after its last attempt. */
  retentionDays?: number;
}

export const DELIVERY_DEFAULTS = {
  pollIntervalMs: 1_000,
  timeoutMs: 10_000,
  maxAttempts: 8,
  retryBaseMs: 10_000,
  retryMaxMs: 3_600_000,
  batchSize: 10,
  retentionDays: 30,
};

/** How often a runner deletes old deliveries: the outbox grows by the hour at most, so hourly is enough. */
const PRUNE_INTERVAL_MS = 3_600_000;
/** Deleted by one statement: a large backlog goes in several short ones, not one long lock. */
const PRUNE_BATCH = 5_000;

/** A claimed delivery with what sending it needs. */
interface Claimed {
  id: number;
  endpointId: number;
  messageId: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
  /** The secret a rotation replaced, while it still signs. */
  previousSecret: string | null;
}

/** What an attempt came to. */
interface Outcome {
  statusCode: number | null;
  error: string | null;
}

const USER_AGENT = 'engine-health-webhooks/1';
/** Kept of a failed answer's body, for the delivery's lastError. */
const ERROR_BODY_CHARS = 200;

/**
 * The Standard Webhooks headers of one attempt at `at`, signed with each of `secrets` (space-separated
 * signatures: a receiver accepts the delivery when one of them verifies).
 */
export function signedHeaders(secrets: readonly string[], messageId: string, payload: string, at: Date): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, at, payload)).join(' '),
  };
}

/** The wait before attempt `attempts + 1`: base * 2^(attempts - 1), capped, half of it random ("equal jitter"). */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(attempts - 1, 30));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** POSTs `payload` to `url`; resolves with the status or the error, never rejects. */
export function post(
  url: string,
  headers: Record<string, string>,
  payload: string,
  timeoutMs: number,
  policy: TargetPolicy,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // An IP literal is connected to without a lookup: check it here.
    const refused = net.isIP(host) !== 0 ? refusedAddress(host, policy) : null;
    if (refused) return resolve({ statusCode: null, error: `refused target: ${refused}` });
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) },
        lookup: checkedLookup(policy),
        timeout: timeoutMs,
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < ERROR_BODY_CHARS) body += chunk;
        });
        response.on('end', () =>
          resolve(
            status >= 200 && status < 300
              ? { statusCode: status, error: null }
              : { statusCode: status, error: `HTTP ${status}${body ? `: ${body.slice(0, ERROR_BODY_CHARS)}` : ''}` },
          ),
        );
        response.on('error', (error) => resolve({ statusCode: status, error: error.message }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ statusCode: null, error: error.message }));
    request.end(payload);
  });
}

export class WebhookDeliveryRunner {
  readonly instanceId: string;
  private readonly options: typeof DELIVERY_DEFAULTS;
  private readonly loop: PollingLoop;
  private prunedAt = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly policy: TargetPolicy,
    private readonly logger: Logger,
    options: DeliveryRunnerOptions = {},
  ) {
    this.instanceId = options.instanceId ?? `webhook-runner-${randomUUID()}`;
    this.options = { ...DELIVERY_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) };
    // A full batch may leave more due: claim again at once.
    this.loop = new PollingLoop(
      'webhook delivery runner',
      this.options.pollIntervalMs,
      async () => {
        await this.pruneWhenDue();
        return (await this.runDue()) >= this.options.batchSize;
      },
      logger,
    );
  }

  /** Deletes old finished deliveries at most once per PRUNE_INTERVAL_MS. */
  private async pruneWhenDue(): Promise<void> {
    if (Date.now() - this.prunedAt < PRUNE_INTERVAL_MS) return;
    this.prunedAt = Date.now();
    const deleted = await this.pruneFinished();
    if (deleted > 0) this.logger.info({ deleted, retentionDays: this.options.retentionDays }, 'deleted old webhook deliveries');
  }

  start(): void {
    this.loop.start();
  }

  /** Looks for due deliveries now (after a commit that queued some). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops after the attempts in flight (at most timeoutMs). */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Claims the due deliveries (up to batchSize) and makes one attempt at each; resolves with how many. */
  async runDue(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  /**
   * Deletes DELIVERED and FAILED deliveries whose last attempt is older than retentionDays before `now`;
   * resolves with how many. A finished delivery's next_attempt_at is its last attempt (the status index).
   */
  async pruneFinished(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.options.retentionDays * 86_400_000);
    let deleted = 0;
    for (;;) {
      const count = await this.prisma.$executeRawUnsafe(
        `DELETE FROM webhook_deliveries WHERE id IN (
           SELECT id FROM webhook_deliveries
            WHERE status IN ('DELIVERED', 'FAILED') AND next_attempt_at < $1::timestamp LIMIT $2::int4)`,
        utc(cutoff),
        PRUNE_BATCH,
      );
      deleted += count;
      if (count < PRUNE_BATCH) return deleted;
    }
  }

  private claim(): Promise<Claimed[]> {
    const now = new Date();
    // The lease outlasts an attempt by far: a live runner's claim never expires under it.
    const lease = new Date(now.getTime() + 2 * this.options.timeoutMs + 30_000);
    return this.prisma.$queryRawUnsafe<Claimed[]>(
      // A CTE runs once: as an IN (subquery), the planner may run the subquery again for each row,
      // and LIMIT then bounds each run, not the claim (measured: batch size 1 claimed 3).
      `WITH due AS MATERIALIZED (
         SELECT w.id FROM webhook_deliveries w JOIN webhook_endpoints x ON x.id = w.endpoint_id AND x.enabled
          WHERE w.status = 'PENDING' AND w.next_attempt_at <= $3::timestamp AND (w.locked_until IS NULL OR w.locked_until <= $3::timestamp)
          ORDER BY w.next_attempt_at, w.id LIMIT $4::int4 FOR UPDATE OF w SKIP LOCKED)
       UPDATE webhook_deliveries d
          SET locked_by = $1, locked_until = $2::timestamp, attempts = d.attempts + 1, updated_at = $3::timestamp
         FROM due, webhook_endpoints e
        WHERE d.id = due.id AND e.id = d.endpoint_id
       RETURNING d.id, d.endpoint_id AS "endpointId", d.message_id AS "messageId", d.payload, d.attempts, e.url, e.secret,
                 CASE WHEN e.previous_secret_expires_at > $3::timestamp THEN e.previous_secret END AS "previousSecret"`,
      this.instanceId,
      utc(lease),
      utc(now),
      this.options.batchSize,
    );
  }

  private async attempt(delivery: Claimed): Promise<void> {
    const { timeoutMs, maxAttempts, retryBaseMs, retryMaxMs } = this.options;
    let outcome: Outcome;
    try {
      const secrets = [delivery.secret, ...(delivery.previousSecret ? [delivery.previousSecret] : [])];
      const headers = signedHeaders(secrets, delivery.messageId, delivery.payload, new Date());
      outcome = await post(delivery.url, headers, delivery.payload, timeoutMs, this.policy);
    } catch (error) {
      outcome = { statusCode: null, error: (error as Error).message };
    }
    const now = new Date();
    const delivered = outcome.error === null;
    const failed = !delivered && delivery.attempts >= maxAttempts;
    const next = new Date(now.getTime() + retryDelayMs(delivery.attempts, retryBaseMs, retryMaxMs));
    // Only while this runner still holds the claim (its lease did not run out meanwhile).
    await this.prisma.$executeRawUnsafe(
      `UPDATE webhook_deliveries
          SET status = $3::text::"WebhookDeliveryStatus", last_status_code = $4::int4, last_error = $5::text,
              next_attempt_at = $6::timestamp, delivered_at = CASE WHEN $3::text = 'DELIVERED' THEN $7::timestamp END, locked_by = NULL, locked_until = NULL,
              updated_at = $7::timestamp
        WHERE id = $1 AND locked_by = $2 AND status = 'PENDING'`,
      delivery.id,
      this.instanceId,
      delivered ? 'DELIVERED' : failed ? 'FAILED' : 'PENDING',
      outcome.statusCode,
      outcome.error,
      utc(delivered || failed ? now : next),
      utc(now),
    );
    reportWebhookAttempt(delivered ? 'delivered' : failed ? 'failed' : 'retry');
    if (!delivered) {
      this.logger.warn(
        { deliveryId: delivery.id, endpointId: delivery.endpointId, attempts: delivery.attempts, statusCode: outcome.statusCode, failed },
        failed ? 'webhook delivery failed for good' : 'webhook delivery attempt failed: will retry',
      );
    }
  }
}
