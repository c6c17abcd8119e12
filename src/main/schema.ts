// The API's schema: every module's resolvers, each given the services it uses.
import fs from 'node:fs';
import type { GraphQLSchema } from 'graphql';
import { operationRoles, type RoleMap } from '../platform/auth/access';
import { buildGraphQLSchema, printGraphQLSchema, SCHEMA_FILE } from '../platform/graphql/schema';
import { AlertResolver, TrajectoryAlertsResolver } from '../modules/alerts/alert-resolver';
import { EngineAlertRuleResolver } from '../modules/alerts/engine-alert-rule-resolver';
import { BatchJobResolver } from '../modules/batch-jobs/batch-job-resolver';
import { ApiKeyResolver } from '../modules/api-keys/api-key-resolver';
import { DatasetImportResolver, DatasetResolver } from '../modules/datasets/dataset-resolver';
import { EngineResolver, TrajectoryPointResolver } from '../modules/engines/engine-resolver';
import { NodeResolver } from '../modules/nodes/node-resolver';
import { ModelVersionResolver } from '../modules/registry/model-version-resolver';
import { ScoringResolver } from '../modules/scoring/scoring-resolver';
import { ServiceInfoResolver } from '../modules/service-info/service-info-resolver';
import { TrainingJobResolver } from '../modules/training/training-job-resolver';
import { WebhookResolver } from '../modules/webhooks/webhook-resolver';
import type { AppServices } from './services';

export const RESOLVERS = [
  AlertResolver,
  ApiKeyResolver,
  BatchJobResolver,
  DatasetResolver,
  DatasetImportResolver,
  EngineResolver,
  EngineAlertRuleResolver,
  ModelVersionResolver,
  NodeResolver,
  ScoringResolver,
  ServiceInfoResolver,
  TrainingJobResolver,
  TrajectoryPointResolver,
  WebhookResolver,
  TrajectoryAlertsResolver,
] as const;

function resolverInstances(services: AppServices): object[] {
  return [
    new AlertResolver(services.alerts),
    new ApiKeyResolver(services.apiKeys),
    new BatchJobResolver(services.batchJobs, services.models),
    new DatasetResolver(services.datasets),
    new DatasetImportResolver(services.imports),
    new EngineResolver(services.engines, services.liveEngines, services.trajectories, services.datasets),
    new EngineAlertRuleResolver(services.engineAlertRules, services.models),
    new ModelVersionResolver(services.models, services.evaluations, services.curation),
    new NodeResolver(services),
    new ScoringResolver(services.scoring, services.models),
    new ServiceInfoResolver(services.info),
    new TrainingJobResolver(services.jobs, services.models),
    new TrajectoryPointResolver(services.trajectories),
    new WebhookResolver(services.webhooks),
    new TrajectoryAlertsResolver(services.alerts),
  ];
}

/** The executable schema on `services`; without services, a schema to print or inspect. */
export function buildAppSchema(services?: AppServices): Promise<GraphQLSchema> {
  return buildGraphQLSchema([...RESOLVERS], services ? resolverInstances(services) : []);
}

/** The roles each root field declares (after buildAppSchema). */
export function appOperationRoles(): RoleMap {
  return operationRoles(RESOLVERS);
}

export async function printAppSchema(): Promise<string> {
  return printGraphQLSchema(await buildAppSchema());
}

export async function emitSchemaFile(file = SCHEMA_FILE): Promise<void> {
  fs.writeFileSync(file, await printAppSchema());
}
