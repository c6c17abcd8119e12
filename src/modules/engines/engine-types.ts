import { EngineLabelling, EngineRole } from '@prisma/client';
import { DateTimeResolver } from 'graphql-scalars';
import { Extensions, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { FieldCost } from '../../platform/graphql/cost';
import { ENGINE_WINDOWS } from './engine-service';
import { PageOf } from '../../platform/graphql/pagination';
import { ConnectionOf } from '../../platform/graphql/connection';
import { Node } from '../../platform/graphql/node';

registerEnumType(EngineRole, {
  name: 'EngineRole',
  description: 'Where an engine history comes from (how its RUL is known: Engine.labelling).',
  valuesConfig: {
    TRAIN: { description: 'A recorded history to learn from: run until failure (C-MAPSS train files) or unlabelled.' },
    TEST: { description: 'A history truncated before failure whose true RUL after the last cycle is known (C-MAPSS test files).' },
    LIVE: { description: 'Engine created by a client that reports readings while it runs; RUL unknown.' },
  },
});

registerEnumType(EngineLabelling, {
  name: 'EngineLabelling',
  description: "How an engine's remaining useful life (RUL) is known.",
  valuesConfig: {
    RUN_TO_FAILURE: { description: 'The engine failed at its last cycle: RUL is known at every cycle.' },
    RUL_AFTER_LAST_CYCLE: { description: 'The true RUL after the last recorded cycle is known (a RUL file or column).' },
    NONE: { description: 'Unknown: the engine can train unsupervised detectors and be scored, not evaluated.' },
  },
});

@ObjectType({ description: 'A named value of a cycle.' })
export class Reading {
  @Field(() => String, { description: "Column name in the data set's catalogue." })
  name: string;

  @Field(() => Float, { description: 'Value recorded at that cycle.' })
  value: number;
}

@ObjectType({
  description: "One operating cycle of an engine: its operating settings and sensor readings, in its data set's catalogue order.",
})
export class Cycle {
  @Field(() => ID, { description: 'Cache key: engine and cycle number ("engineId:cycle").' })
  id: string;

  @Field(() => Int, { description: 'Cycle number, from 1.' })
  cycle: number;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the cycle was recorded, when its source says.' })
  recordedAt: Date | null;

  @Extensions({ cost: { assumedSize: 3 } satisfies FieldCost })
  @Field(() => [Float], { description: 'Operating settings in catalogue order (C-MAPSS: settings 1-3).' })
  settings: number[];

  @Extensions({ cost: { assumedSize: 21 } satisfies FieldCost })
  @Field(() => [Float], {
    description: 'Sensor readings in catalogue order (C-MAPSS: index 0 holds sensor 1), or those cycles(sensors:) named, in its order.',
  })
  sensors: number[];

  /** The data set's sensor and setting names, in catalogue order. */
  sensorNames: readonly string[];
  settingNames: readonly string[];

  @Field(() => [Reading], { description: 'Sensor readings with their names, in the order of sensors.' })
  get readings(): Reading[] {
    return this.sensors.map((value, index) => ({ name: this.sensorNames[index], value }));
  }

  @Field(() => [Reading], { description: 'Operating settings with their names, in catalogue order.' })
  get settingReadings(): Reading[] {
    return this.settings.map((value, index) => ({ name: this.settingNames[index], value }));
  }
}

@ObjectType({ implements: Node, description: 'A turbofan engine and its history of cycles.' })
export class Engine {
  @Field(() => Int, { description: 'Identifier of the engine.' })
  id: number;

  @Field(() => EngineRole, { description: 'Training, test or live engine.' })
  role: EngineRole;

  @Field(() => EngineLabelling, { description: 'How its remaining useful life is known.' })
  labelling: EngineLabelling;

  @Field(() => Int, {
    nullable: true,
    description:
      'Unit number within its data set and role (C-MAPSS units; 1..N in order of first appearance for non-numeric asset ids); null for live engines.',
  })
  unit: number | null;

  @Field(() => String, {
    description: 'The asset identifier in its data set (serial number, tail number; "train-7" for C-MAPSS train unit 7).',
  })
  externalId: string;

  @Field(() => Int, { nullable: true, description: 'RUL_AFTER_LAST_CYCLE engines: the true remaining useful life after the last cycle.' })
  rulAfterLastCycle: number | null;

  @Field(() => Int, { description: 'Number of the last stored cycle (0 when none).' })
  lastCycle: number;

  @Field(() => DateTimeResolver, { description: 'When the engine was created.' })
  createdAt: Date;
}

@ObjectType({ description: 'Cycles of an engine in cycle order: a cursor connection.' })
export class CycleConnection extends ConnectionOf(Cycle, 'Cycle') {}

@ObjectType({ description: 'A page of engines.' })
export class EnginePage extends PageOf(Engine) {}

@ObjectType({ description: 'Engines in id order (the order of creation): a cursor connection.' })
export class EngineConnection extends ConnectionOf(Engine, 'Engine') {}

@InputType({ description: 'Which engines to list.' })
export class EngineFilter {
  @Field(() => String, { nullable: true, description: 'Only engines of this data set (its name, in any case: FD001, fd001).' })
  dataset?: string | null;

  @Field(() => EngineRole, { nullable: true, description: 'Only engines of this role.' })
  role?: EngineRole | null;
}

@ObjectType({ description: 'A window score just stored for a live engine (engineScores subscription).' })
export class EngineScore {
  @Field(() => ID, { description: 'Cache key: engine, model version and end cycle ("engineId:modelVersionId:endCycle").' })
  id: string;

  @Field(() => Int, { description: 'The engine.' })
  engineId: number;

  @Field(() => Int, { description: 'The model version that scored the window.' })
  modelVersionId: number;

  @Field(() => Float, { description: 'Threshold of that version.' })
  threshold: number;

  @Field(() => Int, { description: 'Last cycle of the window.' })
  endCycle: number;

  @Field(() => Float, { description: 'Anomaly score of the window.' })
  score: number;

  @Field(() => Float, { description: 'Mean squared reconstruction error of the window.' })
  reconstructionError: number;

  @Field(() => Boolean, { description: 'Whether the window is flagged (score > threshold).' })
  isAnomaly: boolean;
}

@ObjectType({ description: 'The score of one window along an engine life.' })
export class TrajectoryPoint {
  @Field(() => ID, { description: 'Cache key: engine, model version and end cycle ("engineId:modelVersionId:endCycle").' })
  id: string;

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
  @Field(() => ID, {
    description:
      'Cache key: engine, model version and the cycle range asked ("engineId:modelVersionId:fromCycle-toCycle", an open end left empty).',
  })
  id: string;

  @Field(() => Int, { description: 'Engine id.' })
  engineId: number;

  @Field(() => Int, { description: 'Model version that scored the windows.' })
  modelVersionId: number;

  @Field(() => Float, { description: 'Threshold of the version.' })
  threshold: number;

  @Field(() => Int, { description: 'Cycles per window: the first point ends at this cycle.' })
  windowLength: number;

  @Extensions({ cost: { assumedSize: ENGINE_WINDOWS } satisfies FieldCost })
  @Field(() => [TrajectoryPoint], { description: 'Scores in cycle order.' })
  points: TrajectoryPoint[];

  @Extensions({ cost: { assumedSize: ENGINE_WINDOWS } satisfies FieldCost })
  @Field(() => [Int], { description: 'End cycles of the flagged windows.' })
  flaggedCycles: number[];

  @Field(() => Int, { nullable: true, description: 'First flagged end cycle; null when none is flagged.' })
  firstFlaggedCycle: number | null;
}

@InputType({ description: 'One new cycle of a live engine.' })
export class CycleInput {
  @Field(() => Int, { nullable: true, description: 'Cycle number; default the next one. Cycles are consecutive.' })
  cycle?: number | null;

  @Field(() => [Float], { description: "Operating settings, one per setting of the engine's data set, in catalogue order." })
  settings: number[];

  @Field(() => [Float], { description: "Sensor readings, one per sensor of the engine's data set, in catalogue order." })
  sensors: number[];
}

@InputType({ description: 'A live engine to create.' })
export class CreateEngineInput {
  @Field(() => String, { description: 'Client-chosen identifier, unique in its data set (serial number, tail number...).' })
  externalId: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Data set the engine belongs to (its readings follow its catalogue). Default: the active version's data set, else LIVE (C-MAPSS catalogue).",
  })
  dataset?: string | null;
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

  @Field(() => Boolean, {
    description: 'True when this is the stored answer of an earlier request with the same idempotency key (nothing was written now).',
  })
  replayed: boolean;
}
