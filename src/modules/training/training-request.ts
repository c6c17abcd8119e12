// What a training job is asked to do: data set, engine split, windows, network, optimisation, threshold
// and scoring method. Validated once, with defaults equal to the reference configuration, and stored as
// the job's configuration so that the job is reproducible from its row alone.
import { isSubset, SUBSETS, type Subset } from '../../domain/data/cmapss';
import { REFERENCE_SPLIT, type SplitSpec } from '../../domain/data/splits';
import { DEFAULT_THRESHOLD_QUANTILE } from '../../domain/evaluation/threshold';
import {
  resolveTrainingConfig,
  TrainingConfigError,
  type TrainingConfig,
  type TrainingConfigInput,
} from '../../detectors/lstm-autoencoder/engine/training-config';
import { ErrorCode, ServiceError } from '../../platform/errors';

export interface UnitRange {
  from: number;
  to: number;
}

export interface TrainingRequestInput {
  name?: string | null;
  dataset?: string | null;
  trainUnits?: UnitRange[] | null;
  calibrationUnits?: UnitRange[] | null;
  testUnits?: UnitRange[] | null;
  healthyRul?: number | null;
  anomalyRul?: number | null;
  windowLength?: number | null;
  stride?: number | null;
  hidden?: number | null;
  code?: number | null;
  epochs?: number | null;
  batchSize?: number | null;
  learningRate?: number | null;
  weightDecay?: number | null;
  clipNorm?: number | null;
  seed?: number | null;
  earlyStoppingPatience?: number | null;
  thresholdQuantile?: number | null;
  scoringMethod?: string | null;
  activate?: boolean | null;
}

export interface TrainingRequest {
  name: string | null;
  dataset: Subset;
  split: SplitSpec;
  windowLength: number;
  stride: number;
  training: TrainingConfig;
  thresholdQuantile: number;
  scoringMethod: string;
  /** Activate the new version when the job succeeds. */
  activate: boolean;
}

export const MAX_UNITS_PER_GROUP = 1_000;

function invalid(message: string): ServiceError {
  return new ServiceError(ErrorCode.INVALID_TRAINING_CONFIG, message);
}

function expandRanges(field: string, ranges: UnitRange[] | null | undefined, fallback: number[]): number[] {
  if (ranges == null) return [...fallback];
  const units: number[] = [];
  for (const [index, range] of ranges.entries()) {
    if (!Number.isInteger(range.from) || !Number.isInteger(range.to) || range.from < 1 || range.to < range.from) {
      throw invalid(`${field}[${index}] must be a range of unit numbers with 1 <= from <= to, got ${range.from}..${range.to}`);
    }
    if (units.length + range.to - range.from + 1 > MAX_UNITS_PER_GROUP)
      throw invalid(`${field} lists more than ${MAX_UNITS_PER_GROUP} units`);
    for (let unit = range.from; unit <= range.to; unit++) units.push(unit);
  }
  if (units.length === 0) throw invalid(`${field} must list at least one unit`);
  return units;
}

function integerIn(field: string, value: number | null | undefined, fallback: number, min: number, max: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < min || resolved > max)
    throw invalid(`${field} must be an integer from ${min} to ${max}, got ${resolved}`);
  return resolved;
}

/** Fills in the defaults and validates everything but the data itself (see TrainingPipeline). */
export function resolveTrainingRequest(input: TrainingRequestInput, scoringMethods: readonly string[]): TrainingRequest {
  const dataset = (input.dataset ?? 'FD001').toUpperCase();
  if (!isSubset(dataset)) throw invalid(`dataset must be one of ${SUBSETS.join(', ')}, got "${input.dataset}"`);
  const split: SplitSpec = {
    trainUnits: expandRanges('trainUnits', input.trainUnits, REFERENCE_SPLIT.trainUnits),
    calibrationUnits: expandRanges('calibrationUnits', input.calibrationUnits, REFERENCE_SPLIT.calibrationUnits),
    testUnits: expandRanges('testUnits', input.testUnits, REFERENCE_SPLIT.testUnits),
    healthyRul: integerIn('healthyRul', input.healthyRul, REFERENCE_SPLIT.healthyRul, 1, 10_000),
    anomalyRul: integerIn('anomalyRul', input.anomalyRul, REFERENCE_SPLIT.anomalyRul, 0, 10_000),
  };
  if (split.anomalyRul >= split.healthyRul) {
    throw invalid(
      `anomalyRul (${split.anomalyRul}) must be below healthyRul (${split.healthyRul}): a window cannot be both healthy and anomalous`,
    );
  }
  const groups = [
    ['trainUnits', split.trainUnits],
    ['calibrationUnits', split.calibrationUnits],
    ['testUnits', split.testUnits],
  ] as const;
  const owner = new Map<number, string>();
  for (const [field, units] of groups) {
    for (const unit of units) {
      const other = owner.get(unit);
      if (other !== undefined) throw invalid(`unit ${unit} is in both ${other} and ${field}: the split must be engine-disjoint`);
      owner.set(unit, field);
    }
  }
  const windowLength = integerIn('windowLength', input.windowLength, 30, 2, 500);
  const stride = integerIn('stride', input.stride, 1, 1, 500);
  const thresholdQuantile = input.thresholdQuantile ?? DEFAULT_THRESHOLD_QUANTILE;
  if (!(thresholdQuantile > 0 && thresholdQuantile <= 1)) throw invalid(`thresholdQuantile must be in (0, 1], got ${thresholdQuantile}`);
  const scoringMethod = input.scoringMethod ?? scoringMethods[0];
  if (!scoringMethods.includes(scoringMethod))
    throw invalid(`scoringMethod must be one of ${scoringMethods.join(', ')}, got "${scoringMethod}"`);
  const name = input.name?.trim() || null;
  if (name !== null && name.length > 200) throw invalid('name must hold at most 200 characters');

  const trainingInput: TrainingConfigInput = {
    // The number of features is known only once sensors are selected from the data.
    architecture: {
      windowLength,
      ...(input.hidden != null ? { hidden: input.hidden } : {}),
      ...(input.code != null ? { code: input.code } : {}),
    },
    ...(input.epochs != null ? { epochs: input.epochs } : {}),
    ...(input.batchSize != null ? { batchSize: input.batchSize } : {}),
    ...(input.learningRate != null ? { learningRate: input.learningRate } : {}),
    ...(input.weightDecay != null ? { weightDecay: input.weightDecay } : {}),
    ...(input.clipNorm != null ? { clipNorm: input.clipNorm } : {}),
    ...(input.seed != null ? { seed: input.seed } : {}),
    ...(input.earlyStoppingPatience != null ? { earlyStopping: { patience: input.earlyStoppingPatience } } : {}),
  };
  let training: TrainingConfig;
  try {
    training = resolveTrainingConfig(trainingInput);
  } catch (error) {
    if (error instanceof TrainingConfigError) throw invalid(error.message);
    throw error;
  }
  if (training.epochs > 1_000) throw invalid(`epochs must be at most 1000, got ${training.epochs}`);
  if (training.batchSize > 4_096) throw invalid(`batchSize must be at most 4096, got ${training.batchSize}`);
  if (training.architecture.hidden > 512 || training.architecture.code > 512) throw invalid('hidden and code must be at most 512');
  return { name, dataset, split, windowLength, stride, training, thresholdQuantile, scoringMethod, activate: input.activate ?? false };
}
