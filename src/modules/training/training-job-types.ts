import { JSONObjectResolver } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageOf } from '../../platform/graphql/pagination';
import { ConnectionOf } from '../../platform/graphql/connection';
import { addKindOptionFields } from './detector-kind-types';
import { Job } from '../../platform/graphql/job';
import { Node } from '../../platform/graphql/node';
import { AlertRuleInput } from '../alerts/alert-rule-types';

export enum RegimeMode {
  AUTO = 'AUTO',
  OFF = 'OFF',
}

registerEnumType(RegimeMode, {
  name: 'RegimeMode',
  description: 'Whether sensors are normalised within operating regimes.',
  valuesConfig: {
    AUTO: { description: "On when the training engines' settings form several tight clusters (multi-condition data), off otherwise." },
    OFF: { description: 'One normalisation for every operating condition.' },
  },
});

@InputType({ description: 'An inclusive range of C-MAPSS unit numbers.' })
export class UnitRangeInput {
  @Field(() => Int, { description: 'First unit.' })
  from: number;

  @Field(() => Int, { description: 'Last unit.' })
  to: number;
}

@InputType({
  description:
    "What to train. Every field is optional; the defaults are the reference configuration on FD001 (an LSTM autoencoder). The chosen kind's options go in the field named after it (see detectorKinds).",
})
export class TrainModelInput {
  [kindOptions: string]: unknown;

  @Field(() => String, {
    nullable: true,
    description: 'Detector kind (default lstm-autoencoder); detectorKinds lists them with their options.',
  })
  kind?: string;

  @Field(() => String, { nullable: true, description: 'A name for the resulting model version.' })
  name?: string;

  @Field(() => String, { nullable: true, description: 'C-MAPSS subset whose training engines are used (default FD001).' })
  dataset?: string;

  @Field(() => [UnitRangeInput], { nullable: true, description: 'Engines whose healthy windows train the network (default 1-70).' })
  trainUnits?: UnitRangeInput[];

  @Field(() => [UnitRangeInput], { nullable: true, description: 'Engines whose healthy windows calibrate the threshold (default 71-80).' })
  calibrationUnits?: UnitRangeInput[];

  @Field(() => [UnitRangeInput], { nullable: true, description: 'Engines whose windows evaluate the version (default 81-100).' })
  testUnits?: UnitRangeInput[];

  @Field(() => Int, { nullable: true, description: 'A cycle is healthy when its RUL exceeds this (default 100).' })
  healthyRul?: number;

  @Field(() => Int, { nullable: true, description: 'A test window is anomalous when its RUL is at most this (default 30).' })
  anomalyRul?: number;

  @Field(() => Int, { nullable: true, description: 'Cycles per window (default 30).' })
  windowLength?: number;

  @Field(() => Int, { nullable: true, description: 'Cycles between successive windows (default 1).' })
  stride?: number;

  @Field(() => RegimeMode, {
    nullable: true,
    description:
      'Operating regimes (default AUTO): AUTO normalises each sensor within the regime of its row when the settings of the training engines form several tight clusters (k-means), OFF never does.',
  })
  regimes?: RegimeMode;

  @Field(() => Int, { nullable: true, description: 'A fixed number of operating regimes (1 to 10), instead of detecting them.' })
  regimeCount?: number;

  @Field(() => Int, {
    nullable: true,
    deprecationReason: 'Use lstmAutoencoder { hidden }: the options of each detector kind are in the field named after it.',
    description: 'LSTM state size (default 64).',
  })
  hidden?: number;

  @Field(() => Int, {
    nullable: true,
    deprecationReason: 'Use lstmAutoencoder { code }: the options of each detector kind are in the field named after it.',
    description: 'Bottleneck code size (default 16).',
  })
  code?: number;

  @Field(() => Int, {
    nullable: true,
    deprecationReason: 'Use lstmAutoencoder { epochs }: the options of each detector kind are in the field named after it.',
    description: 'Training epochs (default 80).',
  })
  epochs?: number;

  @Field(() => Int, {
    nullable: true,
    deprecationReason: 'Use lstmAutoencoder { batchSize }: the options of each detector kind are in the field named after it.',
    description: 'Windows per batch (default 128).',
  })
  batchSize?: number;

  @Field(() => Float, {
    nullable: true,
    deprecationReason: 'Use lstmAutoencoder { learningRate }: the options of each detector kind are in the field named after it.',
    description: 'Adam learning rate, decayed to 0 on a cosine (default 0.002).',
  })
  learningRate?: number;

  @Field(() => Float, {
    nullable: true,
    deprecationReason: 'Use lstmAutoencoder { weightDecay }: the options of each detector kind are in the field named after it.',
    description: 'L2 weight decay (default 1e-5).',
  })
  weightDecay?: number;

  @Field(() => Float, {
    nullable: true,
    deprecationReason: 'Use lstmAutoencoder { clipNorm }: the options of each detector kind are in the field named after it.',
    description: 'Global gradient-norm clipping (default 1).',
  })
  clipNorm?: number;

  @Field(() => Int, {
    nullable: true,
    deprecationReason: 'Use lstmAutoencoder { seed }: the options of each detector kind are in the field named after it.',
    description: 'Random seed of initialisation and shuffling (default 0).',
  })
  seed?: number;

  @Field(() => Int, {
    nullable: true,
    deprecationReason: 'Use lstmAutoencoder { earlyStoppingPatience }: the options of each detector kind are in the field named after it.',
    description: 'Stop after this many epochs without validation improvement (default: no early stopping).',
  })
  earlyStoppingPatience?: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Quantile of the healthy calibration scores used as threshold (default 0.99); used by reconstruction-error only.',
  })
  thresholdQuantile?: number;

  @Field(() => String, {
    nullable: true,
    deprecationReason: 'Use lstmAutoencoder { scoringMethod }: the options of each detector kind are in the field named after it.',
    description:
      'Scoring method: reconstruction-error (default, the reference: mean squared error, threshold at thresholdQuantile of the healthy calibration windows) ' +
      'normalised-error (trimmed mean of per-sensor log error ratios to their healthy training level) or degradation-logistic (log-odds of ' +
      "RUL <= anomalyRul from the per-sensor log error ratios, signed residuals and their slopes, and the window's own readings: recent mean, slope and deviation; a logistic regression cross-fitted on the training and calibration engines' " +
      "labelled trajectories); the last two set the threshold that flags 95% of the anomalous windows of the calibration engines' trajectories " +
      '(normalised-error) or of the out-of-fold scores of both sets (degradation-logistic). ' +
      "Every method scores a window from its own errors; degradation-logistic also from its engine's readings 50 cycles earlier " +
      "(a window scored alone reads as an engine's first).",
  })
  scoringMethod?: string;

  @Field(() => Boolean, { nullable: true, description: 'Activate the new version when the job succeeds (default false).' })
  activate?: boolean;

  @Field(() => AlertRuleInput, {
    nullable: true,
    description:
      "The version's alert rule (default: the rule measured on FD001's calibration engines, docs/alerts.md); setAlertRule changes it later.",
  })
  alertRule?: AlertRuleInput;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "Choose the alert rule's k, n and m on the calibration engines (default false): the fewest spurious alerts that still alert, before failure, every failing calibration engine one window above the threshold alerts (docs/alerts.md); recorded in trainedOn.alertRuleChoice. Needs labelled engines; alertRule may give the other settings.",
  })
  chooseAlertRule?: boolean;
}
addKindOptionFields(TrainModelInput);

@ObjectType({ description: 'One finished training epoch.' })
export class TrainingEpoch {
  @Field(() => ID, { description: 'Cache key: training job and epoch ("jobId:epoch").' })
  id: string;

  @Field(() => Int, { description: 'Epoch number (a step of the fit for kinds that are not networks), from 1.' })
  epoch: number;

  @Field(() => Float, { nullable: true, description: 'Mean training loss (MSE) of the epoch; null for kinds fitted in one go.' })
  loss: number | null;

  @Field(() => Float, { nullable: true, description: 'Loss on the calibration windows after the epoch.' })
  validationLoss: number | null;

  @Field(() => Float, { nullable: true, description: 'Learning rate of the epoch; null for kinds fitted in one go.' })
  learningRate: number | null;

  @Field(() => Int, { description: 'Milliseconds since the training started.' })
  elapsedMs: number;
}

@ObjectType({ description: 'Where a training job stands.' })
export class JobProgress {
  @Field(() => ID, { description: 'Cache key: the id of the training job it describes.' })
  id: string;

  @Field(() => Int, { description: 'Epochs finished.' })
  epochsCompleted: number;

  @Field(() => Int, { description: 'Epochs asked for.' })
  totalEpochs: number;

  @Field(() => Float, { nullable: true, description: 'Training loss of the last epoch.' })
  lastLoss: number | null;

  @Field(() => Float, { nullable: true, description: 'Validation loss of the last epoch.' })
  lastValidationLoss: number | null;

  @Field(() => Int, { nullable: true, description: 'Milliseconds of training so far.' })
  elapsedMs: number | null;

  @Field(() => Int, { nullable: true, description: 'Estimated milliseconds of training left (while running).' })
  estimatedRemainingMs: number | null;
}

@ObjectType({ implements: [Node, Job], description: 'A request to train, calibrate, evaluate and register a model version.' })
export class TrainingJob extends Job {
  @Field(() => JSONObjectResolver, { description: 'The validated configuration, with every default filled in.' })
  config: Record<string, unknown>;

  @Field(() => Int, { description: 'Epochs asked for.' })
  totalEpochs: number;

  @Field(() => Int, { nullable: true, description: 'The model version the job registered.' })
  modelVersionId: number | null;
}

@ObjectType({ description: 'A page of training jobs.' })
export class TrainingJobPage extends PageOf(TrainingJob) {}

@ObjectType({ description: 'Training jobs, newest first: a cursor connection.' })
export class TrainingJobConnection extends ConnectionOf(TrainingJob, 'TrainingJob') {}
