// A real HTTP server around the application, on an ephemeral loopback port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from '../../src/main/app';
import { loadConfig, type AppConfig } from '../../src/main/config';
import type { Database } from '../../src/platform/db/database';
import { createLogger, type Logger } from '../../src/platform/observability/logger';
import { createServices, type AppServices, type ServiceOptions } from '../../src/main/services';

export interface TestServer {
  url: string;
  services: AppServices;
  /** The application (metrics, readiness, API keys, rate limits). */
  app: App;
  graphql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
}

export async function startTestServer(
  database: Database,
  overrides: Partial<AppConfig> = {},
  serviceOptions: ServiceOptions = {},
  options: { logger?: Logger } = {},
): Promise<TestServer> {
  const config = { ...loadConfig({ NODE_ENV: 'test' }), ...overrides };
  const logger = options.logger ?? createLogger('silent');
  const services = createServices(database, logger, { apiKeyCacheTtlMs: config.auth.cacheTtlMs, ...serviceOptions });
  const app = await createApp({ services, logger, config });
  const server = http.createServer(app.handler);
  app.serveSubscriptions(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    services,
    app,
    async graphql(query, variables, headers = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await app.stop();
      await closed;
    },
  };
}
