// The HTTP application: GraphQL at /graphql and the operational endpoints (/health, /ready, /metrics).
//
// Order of the layers of a GraphQL request:
//   request id + access log + in-flight count (src/platform/http/requests.ts)
//   -> IDE page for browsers (GET /graphql with Accept: text/html)
//   -> Accept check -> JSON body (HTTP_BODY_LIMIT_BYTES) -> API key (src/platform/auth/authentication.ts)
//   -> Apollo: token limit at parse, graphql-armor limits at validation, roles and rate limits once the
//      operation is known (src/platform/graphql/request-plugin.ts), then the resolvers.
// POST /graphql takes the same layers without express (src/platform/http/graphql-route.ts).
// POST /imports (a file to import, streamed) takes the request tracking and the API key check, then
// its own route (src/modules/datasets/import-route.ts).
// GET / and /assets/ serve the operator dashboard's built files (src/platform/http/dashboard.ts); it
// calls /graphql like any client.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import express from 'express';
import { authenticationMiddleware, createAuthenticate } from '../platform/auth/authentication';
import { createRateLimits, type RateLimits } from '../platform/auth/rate-limits';
import type { AppConfig } from './config';
import { LoaderCache, type RequestContext } from '../platform/graphql/context';
import { formatGraphQLError } from '../platform/graphql/errors';
import { mountGraphQLIde } from '../platform/http/graphql-ide';
import { createDashboardRouter } from '../platform/http/dashboard';
import { clientKeyOf, requestPlugin } from '../platform/graphql/request-plugin';
import { requestScoringBudget } from '../platform/graphql/scoring-budget';
import { serveSubscriptions } from '../platform/graphql/subscription-server';
import { localConnectionLeases, sharedConnectionLeases } from '../platform/graphql/connection-leases';
import { appOperationRoles, buildAppSchema } from './schema';
import { errorHandler, metricsRouter, notFoundHandler } from '../platform/http/endpoints';
import { answerGraphQL, createGraphQLFastPath, refuseUnacceptable, type BodyParser } from '../platform/http/graphql-route';
import { healthRouter, Readiness } from '../platform/http/health';
import { requestOperation, RequestTracker, stateOf } from '../platform/http/requests';
import { runOperation } from '../platform/observability/operations';
import type { Logger } from '../platform/observability/logger';
import { Metrics } from '../platform/observability/metrics';
import type { ApiKeyService } from '../modules/api-keys/api-key-service';
import type { AppServices } from './services';
import { importRouter } from '../modules/datasets/import-route';
import { transferRouter } from '../modules/registry/transfer-routes';

/** What every process serves over HTTP: the operational endpoints, and a graceful shutdown. */
export interface OperationsApp {
  /** The HTTP request listener. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  express: express.Express;
  metrics: Metrics;
  readiness: Readiness;
  /** Requests being served. */
  inFlight(): number;
  /** Resolves true when no request is in flight, false after `timeoutMs`. */
  waitForIdle(timeoutMs: number): Promise<boolean>;
  /** Starts a shutdown: /ready answers 503 and responses ask clients to close their connection. */
  drain(): void;
  stop(): Promise<void>;
}

/** The API: GraphQL, with the operational endpoints. */
export interface App extends OperationsApp {
  /** POSTs to /graphql are taken before express (../platform/http/graphql-route.ts). */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  apiKeys: ApiKeyService;
  limits: RateLimits;
  /** Serves GraphQL subscriptions (graphql-ws) on `server`'s /graphql; stop() closes them. */
  serveSubscriptions(server: Server): void;
}

/**
 * A worker's HTTP surface (PROCESS_ROLE=worker): /health, /ready and /metrics for the orchestrator, and
 * no GraphQL API.
 */
export function createOperationsApp(options: { services: AppServices; logger: Logger; config: AppConfig }): OperationsApp {
  const { services, logger, config } = options;
  let inFlight = () => 0;
  const metrics = new Metrics(services.database, { inFlight: () => inFlight() });
  const tracker = new RequestTracker(logger, metrics);
  inFlight = () => tracker.inFlight;
  const readiness = new Readiness(services.database, services.models, logger);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(tracker.middleware);
  app.use(healthRouter(readiness));
  app.use(metricsRouter(metrics, config.metricsToken));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return {
    handler: app,
    express: app,
    metrics,
    readiness,
    inFlight: () => tracker.inFlight,
    waitForIdle: (timeoutMs) => tracker.waitForIdle(timeoutMs),
    drain: () => {
      readiness.drain();
      tracker.drain();
    },
    stop: async () => metrics.close(),
  };
}

export async function createApp(options: { services: AppServices; logger: Logger; config: AppConfig }): Promise<App> {
  const { services, logger, config } = options;
  const exposeErrorDetails = config.nodeEnv === 'development';
  const limits = config.limits;
  let inFlight = () => 0;
  const metrics = new Metrics(services.database, { inFlight: () => inFlight() });
  const tracker = new RequestTracker(logger, metrics);
  inFlight = () => tracker.inFlight;
  const readiness = new Readiness(services.database, services.models, logger);
  const apiKeys = services.apiKeys;
  // Shared by the replicas through PostgreSQL unless RATE_LIMIT_STORE=memory (the embedded database is one process).
  const pool = services.database.pool;
  const rateLimits = createRateLimits(
    limits,
    pool && limits.store === 'database' ? { kind: 'postgresql', pool, syncIntervalMs: limits.syncIntervalMs } : { kind: 'memory' },
  );

  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    // The cost limit is the request plugin's: armor's counts neither variables nor page sizes.
    costLimit: { enabled: false },
    // __typename counts too (armor lets it through by default): 3,000 aliases of it were accepted.
    maxAliases: { n: limits.maxAliases, allowList: [] },
    maxDirectives: { n: limits.maxDirectives },
    // Token counting is done by graphql-js itself while parsing (parseOptions below): it stops early,
    // and a refusal is an ordinary 400 GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: !config.graphqlFieldSuggestions },
  }).protect();

  const schema = await buildAppSchema(services);
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.graphqlIntrospection,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, exposeErrorDetails),
    includeStacktraceInErrorResponses: exposeErrorDetails,
    allowBatchedHttpRequests: false,
    // The server's own shutdown (src/main/server.ts) drains requests first; Apollo's would re-raise the signal.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: armor.validationRules,
    // Apollo's landing page loads from a CDN (blank offline); the IDE is served by ./graphql/ide.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ...armor.plugins,
      requestPlugin({ roles: appOperationRoles(), limits: rateLimits, metrics, maxCost: limits.maxCost }),
    ],
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // No ETag: GraphQL answers POSTs, which no cache revalidates, and express would hash every response
  // body for one on the serving thread.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.use(tracker.middleware);

  // GraphQL IDE (GraphiQL from node_modules): before Apollo, which gets every non-HTML request.
  mountGraphQLIde(app, config.graphqlIde);

  const authenticate = createAuthenticate({ enabled: config.auth.enabled, keys: apiKeys, failures: rateLimits.authFailures, metrics });
  const parseJson = express.json({ limit: limits.bodyLimitBytes });
  const context = async (res: ServerResponse): Promise<RequestContext> => {
    const state = stateOf(res);
    const principal = state.principal!;
    const scoringBudget = requestScoringBudget(rateLimits.scoring, clientKeyOf(principal, state.clientAddress), metrics);
    return { requestId: state.requestId, loaders: new LoaderCache(), principal, state, scoringBudget };
  };
  app.use(
    '/graphql',
    (req, res, next) => {
      if (!refuseUnacceptable(req, res)) next();
    },
    parseJson,
    authenticationMiddleware(authenticate),
    (req, res, next) => {
      answerGraphQL(apollo, context, req, res, (req as { body?: unknown }).body, limits.responseLimitBytes).catch(next);
    },
  );
  app.use(importRouter({ imports: services.imports, authenticate, bodyLimitBytes: config.imports.bodyLimitBytes }));
  app.use(transferRouter({ transfer: services.transfer, authenticate }));
  app.use(createDashboardRouter());
  // After /graphql, which takes nearly every request: express walks its layers in order for each one.
  app.use(healthRouter(readiness));
  app.use(metricsRouter(metrics, config.metricsToken));
  app.use(notFoundHandler);
  app.use(errorHandler);

  logger.debug('HTTP application ready');
  const fastPath = createGraphQLFastPath({
    apollo,
    context,
    tracker,
    authenticate,
    parseJson: parseJson as BodyParser,
    trustProxy: app.get('trust proxy fn') as (address: string, hop: number) => boolean,
    responseLimitBytes: limits.responseLimitBytes,
  });
  const subscriptionServers: { close(): Promise<void> }[] = [];
  let subscriptionsClosed: Promise<unknown> | null = null;
  return {
    // Each request runs as an operation, so that an error nothing caught in its work fails it alone.
    handler: (req, res) =>
      runOperation(requestOperation(res), () => {
        if (!fastPath(req, res)) app(req, res);
      }),
    express: app,
    metrics,
    readiness,
    apiKeys,
    limits: rateLimits,
    serveSubscriptions: (server) => {
      subscriptionServers.push(
        serveSubscriptions({
          server,
          schema,
          roles: appOperationRoles(),
          events: services.events,
          auth: { enabled: config.auth.enabled, keys: apiKeys, failures: rateLimits.authFailures },
          maxPerConnection: limits.subscriptionsPerConnection,
          maxConnectionsPerKey: limits.connectionsPerKey,
          leases: services.database.kind === 'postgresql' ? sharedConnectionLeases(services.database, logger) : localConnectionLeases(),
          validationRules: armor.validationRules ?? [],
          logger,
        }),
      );
    },
    inFlight: () => tracker.inFlight,
    waitForIdle: (timeoutMs) => tracker.waitForIdle(timeoutMs),
    drain: () => {
      // /ready turns 503 and responses ask clients to reconnect (to another replica); so are WebSocket
      // clients, whose connections would otherwise hold the listener's close until the shutdown timeout.
      readiness.drain();
      tracker.drain();
      subscriptionsClosed = Promise.all(subscriptionServers.map((subscriptions) => subscriptions.close()));
    },
    stop: async () => {
      await (subscriptionsClosed ?? Promise.all(subscriptionServers.map((subscriptions) => subscriptions.close())));
      await services.events.close();
      for (const limit of Object.values(rateLimits)) limit.close();
      await apollo.stop();
      metrics.close();
    },
  };
}
