// node(nodeId:): any object with a global id, under the roles its own query needs (an admin-only
// type does not leak through it), read by the same service call.
import { ApiRole } from '@prisma/client';
import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { forbidden, holdsAnyRole } from '../../platform/auth/access';
import type { RequestContext } from '../../platform/graphql/context';
import { Node, NODE_TYPE, parseGlobalId } from '../../platform/graphql/node';
import { notFound } from '../../platform/errors';
import type { AlertService } from '../alerts/alert-service';
import type { BatchJobService } from '../batch-jobs/batch-job-service';
import type { DatasetImportService } from '../datasets/dataset-import-service';
import type { DatasetService } from '../datasets/dataset-service';
import type { EngineService } from '../engines/engine-service';
import type { ModelRegistry } from '../registry/model-registry';
import type { TrainingJobService } from '../training/training-job-service';
import type { WebhookService } from '../webhooks/webhook-service';

export interface NodeServices {
  alerts: AlertService;
  batchJobs: BatchJobService;
  imports: DatasetImportService;
  datasets: DatasetService;
  engines: EngineService;
  models: ModelRegistry;
  jobs: TrainingJobService;
  webhooks: WebhookService;
}

interface NodeKind {
  /** The roles of the type's own query. */
  roles: readonly ApiRole[];
  load(id: number): Promise<object>;
}

@Resolver()
export class NodeResolver {
  private readonly kinds: Record<string, NodeKind>;

  constructor(services: NodeServices) {
    const reader = [ApiRole.READER];
    this.kinds = {
      Alert: { roles: reader, load: (id) => services.alerts.get(id) },
      BatchJob: { roles: reader, load: (id) => services.batchJobs.get(id) },
      Dataset: {
        roles: reader,
        load: async (id) => {
          const [dataset] = await services.datasets.findMany([id]);
          if (!dataset) throw notFound('data set', id);
          return dataset;
        },
      },
      DatasetImport: { roles: reader, load: (id) => services.imports.get(id) },
      Engine: { roles: reader, load: (id) => services.engines.get(id) },
      ModelVersion: { roles: reader, load: (id) => services.models.get(id) },
      TrainingJob: { roles: reader, load: (id) => services.jobs.get(id) },
      WebhookEndpoint: { roles: [ApiRole.ADMIN], load: (id) => services.webhooks.get(id) },
    };
  }

  // A key holding a role of some type may ask; each type then needs the roles of its own query.
  @Authorized(ApiRole.READER, ApiRole.ADMIN)
  @Query(() => Node, {
    nullable: true,
    description:
      'Any object by its global id (nodeId), under the roles its own query needs; null with a NOT_FOUND error when it no longer exists, BAD_USER_INPUT for an id this API did not give out.',
  })
  async node(@Arg('nodeId', () => ID, { description: 'A nodeId this API returned.' }) nodeId: string, @Ctx() context: RequestContext) {
    const { typeName, id } = parseGlobalId(nodeId, Object.keys(this.kinds));
    const kind = this.kinds[typeName];
    if (!holdsAnyRole(context.principal, kind.roles)) throw forbidden(kind.roles, `node(${typeName})`, false);
    return { ...(await kind.load(id)), [NODE_TYPE]: typeName };
  }
}
