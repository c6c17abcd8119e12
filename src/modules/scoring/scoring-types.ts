import { DateTimeResolver, SafeIntResolver } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { RECENT_RESIDUAL_STEPS } from '../../detectors/lstm-autoencoder/engine';
import { LOOK_BACK_CYCLES } from '../../domain/data/windows';
import { ModelVersion } from '../registry/model-version-types';
import { ReadingList, ReadingMatrix } from '../../platform/graphql/scalars';

@InputType({ description: 'The readings of one sensor over the window, oldest cycle first.' })
export class SensorColumnInput {
  @Field(() => String, {
    description: 'Sensor name, sensor1 to sensor21; or a setting name (setting1 to setting3) for a version with operating regimes.',
  })
  sensor: string;

  @Field(() => ReadingList, { description: 'One reading per cycle of the window, oldest first.' })
  values: number[];
}

@InputType({
  description:
    'One window of raw (not normalised) sensor readings: either `values` (one row per cycle, oldest first, each row in the sensor order the model version declares) or `columns` (named sensors, any order; sensors the version does not use are ignored). A version with operating regimes (modelVersion.regimes) also needs the settings of every row: `settings` beside `values`, or setting columns among `columns`.',
})
export class WindowInput {
  @Field(() => ReadingMatrix, {
    nullable: true,
    description:
      `windowLength rows of readings in the model version sensor order; or up to ${LOOK_BACK_CYCLES} more rows before them, the engine's ` +
      'earlier cycles, which a version that looks back (scoringMethod.definition.lookBack) compares the window with (others ignore them).',
  })
  values?: number[][] | null;

  @Field(() => ReadingMatrix, {
    nullable: true,
    description:
      'With values, for a version with operating regimes: the operational settings of every row of values (modelVersion.regimes.settings order).',
  })
  settings?: number[][] | null;

  @Field(() => [SensorColumnInput], {
    nullable: true,
    description: `Named sensor columns, each windowLength readings long, or all up to ${LOOK_BACK_CYCLES} longer with the engine's earlier cycles first (as values).`,
  })
  columns?: SensorColumnInput[] | null;

  @Field(() => Int, { nullable: true, description: 'Engine the window belongs to (with endCycle).' })
  engineId?: number | null;

  @Field(() => Int, { nullable: true, description: 'Cycle number of the window last row (with engineId).' })
  endCycle?: number | null;
}

@ObjectType({ description: "A sensor's part in a window's reconstruction error." })
export class SensorContribution {
  @Field(() => String, { description: 'Sensor name.' })
  sensor: string;

  @Field(() => Float, { description: 'Mean squared reconstruction error of this sensor over the window (normalised units).' })
  error: number;

  @Field(() => Float, { description: "This sensor's share of the window's total error, from 0 to 1." })
  share: number;

  @Field(() => Float, {
    nullable: true,
    description:
      `Mean signed residual over the window's last ${RECENT_RESIDUAL_STEPS} cycles (all of them in a shorter window): the reading minus ` +
      'what the network reconstructs, in standard deviations of the healthy training readings. Positive: the sensor reads higher than a healthy engine would; negative: lower. Null for scores stored before it was recorded.',
  })
  residual: number | null;
}

@ObjectType({ description: 'The verdict of a model version on a window.' })
export class WindowScore {
  @Field(() => SafeIntResolver, { description: 'Stored window id (64-bit in the database; exact as a JSON number up to 2^53 - 1).' })
  windowId: number;

  @Field(() => Int, { description: 'Model version that scored the window.' })
  modelVersionId: number;

  @Field(() => Float, { description: 'Anomaly score, compared with the threshold.' })
  score: number;

  @Field(() => Float, { description: 'Threshold of the model version: score > threshold flags the window.' })
  threshold: number;

  @Field(() => Boolean, { description: 'Whether the window is flagged anomalous.' })
  isAnomaly: boolean;

  @Field(() => Float, { description: 'Mean squared reconstruction error of the normalised window.' })
  reconstructionError: number;

  @Field(() => [SensorContribution], { description: 'Each sensor error and share of the total, largest first: what drives an alarm.' })
  contributions: SensorContribution[];

  @Field(() => Int, { nullable: true, description: 'Engine the window belongs to, when known.' })
  engineId: number | null;

  @Field(() => Int, { nullable: true, description: 'Cycle of the window last row, when known.' })
  endCycle: number | null;

  @Field(() => Boolean, { description: 'True when the score was read from storage (this window was scored by this version before).' })
  cached: boolean;

  @Field(() => DateTimeResolver, { description: 'When the score was first computed.' })
  scoredAt: Date;

  @Field(() => ModelVersion, { description: 'The model version used.' })
  modelVersion: ModelVersion;
}
