import { ApiRole, JobStatus, type TrainingJob as TrainingJobRow } from '@prisma/client';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { jobProgress } from '../../services/trainingJobService';
import type { RequestContext } from '../context';
import { ModelVersion } from '../types/modelVersion';
import { PageInput } from '../types/pagination';
import { JobProgress, TrainingEpoch, TrainingJob, TrainingJobPage, TrainModelInput } from '../types/trainingJob';

@Resolver(() => TrainingJob)
export class TrainingJobResolver {
  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => TrainingJob, {
    description:
      'Queues a training job: fit on healthy windows, calibrate the threshold, evaluate on the test engines and register a model version. Returns at once; follow it with trainingJob(id).',
  })
  trainModel(@Ctx() { services }: RequestContext, @Arg('input', () => TrainModelInput, { nullable: true, description: 'What to train; defaults to the reference configuration.' }) input?: TrainModelInput) {
    return services.jobs.enqueue(input ?? {});
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => TrainingJob, { description: 'Cancels a queued or running training job (CONFLICT when it has finished).' })
  cancelTrainingJob(@Arg('id', () => Int, { description: 'Training job id.' }) id: number, @Ctx() { services }: RequestContext) {
    return services.jobs.cancel(id);
  }

  @Authorized(ApiRole.READER)
  @Query(() => TrainingJob, { nullable: true, description: 'One training job; null with a NOT_FOUND error when it does not exist.' })
  trainingJob(@Arg('id', () => Int, { description: 'Training job id.' }) id: number, @Ctx() { services }: RequestContext) {
    return services.jobs.get(id);
  }

  @Authorized(ApiRole.READER)
  @Query(() => TrainingJobPage, { description: 'Training jobs, newest first, optionally of one status.' })
  trainingJobs(
    @Ctx() { services }: RequestContext,
    @Arg('status', () => JobStatus, { nullable: true, description: 'Only jobs in this state.' }) status?: JobStatus,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ) {
    return services.jobs.list(status, page);
  }

  @FieldResolver(() => [TrainingEpoch], { description: 'Finished epochs of the current attempt, in order.' })
  epochs(@Root() job: TrainingJobRow, @Ctx() { loaders }: RequestContext) {
    return loaders.trainingEpochs.load(job.id);
  }

  @FieldResolver(() => JobProgress, { description: 'Epochs done, last losses, elapsed and estimated remaining time.' })
  async progress(@Root() job: TrainingJobRow, @Ctx() { loaders }: RequestContext): Promise<JobProgress> {
    return jobProgress(job, await loaders.trainingEpochs.load(job.id));
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'The model version the job registered.' })
  modelVersion(@Root() job: TrainingJobRow, @Ctx() { loaders }: RequestContext) {
    return job.modelVersionId === null ? null : loaders.modelVersion.load(job.modelVersionId);
  }
}
