// The scoring methods a model version can use, as the services see them: fitted once at training from
// the reconstruction errors of the healthy training windows, calibrated (threshold) on the calibration
// engines, stored with the version (model_versions.scoring_method) and applied to the reconstruction
// errors of windows being scored. The methods themselves are pure functions in
// ./scoring-methods.ts; every method scores a window from its own errors, so client windows,
// live engines and stored trajectories are scored the same way.
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
  const labelled = ({ errors, labels, engines }: LabelledErrors) => ({ ...errors, labels, engines });
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

/** Scores of the first `count` windows of `errors` (as reconstructionErrors returns them). */
export function scoreErrors(scoring: FittedScoring, errors: ReconstructionErrors, count: number): Float64Array {
  if (count === 0) return new Float64Array(0);
  // reconstructionErrors gives one window error and `features` sensor errors per window.
  const features = errors.sensorErrors.length / errors.windowErrors.length;
  return applyScoringMethod(scoring.definition, { ...errors, features, count });
}

export interface CalibrationWindows {
  /** Errors of the healthy windows of the calibration engines. */
  healthy: { count: number; errors: ReconstructionErrors };
  /** Every window of the calibration engines, with anomaly labels (needed by every method but the reference). */
  trajectories: { count: number; errors: ReconstructionErrors; labels: Uint8Array } | null;
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
      ? { scores: scoreErrors(scoring, trajectories.errors, trajectories.count), labels: trajectories.labels }
      : null;
  return calibrateMethodThreshold(
    scoring.definition,
    { healthy: scoreErrors(scoring, healthy.errors, healthy.count), ...(labelled ? { trajectories: labelled } : {}) },
    quantileLevel,
  );
}

/** Whether calibrating this method needs the calibration engines' labelled trajectories. */
export function calibratesOnTrajectories(scoring: FittedScoring): boolean {
  return scoring.definition.kind !== 'reconstruction-error';
}
