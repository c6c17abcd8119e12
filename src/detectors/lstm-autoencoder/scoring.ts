// The scoring methods a model version can use, as the services see them: fitted once at training from
// the reconstruction errors of the healthy training windows, calibrated (threshold) on the calibration
// engines, stored with the version (model_versions.scoring_method) and applied to the reconstruction
// errors of windows being scored. The methods themselves are pure functions in
// ./scoring-methods.ts; every method scores a window from its own errors, and a 'degradation-logistic'
// fitted with a look-back also from its engine's earlier readings (WindowBatch.earlier), which live
// engines and stored trajectories carry and a client's lone window does not.
import {
  applyScoringMethod,
  calibrateMethodThreshold,
  fitScoringMethodWithScores,
  parseScoringMethod,
  SCORING_METHOD_KINDS,
  type ScoringMethod,
  type ScoringMethodKind,
} from './scoring-methods';
import type { ReconstructionErrors } from './engine';
import type { EarlierReadings } from '../../domain/data/windows';

/** The first is the default (the reference's). */
export const SCORING_METHODS: readonly ScoringMethodKind[] = SCORING_METHOD_KINDS;

export interface FittedScoring {
  /** JSON-safe, stored as model_versions.scoring_method. */
  definition: ScoringMethod;
  /** A cross-fitted method's out-of-fold scores, what its threshold is set on (FittedScoringMethod); not stored. */
  outOfFold?: { scores: Float64Array; labels: Uint8Array } | null;
}

/** Labelled windows' errors, and the engine of each (cross-fitting keeps an engine's windows together). */
export interface LabelledErrors {
  errors: ReconstructionErrors;
  labels: Uint8Array;
  engines: ArrayLike<number>;
  earlier?: EarlierReadings;
}

export interface ScoringInputs {
  /** Healthy training windows. */
  train: ReconstructionErrors;
  features: number;
  /** Every window of the training engines, labelled (needed by 'degradation-logistic'; see fitsOnTrajectories). */
  trainTrajectories?: LabelledErrors | null;
  /** Every window of the calibration engines, labelled ('degradation-logistic' is cross-fitted on both sets). */
  calibrationTrajectories?: LabelledErrors | null;
}

/** Whether fitting this method needs the training engines' labelled full trajectories. */
export function fitsOnTrajectories(kind: string): boolean {
  return kind === 'degradation-logistic';
}

export function fitScoring(kind: string, inputs: ScoringInputs): FittedScoring {
  const trajectories = inputs.trainTrajectories;
  const selection = inputs.calibrationTrajectories;
  const labelled = ({ errors, labels, engines, earlier }: LabelledErrors) => ({ ...errors, labels, engines, earlier });
  const fitted = fitScoringMethodWithScores(kind as ScoringMethodKind, {
    features: inputs.features,
    train: inputs.train,
    ...(trajectories ? { trainTrajectories: labelled(trajectories) } : {}),
    ...(selection ? { calibrationTrajectories: labelled(selection) } : {}),
  });
  return { definition: fitted.method, outOfFold: fitted.outOfFold };
}

/** A stored definition read back and checked (a version whose definition does not parse cannot score). */
export function storedScoring(definition: unknown, features: number): FittedScoring {
  return { definition: parseScoringMethod(definition, features) };
}

/** Scores of the first `count` windows of `errors` (as reconstructionErrors returns them), with their earlier readings. */
export function scoreErrors(scoring: FittedScoring, errors: ReconstructionErrors, count: number, earlier?: EarlierReadings): Float64Array {
  if (count === 0) return new Float64Array(0);
  // reconstructionErrors gives one window error and `features` sensor errors per window.
  const features = errors.sensorErrors.length / errors.windowErrors.length;
  return applyScoringMethod(scoring.definition, { ...errors, features, count, earlier });
}

export interface CalibrationWindows {
  /** Errors of the healthy windows of the calibration engines. */
  healthy: { count: number; errors: ReconstructionErrors; earlier?: EarlierReadings };
  /** Every window of the calibration engines, with anomaly labels (needed by every method but the reference). */
  trajectories: { count: number; errors: ReconstructionErrors; labels: Uint8Array; earlier?: EarlierReadings } | null;
}

/**
 * The threshold of a fitted method (see calibrateMethodThreshold): on a cross-fitted method's
 * out-of-fold scores, else on the calibration windows' scores.
 */
export function calibrateScoring(scoring: FittedScoring, calibration: CalibrationWindows, quantileLevel: number): number {
  const { healthy, trajectories } = calibration;
  const labelled = scoring.outOfFold
    ? scoring.outOfFold
    : trajectories
      ? { scores: scoreErrors(scoring, trajectories.errors, trajectories.count, trajectories.earlier), labels: trajectories.labels }
      : null;
  return calibrateMethodThreshold(
    scoring.definition,
    { healthy: scoreErrors(scoring, healthy.errors, healthy.count, healthy.earlier), ...(labelled ? { trajectories: labelled } : {}) },
    quantileLevel,
  );
}

/** Whether calibrating this method needs the calibration engines' labelled trajectories. */
export function calibratesOnTrajectories(scoring: FittedScoring): boolean {
  return scoring.definition.kind !== 'reconstruction-error';
}
