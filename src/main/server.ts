// Starts the service: configuration, database (migrated and seeded when embedded), HTTP server; stops it
// gracefully on SIGTERM or SIGINT. PROCESS_ROLE says what the process does: all (API and job runner),
// api (API only) or worker (jobs only, with the operational endpoints; see worker.ts).
import 'reflect-metadata';
import http from 'node:http';
import { createApp, createOperationsApp } from './app';
import { loadConfig, loadEnvironmentFile, type AppConfig } from './config';
import { openDatabase, type Database } from '../platform/db/database';
import { createLogger, type Logger } from '../platform/observability/logger';
import { InferenceThread, selectBackend } from '../detectors/lstm-autoencoder/engine';
import { handleProcessErrors } from './process-errors';
import { createServices } from './services';
import { importSubset } from '../modules/datasets/import-service';

async function loadSampleDataIfEmpty(database: Database, config: AppConfig, logger: Logger): Promise<void> {
  if (!config.loadSampleData) return;
  if ((await database.prisma.engine.count()) > 0) return;
  logger.info({ dir: config.datasetDir }, 'empty database: loading the C-MAPSS FD001 sample');
  const summary = await importSubset(database.prisma, 'FD001', config.datasetDir);
  logger.info(summary, 'FD001 loaded');
}

export interface RunningServer {
  server: http.Server;
  port: number;
  /**
   * Graceful shutdown: /ready turns 503, the listener closes (no new connections), requests in flight
   * get up to SHUTDOWN_TIMEOUT_MS to finish (then their connections are closed), the training runner
   * stops (its running job goes back to the queue), the import runner finishes its import, the webhook
   * runner its attempts in flight, and the database is closed.
   */
  stop(): Promise<void>;
}

export async function startServer(config: AppConfig, logger: Logger): Promise<RunningServer> {
  await selectBackend({ log: (message) => logger.info(message) });
  const database = await openDatabase(config.database);
  logger.info({ database: database.kind }, 'database open');
  if (config.role !== 'worker') await loadSampleDataIfEmpty(database, config, logger);
  const { enabled: runnerEnabled, ...runnerOptions } = config.trainingRunner;
  const inference = config.inferenceThread
    ? await InferenceThread.start({
        onCrash: (error) => logger.error({ err: error }, 'inference thread died: forward passes now run on the serving thread'),
      })
    : null;
  if (inference) logger.info({ backend: inference.backend }, 'inference thread started');
  const services = createServices(database, logger, {
    runner: runnerOptions,
    lstmAutoencoder: { niceness: config.trainingNiceness },
    reconstruct: inference?.reconstruct,
    apiKeyCacheTtlMs: config.auth.cacheTtlMs,
    webhookTargets: config.webhooks,
    webhookRunner: config.webhooks.delivery,
  });
  const worker = config.role === 'worker';
  const api = worker ? null : await createApp({ services, logger, config });
  const app = api ?? createOperationsApp({ services, logger, config });
  if (worker) {
    logger.info(
      { role: 'worker' },
      'worker: running training jobs, imports and webhook deliveries, serving /health, /ready and /metrics only (no GraphQL API)',
    );
  } else if (config.auth.enabled) {
    logger.info(
      { auth: 'enabled' },
      'authentication enabled: GraphQL requests need "Authorization: Bearer <API key>" (create keys with `npm run cli -- keys create`)',
    );
  } else {
    logger.warn(
      { auth: 'disabled' },
      'authentication DISABLED: every client may run every operation (AUTH_ENABLED=false or the embedded database)',
    );
  }
  if (runnerEnabled) {
    services.runner.start();
    services.batchRunner.start();
  } else logger.info({ role: config.role }, 'training runner disabled in this process (PROCESS_ROLE=api or TRAINING_RUNNER=false)');
  if (config.imports.runner) services.importRunner.start();
  else logger.info('import runner disabled in this process (IMPORT_RUNNER=false)');
  if (config.webhooks.runner) services.webhookRunner.start();
  else logger.info('webhook delivery runner disabled in this process (WEBHOOK_RUNNER=false)');

  const server = http.createServer(app.handler);
  api?.serveSubscriptions(server);
  // Longer than a load balancer's idle timeout, so that the balancer, not us, closes idle connections.
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.headersTimeout = config.keepAliveTimeoutMs + 1_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (worker) {
    logger.info(
      { healthUrl: `http://${config.host}:${port}/health`, runnerId: services.runner.instanceId },
      'engine-health worker listening',
    );
  } else {
    logger.info(
      { url: `http://${config.host}:${port}/graphql`, auth: config.auth.enabled ? 'enabled' : 'disabled', role: config.role },
      'engine-health service listening',
    );
  }

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      app.drain();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The runner's job is put back in the queue while requests drain; an import in progress finishes.
      // Webhook attempts in flight finish (each within WEBHOOK_TIMEOUT_MS); pending deliveries stay queued.
      const runnerStopped = Promise.all([
        services.runner.stop(),
        services.importRunner.stop(),
        services.batchRunner.stop(),
        services.webhookRunner.stop(),
      ]);
      const idle = await app.waitForIdle(config.shutdownTimeoutMs);
      if (!idle) {
        logger.warn(
          { inFlight: app.inFlight(), timeoutMs: config.shutdownTimeoutMs },
          'shutdown timeout: closing the connections of requests still in flight',
        );
        server.closeAllConnections();
      }
      server.closeIdleConnections();
      await closed;
      await runnerStopped;
      await app.stop();
      await inference?.close();
      await database.close();
      logger.info({ drained: idle }, 'stopped');
    })();
    return stopping;
  };
  return { server, port, stop };
}

/** Runs a process until SIGTERM or SIGINT; `overrides` are environment variables that take precedence. */
export async function main(overrides: Record<string, string> = {}): Promise<void> {
  let config: AppConfig;
  try {
    loadEnvironmentFile();
    config = loadConfig({ ...process.env, ...overrides });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  handleProcessErrors(logger);
  const running = await startServer(config, logger);
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting at once');
        process.exit(1);
      }
      logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
      // A last resort if something hangs past the drain timeout (database close, runner stop).
      setTimeout(() => {
        logger.error('shutdown did not finish in time: exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs + 15_000).unref();
      running.stop().then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
