import { EngineRole } from '@prisma/client';
import { DateTimeResolver } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageOf } from './pagination';

registerEnumType(EngineRole, {
  name: 'EngineRole',
  description: 'Where an engine history comes from.',
  valuesConfig: {
    TRAIN: { description: 'C-MAPSS training trajectory, run until failure: RUL is known at every cycle.' },
    TEST: { description: 'C-MAPSS test trajectory, truncated before failure: the true RUL after its last cycle is known.' },
    LIVE: { description: 'Engine created by a client that reports readings while it runs; RUL unknown.' },
  },
});

@ObjectType({ description: 'One operating cycle of an engine: 3 operational settings and 21 sensor readings.' })
export class Cycle {
  @Field(() => Int, { description: 'Cycle number, from 1.' })
  cycle: number;

  @Field(() => [Float], { description: 'Operational settings 1-3.' })
  settings: number[];

  @Field(() => [Float], { description: 'Sensor readings 1-21 (index 0 holds sensor 1).' })
  sensors: number[];
}

@ObjectType({ description: 'A turbofan engine and its history of cycles.' })
export class Engine {
  @Field(() => Int, { description: 'Identifier of the engine.' })
  id: number;

  @Field(() => String, { nullable: true, description: 'C-MAPSS subset the engine comes from (FD001-FD004); null for live engines.' })
  dataset: string | null;

  @Field(() => EngineRole, { description: 'Training, test or live engine.' })
  role: EngineRole;

  @Field(() => Int, { nullable: true, description: 'Unit number within its data set; null for live engines.' })
  unit: number | null;

  @Field(() => String, { nullable: true, description: 'Client-chosen identifier of a live engine.' })
  externalId: string | null;

  @Field(() => Int, { nullable: true, description: 'Test engines: the true remaining useful life after the last cycle.' })
  rulAfterLastCycle: number | null;

  @Field(() => Int, { description: 'Number of the last stored cycle (0 when none).' })
  lastCycle: number;

  @Field(() => DateTimeResolver, { description: 'When the engine was created.' })
  createdAt: Date;
}

@ObjectType({ description: 'A page of engines.' })
export class EnginePage extends PageOf(Engine) {}

@InputType({ description: 'Which engines to list.' })
export class EngineFilter {
  @Field(() => String, { nullable: true, description: 'Only engines of this C-MAPSS subset (e.g. FD001).' })
  dataset?: string | null;

  @Field(() => EngineRole, { nullable: true, description: 'Only engines of this role.' })
  role?: EngineRole | null;
}
