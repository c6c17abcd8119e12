// Webhooks against a real database and a real HTTP receiver: endpoint registration (URLs checked,
// typed errors, the secret returned once and never listed), the outbox written with the alert's
// transaction or not at all, filtered by event and severity, and the delivery runner: signed attempts,
// retries after failures, FAILED after the last attempt, disabled endpoints held back, and several
// runners on one database sending each delivery once, and old finished deliveries deleted.
import type { Alert } from '@prisma/client';
import { createServices, type AppServices } from '../../main/services';
import { ErrorCode } from '../../platform/errors';
import { createLogger } from '../../platform/observability/logger';
import { importFirstUnits } from '../../../test/support/cmapss-fixtures';
import { describeEachDatabase } from '../../../test/support/databases';
import { waitUntil } from '../../../test/support/requests';
import { startWebhookReceiver, type WebhookReceiver } from '../../../bench/webhook-receiver';
import { transactionExecutor } from '../scoring/window-store';
import { post, signedHeaders, WebhookDeliveryRunner } from './webhook-delivery-runner';
import { enqueueAlertDeliveries } from './webhook-outbox';
import { newSecret, WebhookService } from './webhook-service';

const LOOPBACK = { allowHttpLoopback: true, allowPrivateTargets: false };
const STRICT = { allowHttpLoopback: false, allowPrivateTargets: false };

describeEachDatabase('webhooks', (db) => {
  let services: AppServices;
  let receiver: WebhookReceiver;
  let alerts: Alert[];
  const logger = createLogger('silent');
  const opened = (alert: Alert) => ({
    id: alert.id,
    opened: true,
    severityRaised: false,
    closed: false,
    acknowledged: false,
    resolved: false,
  });
  const deliveriesOf = (endpointId: number) => db().prisma.webhookDelivery.findMany({ where: { endpointId }, orderBy: { id: 'asc' } });
  const runner = (options = {}) =>
    new WebhookDeliveryRunner(db().prisma, LOOPBACK, logger, { retryBaseMs: 10, retryMaxMs: 20, timeoutMs: 5_000, ...options });
  /** Runs `runners` until nothing is pending for `endpointId`. */
  const drain = (endpointId: number, ...runners: WebhookDeliveryRunner[]) =>
    waitUntil(
      async () => {
        await Promise.all(runners.map((each) => each.runDue()));
        return db().prisma.webhookDelivery.count({ where: { endpointId, status: 'PENDING' } });
      },
      (pending) => pending === 0,
      60_000,
      'no delivery pending',
    );
  /** A fresh endpoint at the receiver, taking every event, its secret given to the receiver. */
  const endpointAtReceiver = async (minSeverity: 'WARNING' | 'CRITICAL' = 'WARNING') => {
    const { endpoint, secret } = await services.webhooks.register({ url: receiver.url, minSeverity });
    receiver.secret = secret;
    return endpoint;
  };
  const disableOthers = (id: number) => db().prisma.webhookEndpoint.updateMany({ where: { id: { not: id } }, data: { enabled: false } });

  beforeAll(async () => {
    await importFirstUnits(db().prisma, 8);
    services = createServices(db(), logger, { webhookTargets: LOOPBACK });
    const job = await services.jobs.enqueue({
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
    });
    expect((await services.runner.runNext(job.id))?.status).toBe('SUCCEEDED');
    alerts = await db().prisma.alert.findMany({ orderBy: { id: 'asc' } });
    expect(alerts.length).toBeGreaterThan(1);
    receiver = await startWebhookReceiver();
  }, 120_000);

  afterAll(async () => {
    await receiver?.close();
  });

  it('refuses URLs that are not https or reach internal addresses, with INVALID_WEBHOOK_URL, storing nothing', async () => {
    const strict = new WebhookService(db().prisma, STRICT);
    const refused = [
      'http://hooks.example.com/alerts',
      'ftp://hooks.example.com/alerts',
      'not a url',
      'https://user:password@hooks.example.com/alerts',
      'https://10.1.2.3/alerts',
      'https://172.20.0.1/alerts',
      'https://192.168.1.10/alerts',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/',
      'https://[fd00::1]/alerts',
      'https://[fe80::1]/alerts',
      'https://[::ffff:10.0.0.1]/alerts',
      'https://[::ffff:7f00:1]/alerts',
      'https://2130706433/alerts',
      'https://localhost./alerts',
      'https://127.0.0.1/alerts',
      'https://[::1]/alerts',
      'https://localhost/alerts',
      'https://0.0.0.0/alerts',
      `https://hooks.example.com/${'a'.repeat(2_100)}`,
    ];
    for (const url of refused) {
      await expect(strict.register({ url })).rejects.toMatchObject({ code: ErrorCode.INVALID_WEBHOOK_URL });
    }
    // Loopback over http when allowed, still no private address, nor http elsewhere.
    await expect(services.webhooks.register({ url: 'http://10.0.0.1/alerts' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_WEBHOOK_URL,
    });
    await expect(services.webhooks.register({ url: 'http://hooks.example.com/alerts' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_WEBHOOK_URL,
    });
    await expect(strict.register({ url: 'https://hooks.example.com/a', eventTypes: [] })).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
    });
    await expect(strict.register({ url: 'https://hooks.example.com/a', description: 'x'.repeat(501) })).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
    });
    expect(await db().prisma.webhookEndpoint.count()).toBe(0);
  });

  it('refuses, when connecting, a name that resolves to an address the policy refuses', async () => {
    receiver.received.length = 0;
    const port = new URL(receiver.url).port;
    const payload = '{}';
    const headers = signedHeaders([newSecret()], 'msg_lookup', payload, new Date());
    expect(await post(`http://localhost:${port}/hooks`, headers, payload, 5_000, STRICT)).toEqual({
      statusCode: null,
      error: 'refused target: 127.0.0.1 is a loopback address (localhost)',
    });
    expect(await post(`http://127.0.0.1:${port}/hooks`, headers, payload, 5_000, STRICT)).toEqual({
      statusCode: null,
      error: 'refused target: 127.0.0.1 is a loopback address',
    });
    expect(receiver.received).toEqual([]);
    // The same request where the policy allows loopback reaches the receiver (which refuses the signature).
    expect(await post(`http://localhost:${port}/hooks`, headers, payload, 5_000, LOOPBACK)).toMatchObject({ statusCode: 401 });
    expect(receiver.received.length).toBe(1);
  });

  it('registers an endpoint with a secret shown once, lists it without it, rotates, disables and deletes it', async () => {
    const strict = new WebhookService(db().prisma, STRICT);
    const { endpoint, secret } = await strict.register({
      url: 'https://hooks.example.com/alerts?team=ops',
      description: ' pager ',
      eventTypes: ['ALERT_OPENED', 'ALERT_OPENED'],
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint).toMatchObject({
      url: 'https://hooks.example.com/alerts?team=ops',
      description: 'pager',
      eventTypes: ['ALERT_OPENED'],
    });
    expect(endpoint.minSeverity).toBe('WARNING');
    for (const shown of [endpoint, ...(await strict.list()), await strict.get(endpoint.id)]) {
      expect(Object.keys(shown)).not.toContain('secret');
      expect(JSON.stringify(shown)).not.toContain(secret);
    }

    const rotated = await strict.rotateSecret(endpoint.id);
    expect(rotated.secret).not.toBe(secret);
    expect(rotated.endpoint.secretRotatedAt).toBeInstanceOf(Date);
    expect(rotated.endpoint.previousSecretExpiresAt!.getTime() - rotated.endpoint.secretRotatedAt!.getTime()).toBe(24 * 3_600_000);
    expect(Object.keys(rotated.endpoint)).not.toContain('previousSecret');
    expect(await db().prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).toMatchObject({
      secret: rotated.secret,
      previousSecret: secret,
    });
    const dropped = await strict.rotateSecret(endpoint.id, 0);
    expect(dropped.endpoint.previousSecretExpiresAt).toBeNull();
    expect((await db().prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).previousSecret).toBeNull();
    for (const overlap of [-1, 10_081, 1.5]) {
      await expect(strict.rotateSecret(endpoint.id, overlap)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    }

    expect((await strict.setEnabled(endpoint.id, false)).enabled).toBe(false);
    expect(await strict.delete(endpoint.id)).toBe(endpoint.id);
    for (const missing of [
      () => strict.get(endpoint.id),
      () => strict.rotateSecret(endpoint.id),
      () => strict.setEnabled(endpoint.id, true),
      () => strict.delete(endpoint.id),
    ]) {
      await expect(missing()).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    }
    await expect(strict.deliveries(1, 0)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
  });

  it('writes deliveries with the transaction that changed the alert, for the endpoints whose filter takes them', async () => {
    const all = await endpointAtReceiver();
    const critical = await endpointAtReceiver('CRITICAL');
    const closedOnly = await services.webhooks.register({ url: receiver.url, eventTypes: ['ALERT_CLOSED'] });
    const changes = alerts.map(opened);

    await expect(
      db().prisma.$transaction(async (tx) => {
        await enqueueAlertDeliveries(transactionExecutor(tx), changes);
        throw new Error('the alert change is rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await db().prisma.webhookDelivery.count()).toBe(0);

    const written = await db().prisma.$transaction((tx) => enqueueAlertDeliveries(transactionExecutor(tx), changes));
    const criticalAlerts = alerts.filter((alert) => alert.severity === 'CRITICAL');
    expect(written).toBe(alerts.length + criticalAlerts.length);
    expect((await deliveriesOf(all.id)).map((delivery) => delivery.alertId)).toEqual(alerts.map((alert) => alert.id));
    expect((await deliveriesOf(critical.id)).map((delivery) => delivery.alertId)).toEqual(criticalAlerts.map((alert) => alert.id));
    expect(await deliveriesOf(closedOnly.endpoint.id)).toEqual([]);
    const [first] = await deliveriesOf(all.id);
    expect(first).toMatchObject({ status: 'PENDING', attempts: 0, eventType: 'ALERT_OPENED' });
    expect(JSON.parse(first.payload)).toMatchObject({
      type: 'alert.opened',
      data: { alertId: alerts[0].id, engineId: alerts[0].engineId, severity: alerts[0].severity, openedCycle: alerts[0].openedCycle },
    });
    await db().prisma.webhookEndpoint.deleteMany();
  });

  it('signs each attempt, retries after failures and records them, then delivers', async () => {
    const endpoint = await endpointAtReceiver();
    await enqueueAlertDeliveries(db().query, [opened(alerts[0])]);
    receiver.received.length = 0;
    receiver.script = [500, 503];
    await drain(endpoint.id, runner());

    const [delivery] = await deliveriesOf(endpoint.id);
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 3, lastStatusCode: 200, lastError: null });
    expect(delivery.deliveredAt).toBeInstanceOf(Date);
    expect(receiver.received.map((entry) => [entry.id, entry.status, entry.verifyError])).toEqual([
      [delivery.messageId, 500, null],
      [delivery.messageId, 503, null],
      [delivery.messageId, 200, null],
    ]);
    expect(receiver.received[2].payload).toEqual(JSON.parse(delivery.payload));
    await db().prisma.webhookEndpoint.deleteMany();
  });

  it('marks a delivery FAILED after the last attempt, with the last error', async () => {
    const endpoint = await endpointAtReceiver();
    await enqueueAlertDeliveries(db().query, [opened(alerts[0])]);
    receiver.script = [500, 502];
    await drain(endpoint.id, runner({ maxAttempts: 2 }));
    const [delivery] = await deliveriesOf(endpoint.id);
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: 2, lastStatusCode: 502, lastError: 'HTTP 502: try again' });
    await db().prisma.webhookEndpoint.deleteMany();
  });

  it('holds back the deliveries of a disabled endpoint, signs with both secrets during a rotation, then the new one', async () => {
    const endpoint = await endpointAtReceiver();
    const previous = receiver.secret;
    await enqueueAlertDeliveries(db().query, [opened(alerts[0]), opened(alerts[1]), opened(alerts[1])]);
    await services.webhooks.setEnabled(endpoint.id, false);
    expect(await runner().runDue()).toBe(0);
    const rotated = await services.webhooks.rotateSecret(endpoint.id);
    await services.webhooks.setEnabled(endpoint.id, true);
    receiver.received.length = 0;
    // During the overlap, a receiver holding either secret accepts the delivery.
    expect(await runner({ batchSize: 1 }).runDue()).toBe(1);
    receiver.secret = rotated.secret;
    expect(await runner({ batchSize: 1 }).runDue()).toBe(1);
    expect(receiver.received.map((entry) => [entry.status, entry.verifyError])).toEqual([
      [200, null],
      [200, null],
    ]);
    // Rotated without overlap: the former secret no longer verifies.
    await services.webhooks.rotateSecret(endpoint.id, 0);
    receiver.secret = previous;
    await runner({ maxAttempts: 1 }).runDue();
    expect(receiver.received[2]).toMatchObject({ status: 401, verifyError: 'No matching signature found' });
    await db().prisma.webhookEndpoint.deleteMany();
  });

  it('deletes finished deliveries older than the retention, keeping pending and recent ones', async () => {
    const endpoint = await endpointAtReceiver();
    await enqueueAlertDeliveries(db().query, [opened(alerts[0]), opened(alerts[0]), opened(alerts[0]), opened(alerts[1])]);
    const [delivered, failed, pending, recent] = await deliveriesOf(endpoint.id);
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    const finish = (id: number, status: 'DELIVERED' | 'FAILED', at: Date) =>
      db().prisma.webhookDelivery.update({ where: { id }, data: { status, nextAttemptAt: at, updatedAt: at } });
    await finish(delivered.id, 'DELIVERED', daysAgo(8));
    await finish(failed.id, 'FAILED', daysAgo(8));
    await db().prisma.webhookDelivery.update({ where: { id: pending.id }, data: { nextAttemptAt: daysAgo(8) } });
    await finish(recent.id, 'DELIVERED', daysAgo(6));

    expect(await runner({ retentionDays: 7 }).pruneFinished()).toBe(2);
    expect((await deliveriesOf(endpoint.id)).map((delivery) => delivery.id)).toEqual([pending.id, recent.id]);
    expect(await runner({ retentionDays: 7 }).pruneFinished()).toBe(0);
    await db().prisma.webhookEndpoint.deleteMany();
  });

  it('sends each delivery once with several runners on one database', async () => {
    const endpoint = await endpointAtReceiver();
    await disableOthers(endpoint.id);
    await enqueueAlertDeliveries(
      db().query,
      alerts.flatMap((alert) => [opened(alert), { ...opened(alert), opened: false, severityRaised: true }]),
    );
    receiver.received.length = 0;
    await drain(endpoint.id, runner({ batchSize: 3 }), runner({ batchSize: 3 }), runner({ batchSize: 3 }));
    const deliveries = await deliveriesOf(endpoint.id);
    expect(deliveries.length).toBe(alerts.length * 2);
    expect(deliveries.every((delivery) => delivery.status === 'DELIVERED' && delivery.attempts === 1)).toBe(true);
    expect(receiver.received.length).toBe(deliveries.length);
    expect([...receiver.acknowledged().entries()].sort()).toEqual(deliveries.map((delivery) => [delivery.messageId, 1]).sort());
    await db().prisma.webhookEndpoint.deleteMany();
  });
});
