// Starts the service: configuration, database (migrated and seeded when embedded), HTTP server.
import 'reflect-metadata';
import http from 'node:http';
import { createApp } from './app';
import { loadConfig, loadEnvironmentFile, type AppConfig } from './config';
import { openDatabase, type Database } from './db/database';
import { createLogger, type Logger } from './logger';
import { selectBackend } from './model';
import { createServices } from './services/appServices';
import { importSubset } from './services/importService';

async function loadSampleDataIfEmpty(database: Database, config: AppConfig, logger: Logger): Promise<void> {
  if (!config.loadSampleData) return;
  if ((await database.prisma.engine.count()) > 0) return;
  logger.info({ dir: config.datasetDir }, 'empty database: loading the C-MAPSS FD001 sample');
  const summary = await importSubset(database.prisma, 'FD001', config.datasetDir);
  logger.info(summary, 'FD001 loaded');
}

export async function startServer(config: AppConfig, logger: Logger) {
  await selectBackend({ log: (message) => logger.info(message) });
  const database = await openDatabase(config.database);
  logger.info({ database: database.kind }, 'database open');
  await loadSampleDataIfEmpty(database, config, logger);
  const services = createServices(database, logger);
  const app = await createApp({ services, logger, config });
  services.runner.start();
  const server = http.createServer(app.express);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ url: `http://${config.host}:${port}/graphql` }, 'engine-health service listening');

  const stop = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await services.runner.stop();
    await app.stop();
    await database.close();
  };
  return { server, port, stop };
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    loadEnvironmentFile();
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
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
