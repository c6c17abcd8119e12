import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ModelVersion } from '../registry/model-version-types';
import { SERVICE_INFO_ID } from './service-info-service';

@ObjectType({ description: 'Row counts of the main tables.' })
export class ServiceCounts {
  @Field(() => ID, { description: `Cache key: always "${SERVICE_INFO_ID}" (one service, whichever replica answers).` })
  id: string;

  @Field(() => Int, { description: 'Engines.' })
  engines: number;

  @Field(() => Int, { description: 'Stored cycles.' })
  cycles: number;

  @Field(() => Int, { description: 'Stored windows.' })
  windows: number;

  @Field(() => Int, { description: 'Stored scores.' })
  scores: number;

  @Field(() => Int, { description: 'Model versions.' })
  modelVersions: number;

  @Field(() => Int, { description: 'Training jobs.' })
  trainingJobs: number;
}

@ObjectType({ description: 'What the service runs on and what it holds.' })
export class ServiceInfo {
  @Field(() => ID, { description: `Cache key: always "${SERVICE_INFO_ID}" (one service, whichever replica answers).` })
  id: string;

  @Field(() => String, { description: 'Version of this service.' })
  serviceVersion: string;

  @Field(() => String, { description: 'Node.js version.' })
  nodeVersion: string;

  @Field(() => String, { description: 'TensorFlow.js version.' })
  tfjsVersion: string;

  @Field(() => String, { description: 'TensorFlow.js backend in use: tensorflow (tfjs-node), wasm or cpu.' })
  tfjsBackend: string;

  @Field(() => String, { description: 'Database: postgresql, or embedded (PGlite).' })
  databaseKind: string;

  @Field(() => ModelVersion, { nullable: true, description: 'The version scoring uses by default.' })
  activeModelVersion: ModelVersion | null;

  @Field(() => Int, { nullable: true, description: 'Training job running in this process, if any.' })
  runningTrainingJobId: number | null;

  @Field(() => DateTimeResolver, { description: 'When this process started.' })
  startedAt: Date;

  @Field(() => ServiceCounts, { description: 'Row counts.' })
  counts: ServiceCounts;
}
