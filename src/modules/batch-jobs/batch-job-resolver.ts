import { ApiRole, BatchJobKind, type BatchJobEngine } from '@prisma/client';
import { Arg, Args, Authorized, Ctx, Extensions, FieldResolver, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { FieldCost } from '../../platform/graphql/cost';
import type { RequestContext } from '../../platform/graphql/context';
import { PageInput } from '../../platform/graphql/pagination';
import { ConnectionArgs } from '../../platform/graphql/connection';
import { mapConnection } from '../../platform/db/connection';
import type { SubscriptionContext } from '../../platform/graphql/subscription-server';
import { toEvaluationView } from '../evaluation/evaluation-views';
import type { ModelRegistry } from '../registry/model-registry';
import { loadModelVersion } from '../registry/model-version-loader';
import { Evaluation, EvaluationSplitInput, ModelVersion } from '../registry/model-version-types';
import { JobState } from '../../platform/graphql/job';
import { BATCH_JOB_TOPIC, type BatchJobEvent } from './batch-job-events';
import { batchProgress, MAX_BATCH_ENGINES, type BatchJobService, type BatchJobView } from './batch-job-service';
import {
  BatchJob,
  BatchJobConnection,
  BatchJobEngineResultConnection,
  BatchJobEngineResultPage,
  BatchJobPage,
  BatchProgress,
  ScoringBatchInput,
} from './batch-job-types';
import { MAX_SYNC_EVALUATED_ENGINES } from '../evaluation/evaluation-service';

function toEngineResult(row: BatchJobEngine) {
  return { ...row, id: `${row.jobId}:${row.engineId}` };
}

@Resolver(() => BatchJob)
export class BatchJobResolver {
  constructor(
    private readonly jobs: BatchJobService,
    private readonly registry: ModelRegistry,
  ) {}

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => BatchJob, {
    description: `Queues the evaluation of a version on labelled engines as a batch job and returns it at once: up to ${MAX_BATCH_ENGINES} engines (evaluateModelVersion evaluates at most ${MAX_SYNC_EVALUATED_ENGINES} within its request). Units are optional: the version test units, or every stored engine of the data set and role (e.g. split: { role: TEST }). Its evaluation is stored like evaluateModelVersion's. An identical request while one is queued or running returns that job.`,
  })
  startEvaluation(
    @Arg('id', () => Int, { description: 'Model version id.' }) id: number,
    @Arg('split', () => EvaluationSplitInput, { nullable: true, description: 'Engines to evaluate on.' }) split?: EvaluationSplitInput,
  ) {
    return this.jobs.startEvaluation(id, split ?? {});
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => BatchJob, {
    description: `Queues the scoring of every window of up to ${MAX_BATCH_ENGINES} engines (a data set, or engines by id) with a version as a batch job and returns it at once: scores are stored once and alerts raised as trajectories do, so a re-run scores nothing twice. An identical request while one is queued or running returns that job.`,
  })
  startScoring(
    @Arg('input', () => ScoringBatchInput, { description: 'Engines to score.' }) input: ScoringBatchInput,
    @Arg('modelVersionId', () => Int, { nullable: true, description: 'Model version (default: the active one).' }) modelVersionId?: number,
  ) {
    return this.jobs.startScoring(modelVersionId, input);
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => BatchJob, {
    description: 'Cancels a queued or running batch job (a running one stops before its next engine); CONFLICT when it has ended.',
  })
  cancelBatchJob(@Arg('id', () => Int, { description: 'Batch job id.' }) id: number) {
    return this.jobs.cancel(id);
  }

  @Authorized(ApiRole.READER)
  @Query(() => BatchJob, { nullable: true, description: 'One batch job; null with a NOT_FOUND error when it does not exist.' })
  batchJob(@Arg('id', () => Int, { description: 'Batch job id.' }) id: number) {
    return this.jobs.get(id);
  }

  @Authorized(ApiRole.READER)
  @Query(() => BatchJobPage, {
    description: 'Batch jobs, newest first, optionally of one kind and state.',
    deprecationReason: 'Offset pages shift as items come and go: use batchJobsConnection (a cursor connection).',
  })
  batchJobs(
    @Arg('kind', () => BatchJobKind, { nullable: true, description: 'Only jobs of this kind.' }) kind?: BatchJobKind,
    @Arg('status', () => JobState, { nullable: true, description: 'Only jobs in this state.' }) status?: JobState,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ) {
    return this.jobs.list(kind, status, page);
  }

  @Authorized(ApiRole.READER)
  @Query(() => BatchJobConnection, { description: 'Batch jobs, newest first, optionally of one kind and state.' })
  batchJobsConnection(
    @Arg('kind', () => BatchJobKind, { nullable: true, description: 'Only jobs of this kind.' }) kind: BatchJobKind | undefined,
    @Arg('status', () => JobState, { nullable: true, description: 'Only jobs in this state.' }) status: JobState | undefined,
    @Args() page: ConnectionArgs,
  ) {
    return this.jobs.connection(kind, status, page);
  }

  @Authorized(ApiRole.READER)
  @Subscription(() => BatchJob, {
    description:
      'The batch job each time it changes from now on (claimed, each engine finished, ended, re-queued), read as it then stands. Over graphql-ws at /graphql.',
    subscribe: ({ args, context }) => (context as SubscriptionContext).events.subscribe(BATCH_JOB_TOPIC, (args as { id: number }).id),
  })
  batchJobProgress(
    @Root() event: BatchJobEvent,
    @Arg('id', () => Int, { description: 'Batch job id.' }) id: number,
  ): Promise<BatchJobView> {
    return this.jobs.get(event.jobId ?? id);
  }

  @FieldResolver(() => BatchProgress, { description: 'Engines and windows finished of the total.' })
  async progress(@Root() job: BatchJobView, @Ctx() { loaders }: RequestContext): Promise<BatchProgress> {
    const done = await loaders.get('batchJobDone', (ids: readonly number[]) => this.jobs.doneOf(ids)).load(job.id);
    return batchProgress(job, done);
  }

  @Extensions({ cost: { assumedSize: 50 } satisfies FieldCost })
  @FieldResolver(() => BatchJobEngineResultPage, {
    description: 'What each finished engine came to (windows, flagged, first flagged cycle), by engine id.',
    deprecationReason: 'Offset pages shift as engines finish: use enginesConnection (a cursor connection).',
  })
  async engines(@Root() job: BatchJobView, @Arg('page', () => PageInput, { nullable: true }) page?: PageInput) {
    const results = await this.jobs.engineResults(job.id, page);
    return { ...results, items: results.items.map(toEngineResult) };
  }

  @FieldResolver(() => BatchJobEngineResultConnection, {
    description: 'What each finished engine came to (windows, flagged, first flagged cycle), by engine id.',
  })
  async enginesConnection(@Root() job: BatchJobView, @Args() page: ConnectionArgs) {
    return mapConnection(await this.jobs.engineResultsConnection(job.id, page), (rows) => rows.map(toEngineResult));
  }

  @FieldResolver(() => Evaluation, { nullable: true, description: 'The evaluation an evaluation job stored; null until it succeeds.' })
  async evaluation(@Root() job: BatchJobView, @Ctx() { loaders }: RequestContext): Promise<Evaluation | null> {
    if (job.evaluationId === null) return null;
    const row = await loaders.get('batchJobEvaluations', (ids: readonly number[]) => this.jobs.evaluationsOf(ids)).load(job.evaluationId);
    return row && toEvaluationView(row);
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'The model version it evaluates or scores with.' })
  modelVersion(@Root() job: BatchJobView, @Ctx() { loaders }: RequestContext) {
    return loadModelVersion(loaders, this.registry, job.modelVersionId);
  }
}
