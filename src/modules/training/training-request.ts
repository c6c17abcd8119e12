// What a training job is asked to do: data set, engine split, windows, detector kind and its options,
// threshold. Validated once, with defaults equal to the reference configuration, and stored as the job's
// configuration so that the job is reproducible from its row alone.
import { MAX_REGIMES, type RegimeRequest } from '../../domain/data/regimes';
import { REFERENCE_SPLIT, type SplitSpec } from '../../domain/data/splits';
import { DEFAULT_THRESHOLD_QUANTILE } from '../../domain/evaluation/threshold';
import { DetectorOptionError } from '../../detectors/detector';
import { DEFAULT_DETECTOR_KIND, detectorKind, type AnyDetectorKind } from '../../detectors/registry';
import { lstmAutoencoderKind } from '../../detectors/lstm-autoencoder';
import { ErrorCode, ServiceError } from '../../platform/errors';
import { changedAlertRule, DEFAULT_ALERT_RULE, type AlertRuleChange, type AlertRuleSettings } from '../../domain/alerts/alert-rule';
import { AlertRuleInputError } from '../../domain/alerts/errors';

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
  /** Operating regimes: AUTO (default: on when the settings form several tight clusters) or OFF. */
  regimes?: 'AUTO' | 'OFF' | null;
  /** A fixed number of operating regimes (overrides AUTO). */
  regimeCount?: number | null;
  /** Detector kind (default lstm-autoencoder). */
  kind?: string | null;
  /** Options per kind name; only the chosen kind's may be given. */
  kindOptions?: Readonly<Record<string, Readonly<Record<string, unknown>> | null | undefined>> | null;
  /** The version's alert rule: settings changed from the default. */
  alertRule?: AlertRuleChange | null;
  /** Choose the rule's k, n and m on the calibration engines. */
  chooseAlertRule?: boolean | null;
}

/** The autoencoder's options that trainModel also accepts at its top level (how clients gave them before kinds). */
export const TOP_LEVEL_AUTOENCODER_OPTIONS = [
  'hidden',
  'code',
  'epochs',
  'batchSize',
  'learningRate',
  'weightDecay',
  'clipNorm',
  'seed',
  'earlyStoppingPatience',
  'scoringMethod',
] as const;

export interface TrainingRequest {
  name: string | null;
  /** The data set's name, as stored (the service resolves the name given in any case). */
  dataset: string;
  split: SplitSpec;
  windowLength: number;
  stride: number;
  /** How the sensors are normalised: within operating regimes or not. */
  regimes: RegimeRequest;
  thresholdQuantile: number;
  kind: string;
  /** The kind's options, resolved by the kind (defaults filled in). */
  options: Record<string, unknown>;
  /** Activate the new version when the job succeeds. */
  activate: boolean;
  /** The version's alert rule (its k, n and m replaced by the choice when chooseAlertRule). */
  alertRule: AlertRuleSettings;
  /** Choose k, n and m on the calibration engines (src/domain/alerts/rule-choice.ts). */
  chooseAlertRule: boolean;
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
export function resolveTrainingRequest(input: TrainingRequestInput): TrainingRequest {
  const dataset = input.dataset?.trim() || 'FD001';
  if (dataset.length > 200) throw invalid('dataset must name a data set in at most 200 characters');
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
  const name = input.name?.trim() || null;
  if (name !== null && name.length > 200) throw invalid('name must hold at most 200 characters');
  const { kind, options } = resolveKindOptions(input);
  return {
    name,
    dataset,
    split,
    windowLength,
    stride,
    regimes: resolveRegimes(input),
    thresholdQuantile,
    kind: kind.name,
    options,
    activate: input.activate ?? false,
    alertRule: resolveAlertRule(input.alertRule),
    chooseAlertRule: resolveRuleChoice(input),
  };
}

function resolveRuleChoice(input: TrainingRequestInput): boolean {
  const choose = input.chooseAlertRule ?? false;
  const given = (['k', 'n', 'm'] as const).filter((setting) => input.alertRule?.[setting] != null);
  if (choose && given.length > 0) {
    throw invalid(`chooseAlertRule chooses k, n and m on the calibration engines: ${given.join(', ')} cannot be given too`);
  }
  return choose;
}

function resolveAlertRule(change: AlertRuleChange | null | undefined): AlertRuleSettings {
  try {
    return changedAlertRule(DEFAULT_ALERT_RULE, change);
  } catch (error) {
    if (error instanceof AlertRuleInputError) throw invalid(`alertRule: ${error.message}`);
    throw error;
  }
}

function resolveRegimes(input: TrainingRequestInput): RegimeRequest {
  if (input.regimeCount != null) {
    if (input.regimes === 'OFF') throw invalid('regimeCount asks for operating regimes, but regimes is OFF');
    return { mode: 'fixed', count: integerIn('regimeCount', input.regimeCount, 1, 1, MAX_REGIMES) };
  }
  return input.regimes === 'OFF' ? { mode: 'off' } : { mode: 'auto' };
}

/** The chosen kind and its options, from the kind's own input or, for the autoencoder, trainModel's top-level fields. */
function resolveKindOptions(input: TrainingRequestInput): { kind: AnyDetectorKind; options: Record<string, unknown> } {
  let kind: AnyDetectorKind;
  try {
    kind = detectorKind(input.kind ?? DEFAULT_DETECTOR_KIND);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const given = Object.entries(input.kindOptions ?? {}).filter(([, value]) => value != null);
  const other = given.find(([name]) => name !== kind.name);
  if (other) throw invalid(`options for ${other[0]} were given, but kind is ${kind.name}`);
  const ownInput: Record<string, unknown> = { ...(input.kindOptions?.[kind.name] ?? {}) };
  const topLevel = TOP_LEVEL_AUTOENCODER_OPTIONS.filter((option) => input[option] != null);
  if (topLevel.length > 0) {
    if (kind !== lstmAutoencoderKind) throw invalid(`${topLevel.join(', ')} are options of lstm-autoencoder, but kind is ${kind.name}`);
    const twice = topLevel.filter((option) => ownInput[option] != null);
    if (twice.length > 0) throw invalid(`${twice.join(', ')} given twice: at the top level and in the kind's options`);
    for (const option of topLevel) ownInput[option] = input[option];
  }
  try {
    return { kind, options: kind.resolveOptions(ownInput) as Record<string, unknown> };
  } catch (error) {
    if (error instanceof DetectorOptionError) throw invalid(`${kind.name}: ${error.message}`);
    throw error;
  }
}

/**
 * A job's stored configuration as a request. Jobs queued before detector kinds stored the autoencoder's
 * resolved training configuration and scoring method instead of a kind and its options.
 */
export function storedTrainingRequest(config: unknown): TrainingRequest {
  const stored = config as Omit<TrainingRequest, 'regimes' | 'alertRule' | 'chooseAlertRule'> & {
    regimes?: RegimeRequest;
    alertRule?: AlertRuleSettings;
    chooseAlertRule?: boolean;
    training?: LegacyTrainingConfig;
    scoringMethod?: string;
  };
  // Jobs queued before versions carried a rule get the rule every version had then.
  const alertRule = stored.alertRule ?? { ...DEFAULT_ALERT_RULE };
  const chooseAlertRule = stored.chooseAlertRule ?? false;
  if (stored.kind) return { ...stored, regimes: stored.regimes ?? { mode: 'auto' }, alertRule, chooseAlertRule };
  const { training, scoringMethod, ...rest } = stored;
  const options = lstmAutoencoderKind.resolveOptions({
    hidden: training?.architecture.hidden,
    code: training?.architecture.code,
    epochs: training?.epochs,
    batchSize: training?.batchSize,
    learningRate: training?.learningRate,
    weightDecay: training?.weightDecay,
    clipNorm: training?.clipNorm,
    seed: training?.seed,
    earlyStoppingPatience: training?.earlyStopping?.patience,
    scoringMethod,
  });
  return {
    ...rest,
    regimes: { mode: 'auto' },
    kind: lstmAutoencoderKind.name,
    options: options as unknown as Record<string, unknown>,
    alertRule,
    chooseAlertRule,
  };
}

interface LegacyTrainingConfig {
  architecture: { hidden: number; code: number };
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  clipNorm: number | null;
  seed: number;
  earlyStopping: { patience: number } | null;
}
