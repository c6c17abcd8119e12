import { ApiRole } from '@prisma/client';
import { Arg, Args, Authorized, Ctx, Extensions, FieldResolver, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscriptionContext } from '../../platform/graphql/subscription-server';
import { TRAINING_JOB_TOPIC, type TrainingJobEvent } from './training-job-events';
import { jobProgress, type TrainingJobService, type TrainingJobView } from './training-job-service';
import { JobState } from '../../platform/graphql/job';
import type { FieldCost } from '../../platform/graphql/cost';
import type { LoaderCache, RequestContext } from '../../platform/graphql/context';
import type { ModelRegistry } from '../registry/model-registry';
import { loadModelVersion } from '../registry/model-version-loader';
import { ModelVersion } from '../registry/model-version-types';
import { PageInput } from '../../platform/graphql/pagination';
import { ConnectionArgs } from '../../platform/graphql/connection';
import { DETECTOR_KINDS } from '../../detectors/registry';
import { DetectorKindInfo, optionsFieldOf } from './detector-kind-types';
import { JobProgress, TrainingEpoch, TrainingJob, TrainingJobConnection, TrainingJobPage, TrainModelInput } from './training-job-types';
import type { TrainingRequestInput } from './training-request';

/** trainModel's input as the service takes it: each kind's options under its name. */
function requestInputOf(input: TrainModelInput): TrainingRequestInput {
  const kindOptions = Object.fromEntries(
    DETECTOR_KINDS.map((kind) => [kind.name, (input[optionsFieldOf(kind)] as Record<string, unknown> | undefined) ?? null]),
  );
  return { ...(input as TrainingRequestInput), kindOptions };
}

@Resolver(() => TrainingJob)
export class TrainingJobResolver {
  constructor(
    private readonly jobs: TrainingJobService,
    private readonly registry: ModelRegistry,
  ) {}

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => TrainingJob, {
    description:
      'Queues a training job: fit on healthy windows, calibrate the threshold, evaluate on the test engines and register a model version. Returns at once; follow it with trainingJob(id).',
  })
  trainModel(
    @Arg('input', () => TrainModelInput, { nullable: true, description: 'What to train; defaults to the reference configuration.' })
    input?: TrainModelInput,
  ) {
    return this.jobs.enqueue(requestInputOf(input ?? {}));
  }

  @Authorized(ApiRole.READER)
  @Query(() => [DetectorKindInfo], { description: 'The detector kinds trainModel can train, each with its options, defaults and meaning.' })
  detectorKinds(): DetectorKindInfo[] {
    return DETECTOR_KINDS.map((kind) => ({
      name: kind.name,
      description: kind.description,
      contributions: kind.contributions,
      needsLabels: kind.needsLabels,
      trainModelField: optionsFieldOf(kind),
      options: kind.options,
    }));
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => TrainingJob, { description: 'Cancels a queued or running training job (CONFLICT when it has finished).' })
  cancelTrainingJob(@Arg('id', () => Int, { description: 'Training job id.' }) id: number) {
    return this.jobs.cancel(id);
  }

  @Authorized(ApiRole.READER)
  @Query(() => TrainingJob, { nullable: true, description: 'One training job; null with a NOT_FOUND error when it does not exist.' })
  trainingJob(@Arg('id', () => Int, { description: 'Training job id.' }) id: number) {
    return this.jobs.get(id);
  }

  @Authorized(ApiRole.READER)
  @Subscription(() => TrainingJob, {
    description:
      'The training job each time it changes from now on (claimed by a worker, each epoch stored, finished, re-queued), read as it then stands, whichever process trains it. Over graphql-ws at /graphql; the stream stays open after the job ends.',
    subscribe: ({ args, context }) => (context as SubscriptionContext).events.subscribe(TRAINING_JOB_TOPIC, (args as { id: number }).id),
  })
  trainingJobProgress(
    @Root() event: TrainingJobEvent,
    @Arg('id', () => Int, { description: 'Training job id.' }) id: number,
  ): Promise<TrainingJobView> {
    return this.jobs.get(event.jobId ?? id);
  }

  @Authorized(ApiRole.READER)
  @Query(() => TrainingJobPage, {
    description: 'Training jobs, newest first, optionally of one status.',
    deprecationReason: 'Offset pages shift as items come and go: use trainingJobsConnection (a cursor connection).',
  })
  trainingJobs(
    @Arg('status', () => JobState, { nullable: true, description: 'Only jobs in this state.' }) status?: JobState,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ) {
    return this.jobs.list(status, page);
  }

  @Authorized(ApiRole.READER)
  @Query(() => TrainingJobConnection, { description: 'Training jobs, newest first, optionally of one status.' })
  trainingJobsConnection(
    @Arg('status', () => JobState, { nullable: true, description: 'Only jobs in this state.' }) status: JobState | undefined,
    @Args() page: ConnectionArgs,
  ) {
    return this.jobs.connection(status, page);
  }

  @Extensions({ cost: { assumedSize: 100 } satisfies FieldCost })
  @FieldResolver(() => [TrainingEpoch], { description: 'Finished epochs of the current attempt, in order.' })
  async epochs(@Root() job: TrainingJobView, @Ctx() { loaders }: RequestContext): Promise<TrainingEpoch[]> {
    const epochs = await this.epochsOf(loaders, job.id);
    return epochs.map((epoch) => ({ ...epoch, id: `${epoch.jobId}:${epoch.epoch}` }));
  }

  @FieldResolver(() => JobProgress, { description: 'Epochs done, last losses, elapsed and estimated remaining time.' })
  async progress(@Root() job: TrainingJobView, @Ctx() { loaders }: RequestContext): Promise<JobProgress> {
    return jobProgress(job, await this.epochsOf(loaders, job.id));
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'The model version the job registered.' })
  modelVersion(@Root() job: TrainingJobView, @Ctx() { loaders }: RequestContext) {
    return job.modelVersionId === null ? null : loadModelVersion(loaders, this.registry, job.modelVersionId);
  }

  private epochsOf(loaders: LoaderCache, jobId: number) {
    return loaders.get('trainingEpochs', (ids: readonly number[]) => this.jobs.epochsOf(ids)).load(jobId);
  }
}
