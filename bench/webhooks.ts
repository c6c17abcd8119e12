// Webhook delivery throughput: how fast the outbox empties into a local receiver that answers 200 at
// once, with one runner and with three on the same database, on the embedded database and PostgreSQL.
//
//   npm run bench:webhooks -- [--deliveries 2000] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
//
// Each run queues --deliveries events (enqueueAlertDeliveries, as an append does) for one endpoint, then
// runs the runners' runDue until nothing is pending, and prints deliveries per second beside the target:
// an alert storm of every engine of a fleet of 1,000 alerting at once, sent within 10 s (100/s).
import { parseArgs } from 'node:util';
import { openEmbedded, openPostgres, type Database } from '../src/platform/db/database';
import { applyMigrations } from '../src/platform/db/migrations';
import { createLogger } from '../src/platform/observability/logger';
import { WebhookDeliveryRunner } from '../src/modules/webhooks/webhook-delivery-runner';
import { enqueueAlertDeliveries } from '../src/modules/webhooks/webhook-outbox';
import { WebhookService } from '../src/modules/webhooks/webhook-service';
import { startWebhookReceiver } from './webhook-receiver';
import { createScratchDatabase } from './harness';

const { values: args } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '2000' },
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const DELIVERIES = Number(args.deliveries);
const TARGET_PER_SECOND = 100;
const LOOPBACK = { allowHttpLoopback: true, allowPrivateTargets: false };

/** One engine, version and alert to announce `DELIVERIES` times. */
async function seedAlert(database: Database): Promise<number> {
  const { prisma } = database;
  const dataset = await prisma.dataset.create({ data: { name: 'BENCH', settings: [], sensors: [], format: 'CMAPSS' } });
  const engine = await prisma.engine.create({ data: { datasetId: dataset.id, role: 'LIVE', externalId: 'bench', labelling: 'NONE' } });
  const version = await prisma.modelVersion.create({
    data: {
      version: 1,
      kind: 'z-score',
      options: {},
      summary: {},
      sensors: [],
      windowLength: 30,
      normalisation: {},
      scoringMethod: {},
      threshold: 1,
      thresholdQuantile: 0.99,
      artifact: {},
      backend: 'js',
      trainingMs: 0,
      trainedOn: {},
    },
  });
  const alert = await prisma.alert.create({
    data: {
      engineId: engine.id,
      modelVersionId: version.id,
      openedCycle: 30,
      lastCycle: 30,
      severity: 'WARNING',
      drivingSensors: [],
      peakScore: 2,
      threshold: 1,
    },
  });
  return alert.id;
}

async function run(database: Database, runners: number): Promise<number> {
  const receiver = await startWebhookReceiver();
  const { endpoint, secret } = await new WebhookService(database.prisma, LOOPBACK).register({ url: receiver.url });
  receiver.secret = secret;
  const alertId = (await database.prisma.alert.findFirst())?.id ?? (await seedAlert(database));
  await enqueueAlertDeliveries(
    database.query,
    Array.from({ length: DELIVERIES }, () => ({
      id: alertId,
      opened: true,
      severityRaised: false,
      closed: false,
      acknowledged: false,
      resolved: false,
    })),
  );
  const logger = createLogger('silent');
  const started = performance.now();
  await Promise.all(
    Array.from({ length: runners }, async () => {
      const runner = new WebhookDeliveryRunner(database.prisma, LOOPBACK, logger);
      while ((await runner.runDue()) > 0);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const delivered = await database.prisma.webhookDelivery.count({ where: { endpointId: endpoint.id, status: 'DELIVERED' } });
  const duplicates = [...receiver.acknowledged().values()].filter((count) => count > 1).length;
  await receiver.close();
  await database.prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
  if (delivered !== DELIVERIES || duplicates > 0) throw new Error(`${delivered} of ${DELIVERIES} delivered, ${duplicates} sent twice`);
  return DELIVERIES / seconds;
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const embedded = await openEmbedded(null);
  await applyMigrations(embedded.execScript, embedded.query);
  const scratch = await createScratchDatabase(args['admin-url']!, 'engine_health_bench_webhooks');
  const postgres = await openPostgres(scratch.url, 10);
  await applyMigrations(postgres.execScript, postgres.query);
  try {
    for (const [name, database] of [
      ['embedded', embedded],
      ['postgresql', postgres],
    ] as const) {
      for (const runners of [1, 3]) {
        const rate = await run(database, runners);
        rows.push(`| ${name} | ${runners} | ${DELIVERIES} | ${rate.toFixed(0)} | ${TARGET_PER_SECOND} |`);
      }
    }
  } finally {
    await embedded.close();
    await postgres.close();
    await scratch.drop();
  }
  process.stdout.write(
    ['| database | runners | deliveries | delivered/s | target/s |', '|---|---|---|---|---|', ...rows].join('\n') + '\n',
  );
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
