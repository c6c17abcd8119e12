import { EngineRole } from '@prisma/client';
import { DateTimeResolver } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageOf } from '../../platform/graphql/pagination';

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

@ObjectType({ description: 'The score of one window along an engine life.' })
export class TrajectoryPoint {
  @Field(() => Int, { description: 'Last cycle of the window.' })
  endCycle: number;

  @Field(() => Float, { description: 'Anomaly score of the window.' })
  score: number;

  @Field(() => Float, { description: 'Mean squared reconstruction error of the window.' })
  reconstructionError: number;

  @Field(() => Boolean, { description: 'Whether the window is flagged (score > threshold).' })
  isAnomaly: boolean;

  @Field(() => Int, { nullable: true, description: 'Remaining useful life at the window last cycle, when known.' })
  rul: number | null;
}

@ObjectType({ description: "An engine's score trajectory under one model version: every window (stride 1) in cycle order." })
export class Trajectory {
  @Field(() => Int, { description: 'Engine id.' })
  engineId: number;

  @Field(() => Int, { description: 'Model version that scored the windows.' })
  modelVersionId: number;

  @Field(() => Float, { description: 'Threshold of the version.' })
  threshold: number;

  @Field(() => Int, { description: 'Cycles per window: the first point ends at this cycle.' })
  windowLength: number;

  @Field(() => [TrajectoryPoint], { description: 'Scores in cycle order.' })
  points: TrajectoryPoint[];

  @Field(() => [Int], { description: 'End cycles of the flagged windows.' })
  flaggedCycles: number[];

  @Field(() => Int, { nullable: true, description: 'First flagged end cycle; null when none is flagged.' })
  firstFlaggedCycle: number | null;
}

@InputType({ description: 'One new cycle of a live engine.' })
export class CycleInput {
  @Field(() => Int, { nullable: true, description: 'Cycle number; default the next one. Cycles are consecutive.' })
  cycle?: number | null;

  @Field(() => [Float], { description: 'Operational settings 1-3.' })
  settings: number[];

  @Field(() => [Float], { description: 'Sensor readings 1-21 (index 0 holds sensor 1).' })
  sensors: number[];
}

@InputType({ description: 'A live engine to create.' })
export class CreateEngineInput {
  @Field(() => String, { description: 'Client-chosen unique identifier (serial number, tail number...).' })
  externalId: string;
}

@ObjectType({ description: 'What appendCycles stored and, when asked, the scores of the new complete windows.' })
export class AppendCyclesResult {
  @Field(() => Engine, { description: 'The engine after the append.' })
  engine: Engine;

  @Field(() => [Int], { description: 'Numbers of the cycles stored.' })
  appendedCycles: number[];

  @Field(() => Trajectory, {
    nullable: true,
    description: 'With score: true, the windows completed by these cycles, scored by the active version.',
  })
  scored: Trajectory | null;
}
