// Every detector kind the service offers, by name. The first is the default of trainModel.
import { DetectorOptionError, type DetectorKind } from './detector';
import { ensembleKind } from './ensemble';
import { isolationForestKind } from './isolation-forest';
import { localOutlierFactorKind } from './local-outlier-factor';
import { lstmAutoencoderKind } from './lstm-autoencoder';
import { pcaReconstructionKind } from './pca-reconstruction';
import { zScoreKind } from './z-score';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own options type
export type AnyDetectorKind = DetectorKind<any>;

export const DETECTOR_KINDS: readonly AnyDetectorKind[] = [
  lstmAutoencoderKind,
  isolationForestKind,
  localOutlierFactorKind,
  pcaReconstructionKind,
  zScoreKind,
  ensembleKind,
];

export const DEFAULT_DETECTOR_KIND = DETECTOR_KINDS[0].name;

export function isDetectorKind(name: string): boolean {
  return DETECTOR_KINDS.some((kind) => kind.name === name);
}

/** The kind named `name`; DetectorOptionError naming the known kinds otherwise. */
export function detectorKind(name: string): AnyDetectorKind {
  const kind = DETECTOR_KINDS.find((candidate) => candidate.name === name);
  if (!kind)
    throw new DetectorOptionError(`unknown detector kind "${name}": kinds are ${DETECTOR_KINDS.map((known) => known.name).join(', ')}`);
  return kind;
}

export function totalStepsOf(kind: AnyDetectorKind, options: unknown): number {
  return kind.totalSteps?.(options) ?? 1;
}
