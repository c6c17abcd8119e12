// The HTTP application: GraphQL at /graphql and the operational endpoints.
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { AppConfig } from './config';
import { createLoaders, type RequestContext } from './graphql/context';
import { formatGraphQLError } from './graphql/errors';
import { mountGraphQLIde } from './graphql/ide';
import { buildAppSchema } from './graphql/schema';
import type { Logger } from './logger';
import type { AppServices } from './services/appServices';

export interface App {
  express: express.Express;
  stop(): Promise<void>;
}

export async function createApp(options: { services: AppServices; logger: Logger; config: AppConfig }): Promise<App> {
  const { services, logger, config } = options;
  const exposeErrorDetails = config.nodeEnv === 'development';
  const apollo = new ApolloServer<RequestContext>({
    schema: await buildAppSchema(),
    introspection: config.graphqlIntrospection,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, exposeErrorDetails),
    // Apollo's landing page loads from a CDN (blank offline); the IDE is served by ./graphql/ide.
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // GraphQL IDE (GraphiQL from node_modules): before Apollo, which gets every non-HTML request.
  mountGraphQLIde(app, config.graphqlIde);

  app.use(
    '/graphql',
    express.json({ limit: '5mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
        return { requestId, services, loaders: createLoaders(services) };
      },
    }),
  );

  logger.debug('HTTP application ready');
  return {
    express: app,
    stop: () => apollo.stop(),
  };
}
