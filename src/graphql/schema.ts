// The GraphQL schema is built from the type-graphql classes; schema.graphql at the repository root is
// its printed form, regenerated with `npm run schema:emit` and checked by a test.
import fs from 'node:fs';
import path from 'node:path';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { authChecker, operationRoles, type RoleMap } from '../auth/access';
import { REPOSITORY_ROOT } from '../config';
import { ApiKeyResolver } from './resolvers/apiKeyResolver';
import { EngineResolver } from './resolvers/engineResolver';
import { ModelVersionResolver } from './resolvers/modelVersionResolver';
import { ScoringResolver } from './resolvers/scoringResolver';
import { ServiceInfoResolver } from './resolvers/serviceInfoResolver';
import { TrainingJobResolver } from './resolvers/trainingJobResolver';

export const SCHEMA_FILE = path.join(REPOSITORY_ROOT, 'schema.graphql');

export const RESOLVERS = [ApiKeyResolver, EngineResolver, ModelVersionResolver, ScoringResolver, ServiceInfoResolver, TrainingJobResolver] as const;

export async function buildAppSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    // Input rules live in the services, which every caller (GraphQL, CLI, tests) goes through.
    validate: false,
    // Roles declared with @Authorized(...) (see src/auth/access.ts); refusals throw FORBIDDEN.
    authChecker,
  });
}

/** The roles each root field declares (after buildAppSchema). */
export function appOperationRoles(): RoleMap {
  return operationRoles(RESOLVERS);
}

export function printAppSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

export async function emitSchemaFile(file = SCHEMA_FILE): Promise<void> {
  fs.writeFileSync(file, printAppSchema(await buildAppSchema()));
}
