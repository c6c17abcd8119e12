// The scoring methods a model version can use, as the services see them: fitted once at training from
// the reconstruction errors of training and calibration windows, stored with the version, and applied
// to the reconstruction errors of windows being scored.
import type { WindowSet } from '../data/windows';
import type { ReconstructionErrors } from '../model';

export const SCORING_METHODS = ['reconstruction-error'] as const;

export interface FittedScoring {
  /** JSON-safe, stored as model_versions.scoring_method. */
  definition: { kind: string } & Record<string, unknown>;
}

export interface ScoringInputs {
  train: ReconstructionErrors;
  calibration: ReconstructionErrors;
  features: number;
}

export function fitScoring(kind: string, _inputs: ScoringInputs): FittedScoring {
  if (kind !== 'reconstruction-error') throw new Error(`unknown scoring method "${kind}"`);
  return { definition: { kind } };
}

export function scoreWindowSet(_scoring: FittedScoring, windows: WindowSet, errors: ReconstructionErrors): { scores: Float64Array } {
  return { scores: Float64Array.from(errors.windowErrors.subarray(0, windows.count)) };
}

/** Scores of `count` windows from their reconstruction errors, without engine context. */
export function scoreErrors(_scoring: FittedScoring, errors: ReconstructionErrors, count: number): Float64Array {
  return Float64Array.from(errors.windowErrors.subarray(0, count));
}
