// The scoring methods a model version can use, as the services see them: fitted once at training from
// the reconstruction errors of the healthy training windows, calibrated (threshold) on the calibration
// engines, stored with the version (model_versions.scoring_method) and applied to the reconstruction
// errors of windows being scored. The methods themselves are pure functions in
// ./scoring-methods.ts; every method scores a window from its own errors, so client windows,
// live engines and stored trajectories are scored the same way.
import {
  applyScoringMethod,
  calibrateMethodThreshold,
  fitScoringMethod,
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
}

export interface ScoringInputs {
  /** Healthy training windows. */
  train: ReconstructionErrors;
  features: number;
  /** Every window of the training engines, labelled (needed by 'degradation-logistic'; see fitsOnTrajectories). */
  trainTrajectories?: { errors: ReconstructionErrors; labels: Uint8Array } | null;
  /** Every window of the calibration engines, labelled ('degradation-logistic' chooses its L2 penalty on them). */
  calibrationTrajectories?: { errors: ReconstructionErrors; labels: Uint8Array } | null;
}

/** Whether fitting this method needs the training engines' labelled full trajectories. */
export function fitsOnTrajectories(kind: string): boolean {
  return kind === 'degradation-logistic';
}

export function fitScoring(kind: string, inputs: ScoringInputs): FittedScoring {
  const trajectories = inputs.trainTrajectories;
  const selection = inputs.calibrationTrajectories;
  return {
    definition: fitScoringMethod(kind as ScoringMethodKind, {
      features: inputs.features,
      train: inputs.train,
      ...(trajectories ? { trainTrajectories: { ...trajectories.errors, labels: trajectories.labels } } : {}),
      ...(selection ? { calibrationTrajectories: { ...selection.errors, labels: selection.labels } } : {}),
    }),
  };
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

/** The threshold of a fitted method (see calibrateMethodThreshold). */
export function calibrateScoring(scoring: FittedScoring, calibration: CalibrationWindows, quantileLevel: number): number {
  const { healthy, trajectories } = calibration;
  return calibrateMethodThreshold(
    scoring.definition,
    {
      healthy: scoreErrors(scoring, healthy.errors, healthy.count),
      ...(trajectories
        ? {
            trajectories: {
              scores: scoreErrors(scoring, trajectories.errors, trajectories.count),
              labels: trajectories.labels,
            },
          }
        : {}),
    },
    quantileLevel,
  );
}

/** Whether calibrating this method needs the calibration engines' labelled trajectories. */
export function calibratesOnTrajectories(scoring: FittedScoring): boolean {
  return scoring.definition.kind !== 'reconstruction-error';
}
