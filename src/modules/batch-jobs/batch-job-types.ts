import { BatchJobKind, EngineRole } from '@prisma/client';
import { JSONObjectResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageOf } from '../../platform/graphql/pagination';
import { ConnectionOf } from '../../platform/graphql/connection';
import { UnitRangeInput } from '../training/training-job-types';
import { Job } from '../../platform/graphql/job';
import { Node } from '../../platform/graphql/node';

registerEnumType(BatchJobKind, {
  name: 'BatchJobKind',
  description: 'What a batch job does.',
  valuesConfig: {
    EVALUATION: { description: 'Evaluates a model version on many labelled engines and stores the evaluation (startEvaluation).' },
    SCORING: { description: 'Scores every window of many engines with a model version: stored scores, alerts raised (startScoring).' },
  },
});

@InputType({
  description: 'The engines a scoring job scores: those of a data set (optionally one role, and some units of that role), or listed by id.',
})
export class ScoringBatchInput {
  @Field(() => String, { nullable: true, description: 'Data set whose engines are scored (name, any case).' })
  dataset?: string | null;

  @Field(() => EngineRole, { nullable: true, description: 'Only engines of this role (default: every role).' })
  role?: EngineRole | null;

  @Field(() => [UnitRangeInput], { nullable: true, description: 'Only these units of the role (needs role).' })
  units?: UnitRangeInput[] | null;

  @Field(() => [Int], { nullable: true, description: 'Engines by id, instead of a data set.' })
  engineIds?: number[] | null;
}

@ObjectType({ description: 'Where a batch job stands: engines finished of those it works through, and their windows.' })
export class BatchProgress {
  @Field(() => ID, { description: 'Cache key: the id of the batch job it describes.' })
  id: string;

  @Field(() => Int, { description: 'Engines finished (scored, and summarised in engines).' })
  enginesDone: number;

  @Field(() => Int, { description: 'Engines the job works through.' })
  totalEngines: number;

  @Field(() => Int, { description: 'Windows of the finished engines.' })
  windowsDone: number;

  @Field(() => Int, { description: 'Windows of every engine of the job, counted when it was queued.' })
  totalWindows: number;
}

@ObjectType({ description: 'What one engine of a batch job came to under its model version.' })
export class BatchJobEngineResult {
  @Field(() => ID, { description: 'Cache key: "jobId:engineId".' })
  id: string;

  @Field(() => Int, { description: 'The engine.' })
  engineId: number;

  @Field(() => Int, { description: 'Its windows scored (stored) under the version.' })
  windows: number;

  @Field(() => Int, { description: 'Windows above the version threshold.' })
  flagged: number;

  @Field(() => Int, { nullable: true, description: 'Last cycle of its first flagged window; null when none is flagged.' })
  firstFlaggedCycle: number | null;
}

@ObjectType({ description: 'A page of engine results of a batch job, by engine id.' })
export class BatchJobEngineResultPage extends PageOf(BatchJobEngineResult) {}

@ObjectType({ description: 'Engine results of a batch job, by engine id: a cursor connection.' })
export class BatchJobEngineResultConnection extends ConnectionOf(BatchJobEngineResult, 'BatchJobEngineResult') {}

@ObjectType({
  implements: [Node, Job],
  description:
    'Background work of a model version over many engines: an evaluation or a scoring. Queued at once; a worker runs it engine by engine (a retried attempt resumes after the engines it finished).',
})
export class BatchJob extends Job {
  @Field(() => BatchJobKind, { description: 'Evaluation or scoring.' })
  kind: BatchJobKind;

  @Field(() => Int, { description: 'The model version it evaluates or scores with.' })
  modelVersionId: number;

  @Field(() => JSONObjectResolver, {
    description:
      'The request as resolved when queued: for an evaluation the split (dataset, role, units, anomalyRul, healthyRul); for a scoring dataset, role, units or engineIds.',
  })
  request: Record<string, unknown>;

  @Field(() => Int, { nullable: true, description: 'The evaluation an evaluation job stored (once SUCCEEDED).' })
  evaluationId: number | null;
}

@ObjectType({ description: 'A page of batch jobs.' })
export class BatchJobPage extends PageOf(BatchJob) {}

@ObjectType({ description: 'Batch jobs, newest first: a cursor connection.' })
export class BatchJobConnection extends ConnectionOf(BatchJob, 'BatchJob') {}
