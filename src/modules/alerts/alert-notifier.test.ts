// Every path that changes an alert announces it through AlertNotifier, against a real database: a batch
// scoring job and a trajectory read over live engines write each event's webhook deliveries and push each
// alert once (re-running adds none), an operator's acknowledge and resolve are sent as their own
// filterable events, and a registration's alerts on recorded engines are pushed but not sent.
import type { Alert, WebhookEventType } from '@prisma/client';
import { createServices, type AppServices } from '../../main/services';
import { createLogger } from '../../platform/observability/logger';
import { importFirstUnits, trainUnitCycles } from '../../../test/support/cmapss-fixtures';
import { describeEachDatabase } from '../../../test/support/databases';
import { waitUntil } from '../../../test/support/requests';
import { SMALL_SPLIT } from '../../../test/support/scenarios';
import { ALERTS_TOPIC, type AlertEvent } from './alert-events';

/** FD001 train unit 8's cycles (settings and 21 sensors): it runs to failure, so alerts open. */
const unit8 = trainUnitCycles(8);

describeEachDatabase('alert announcements', (db) => {
  let services: AppServices;
  let versionId: number;
  let everyEvent: number;
  let resolvedOnly: number;
  const received: AlertEvent[] = [];
  let listening: AsyncIterator<unknown>;

  const alertsOf = (engineId: number) => db().prisma.alert.findMany({ where: { engineId }, orderBy: { id: 'asc' } });
  const deliveriesOf = (endpointId: number, alertIds: number[]) =>
    db().prisma.webhookDelivery.findMany({ where: { endpointId, alertId: { in: alertIds } }, orderBy: { id: 'asc' } });
  /** The events each alert's first storing makes: opened, and closed when the rule closed it too. */
  const firstEvents = (alerts: Alert[]) =>
    alerts.flatMap((alert) => [[alert.id, 'ALERT_OPENED'], ...(alert.closedCycle === null ? [] : [[alert.id, 'ALERT_CLOSED']])]) as [
      number,
      WebhookEventType,
    ][];
  const liveEngine = async (externalId: string) => {
    const engine = await services.liveEngines.create(externalId, 'FD001');
    await services.liveEngines.append(engine.id, unit8, { score: false });
    return engine.id;
  };
  /**
   * The events received before a marker published now has arrived (the bus keeps their order): what the
   * preceding steps pushed, with nothing still on its way.
   */
  const settled = async () => {
    const marker = -received.length - 1;
    services.events.publish(ALERTS_TOPIC, { id: marker });
    await waitUntil(
      async () => received.some((event) => event.id === marker),
      (seen) => seen,
      30_000,
      'the marker announced',
    );
    return received.splice(0).filter((event) => event.id !== marker);
  };

  beforeAll(async () => {
    await importFirstUnits(db().prisma, 8);
    services = createServices(db(), createLogger('silent'), { webhookTargets: { allowHttpLoopback: true, allowPrivateTargets: false } });
    listening = services.events.subscribe(ALERTS_TOPIC)[Symbol.asyncIterator]();
    void (async () => {
      for (;;) {
        const next = await listening.next();
        if (next.done) return;
        received.push(next.value as AlertEvent);
      }
    })();
    await waitUntil(
      async () => services.events.readySubscribers(),
      (ready) => ready > 0,
      30_000,
      'listening',
    );
    everyEvent = (await services.webhooks.register({ url: 'http://127.0.0.1:9/all' })).endpoint.id;
    resolvedOnly = (await services.webhooks.register({ url: 'http://127.0.0.1:9/resolved', eventTypes: ['ALERT_RESOLVED'] })).endpoint.id;
    const job = await services.jobs.enqueue({ ...SMALL_SPLIT, kind: 'z-score' });
    versionId = (await services.runner.runNext(job.id))!.modelVersionId!;
  }, 120_000);

  afterAll(async () => {
    await listening?.return?.();
    await services?.events.close();
  });

  it("pushes a registration's alerts on its recorded test engines, and sends them to no webhook", async () => {
    const recorded = await db().prisma.alert.findMany({ where: { modelVersionId: versionId }, orderBy: { id: 'asc' } });
    expect(recorded.length).toBeGreaterThan(0);
    const events = await settled();
    expect(events.map((event) => event.id).sort((a, b) => a - b)).toEqual(recorded.map((alert) => alert.id));
    expect(await db().prisma.webhookDelivery.count({ where: { alertId: { in: recorded.map((alert) => alert.id) } } })).toBe(0);
  });

  it('sends and pushes the alerts of a batch scoring job once, and nothing when it runs again', async () => {
    const engineId = await liveEngine('batch-live');
    const first = await services.batchJobs.startScoring(versionId, { engineIds: [engineId] });
    expect((await services.batchRunner.runNext(Number(first.id)))?.status).toBe('SUCCEEDED');
    const alerts = await alertsOf(engineId);
    expect(alerts.length).toBeGreaterThan(0);
    const ids = alerts.map((alert) => alert.id);
    const sent = (await deliveriesOf(everyEvent, ids)).map((delivery) => [delivery.alertId, delivery.eventType]);
    expect(sent).toEqual(firstEvents(alerts));
    expect((await settled()).map((event) => event.id)).toEqual(ids);

    const again = await services.batchJobs.startScoring(versionId, { engineIds: [engineId] });
    expect(again.id).not.toBe(first.id);
    expect((await services.batchRunner.runNext(Number(again.id)))?.status).toBe('SUCCEEDED');
    expect(await settled()).toEqual([]);
    expect((await deliveriesOf(everyEvent, ids)).length).toBe(sent.length);
  });

  it('sends and pushes the alerts of a trajectory read once, with the scores in one unit of work', async () => {
    const engineId = await liveEngine('read-live');
    await services.trajectories.trajectory(engineId, versionId);
    const alerts = await alertsOf(engineId);
    expect(alerts.length).toBeGreaterThan(0);
    const ids = alerts.map((alert) => alert.id);
    const sent = (await deliveriesOf(everyEvent, ids)).map((delivery) => [delivery.alertId, delivery.eventType]);
    expect(sent).toEqual(firstEvents(alerts));
    expect((await settled()).map((event) => event.id)).toEqual(ids);

    await services.trajectories.trajectory(engineId, versionId);
    await services.trajectories.trajectory(engineId, versionId, { fromCycle: 50 });
    expect(await settled()).toEqual([]);
    expect((await deliveriesOf(everyEvent, ids)).length).toBe(sent.length);
  });

  it("sends and pushes an operator's acknowledge and resolve, to the endpoints that take them", async () => {
    const engineId = await liveEngine('operated-live');
    await services.trajectories.trajectory(engineId, versionId);
    const open = (await alertsOf(engineId)).find((alert) => alert.state === 'OPEN')!;
    expect(open).toBeDefined();
    // The read's own announcements first: a late one of the opened alert would count as a transition.
    await settled();
    await services.alerts.acknowledge(open.id);
    await services.alerts.resolve(open.id);
    await waitUntil(
      async () => received.filter((event) => event.id === open.id).map((event) => event.state),
      (states) => states.length === 2,
      30_000,
      'both transitions announced',
    );
    expect(received.filter((event) => event.id === open.id).map((event) => event.state)).toEqual(['ACKNOWLEDGED', 'RESOLVED']);
    const types = async (endpointId: number) =>
      (await deliveriesOf(endpointId, [open.id])).map((delivery) => [delivery.eventType, JSON.parse(delivery.payload).type]);
    expect((await types(everyEvent)).slice(-2)).toEqual([
      ['ALERT_ACKNOWLEDGED', 'alert.acknowledged'],
      ['ALERT_RESOLVED', 'alert.resolved'],
    ]);
    expect(await types(resolvedOnly)).toEqual([['ALERT_RESOLVED', 'alert.resolved']]);
    // A transition that does not apply sends nothing.
    const before = await db().prisma.webhookDelivery.count();
    await expect(services.alerts.resolve(open.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await db().prisma.webhookDelivery.count()).toBe(before);
  });
});
