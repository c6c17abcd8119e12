// The GraphQL schema is built from the type-graphql classes of the modules (listed in src/main/schema.ts);
// schema.graphql at the repository root is its printed form, regenerated with `npm run schema:emit` and
// checked by a test.
import path from 'node:path';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import { authChecker } from '../auth/access';
import { REPOSITORY_ROOT } from '../repository';

/** type-graphql requires a PubSub once a resolver declares a subscription; ours go through the context instead. */
const UNUSED_PUB_SUB: PubSub = {
  publish: () => undefined,
  subscribe: () => {
    throw new Error('subscriptions subscribe through their context');
  },
};

export const SCHEMA_FILE = path.join(REPOSITORY_ROOT, 'schema.graphql');

/**
 * The schema of `resolvers`; each resolver class is served by its instance in `instances` (built with
 * the services it uses). Without instances the schema can be printed and validated, not executed.
 */
export async function buildGraphQLSchema(
  resolvers: NonEmptyArray<Function>,
  instances: readonly object[] = [],
  pubSub: PubSub = UNUSED_PUB_SUB,
): Promise<GraphQLSchema> {
  const byClass = new Map<Function, object>(instances.map((instance) => [instance.constructor, instance]));
  return buildSchema({
    resolvers,
    container: {
      get: (resolverClass: Function) => {
        const instance = byClass.get(resolverClass);
        if (!instance) throw new Error(`no instance of ${resolverClass.name} was given to the schema`);
        return instance;
      },
    },
    // Input rules live in the services, which every caller (GraphQL, CLI, tests) goes through.
    validate: false,
    // Roles declared with @Authorized(...) (see ../auth/access.ts); refusals throw FORBIDDEN.
    authChecker,
    // Subscriptions subscribe through their context's event bus (../graphql/subscription-server.ts).
    pubSub,
  });
}

export function printGraphQLSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
