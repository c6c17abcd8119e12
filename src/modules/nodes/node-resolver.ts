// node(nodeId:) and nodes(nodeIds:): any object with a global id, under the roles its own query needs
// (an admin-only type does not leak through them), read by the same service calls, one batched read
// per type.
import { ApiRole } from '@prisma/client';
import { Arg, Authorized, Ctx, Extensions, ID, Query, Resolver } from 'type-graphql';
import { forbidden, holdsAnyRole } from '../../platform/auth/access';
import type { RequestContext } from '../../platform/graphql/context';
import type { FieldCost } from '../../platform/graphql/cost';
import { Node, NODE_TYPE, parseGlobalId } from '../../platform/graphql/node';
import { ErrorCode, notFound, ServiceError } from '../../platform/errors';
import type { AlertService } from '../alerts/alert-service';
import type { ApiKeyService } from '../api-keys/api-key-service';
import type { BatchJobService } from '../batch-jobs/batch-job-service';
import type { DatasetImportService } from '../datasets/dataset-import-service';
import type { DatasetService } from '../datasets/dataset-service';
import type { EngineService } from '../engines/engine-service';
import { toEvaluationView } from '../evaluation/evaluation-views';
import type { ModelRegistry } from '../registry/model-registry';
import type { TrainingJobService } from '../training/training-job-service';
import type { WebhookService } from '../webhooks/webhook-service';
import { toDelivery } from '../webhooks/webhook-types';

/** Most ids one nodes() call reads: a page of a connection (MAX_PAGE_SIZE). */
export const MAX_NODE_IDS = 500;

export interface NodeServices {
  alerts: AlertService;
  apiKeys: ApiKeyService;
  batchJobs: BatchJobService;
  imports: DatasetImportService;
  datasets: DatasetService;
  engines: EngineService;
  models: ModelRegistry;
  jobs: TrainingJobService;
  webhooks: WebhookService;
}

interface NodeKind {
  /** The roles of the type's own query (or of the field that lists it). */
  roles: readonly ApiRole[];
  /** What NOT_FOUND names. */
  what: string;
  /** The objects of `ids`, in their order; null for an id that does not exist. */
  findMany(ids: readonly number[]): Promise<(object | null)[]>;
}

@Resolver()
export class NodeResolver {
  private readonly kinds: Record<string, NodeKind>;

  constructor(services: NodeServices) {
    const reader = [ApiRole.READER];
    const admin = [ApiRole.ADMIN];
    this.kinds = {
      Alert: { roles: reader, what: 'alert', findMany: (ids) => services.alerts.findMany(ids) },
      ApiKey: { roles: admin, what: 'API key', findMany: (ids) => services.apiKeys.findMany(ids) },
      BatchJob: { roles: reader, what: 'batch job', findMany: (ids) => services.batchJobs.findMany(ids) },
      Dataset: { roles: reader, what: 'data set', findMany: (ids) => services.datasets.findMany(ids) },
      DatasetImport: { roles: reader, what: 'import', findMany: (ids) => services.imports.findMany(ids) },
      Engine: { roles: reader, what: 'engine', findMany: (ids) => services.engines.findMany(ids) },
      // Read as ModelVersion.evaluations and BatchJob.evaluation are: under the reader role.
      Evaluation: {
        roles: reader,
        what: 'evaluation',
        findMany: async (ids) => (await services.batchJobs.evaluationsOf(ids)).map((row) => row && toEvaluationView(row)),
      },
      ModelVersion: { roles: reader, what: 'model version', findMany: (ids) => services.models.findMany(ids) },
      TrainingJob: { roles: reader, what: 'training job', findMany: (ids) => services.jobs.findMany(ids) },
      WebhookDelivery: {
        roles: admin,
        what: 'webhook delivery',
        findMany: async (ids) => (await services.webhooks.findDeliveries(ids)).map((row) => row && toDelivery(row)),
      },
      WebhookEndpoint: { roles: admin, what: 'webhook endpoint', findMany: (ids) => services.webhooks.findMany(ids) },
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
    const [found] = await kind.findMany([id]);
    if (!found) throw notFound(kind.what, id);
    return { ...found, [NODE_TYPE]: typeName };
  }

  @Authorized(ApiRole.READER, ApiRole.ADMIN)
  @Extensions({ cost: { sizeArgument: 'nodeIds', maxSize: MAX_NODE_IDS } satisfies FieldCost })
  @Query(() => [Node], {
    nullable: 'items',
    description: `Objects by their global ids (at most ${MAX_NODE_IDS}), in the order asked, one read per type: null, without an error, for an object that no longer exists or whose type's query the key may not run; BAD_USER_INPUT when an id is not one this API gave out.`,
  })
  async nodes(
    @Arg('nodeIds', () => [ID], { description: `nodeIds this API returned (at most ${MAX_NODE_IDS}; repeats allowed).` }) nodeIds: string[],
    @Ctx() context: RequestContext,
  ): Promise<(object | null)[]> {
    if (nodeIds.length > MAX_NODE_IDS) {
      throw new ServiceError(ErrorCode.BATCH_TOO_LARGE, `nodes reads at most ${MAX_NODE_IDS} ids at a time, got ${nodeIds.length}`, {
        limit: MAX_NODE_IDS,
        argument: 'nodeIds',
      });
    }
    // Every id is checked before anything is read.
    const parsed = nodeIds.map((nodeId, index) => parseGlobalId(nodeId, Object.keys(this.kinds), `nodeIds[${index}]`));
    const idsByType = new Map<string, Set<number>>();
    for (const { typeName, id } of parsed) {
      if (!holdsAnyRole(context.principal, this.kinds[typeName].roles)) continue;
      let ids = idsByType.get(typeName);
      if (!ids) idsByType.set(typeName, (ids = new Set()));
      ids.add(id);
    }
    const found = new Map<string, object>();
    await Promise.all(
      [...idsByType].map(async ([typeName, idSet]) => {
        const ids = [...idSet];
        const objects = await this.kinds[typeName].findMany(ids);
        objects.forEach((object, index) => {
          if (object) found.set(`${typeName}:${ids[index]}`, { ...object, [NODE_TYPE]: typeName });
        });
      }),
    );
    return parsed.map(({ typeName, id }) => found.get(`${typeName}:${id}`) ?? null);
  }
}
