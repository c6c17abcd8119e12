// The one interface every detector kind implements. The training pipeline prepares the data (sensor
// selection, normalisation within operating regimes, windows, engine-disjoint splits) the same way for
// every kind, then hands normalised windows to the kind: the kind fits, calibrates its threshold and
// returns what to store; a stored version is loaded back into a Detector that scores windows. Services
// (scoring, trajectories, evaluation, ensembles) only ever see this interface.
//
// Adding a kind: a folder under src/detectors/ with a module exporting a DetectorKind, and one entry in
// ./registry.ts. Its options appear in the `detectorKinds` query and in `trainModel` by themselves.

import type { EarlierReadings, WindowSet } from '../domain/data/windows';

/** Normalised windows: float32, row-major [count, windowLength, features] (window, then cycle, then sensor). */
export interface WindowBatch {
  x: Float32Array;
  count: number;
  windowLength: number;
  features: number;
  /**
   * Where each window's engine stood some cycles before it (windows cut from an engine's stored or live
   * series); absent for windows sent on their own, which a kind that looks back scores as an engine's
   * first window.
   */
  earlier?: EarlierReadings;
}

/** The windows of a set cut from engines' series, as detectors take them. */
export function windowBatch(windows: WindowSet): WindowBatch {
  return { x: windows.x, count: windows.count, windowLength: windows.length, features: windows.features, earlier: windows.earlier };
}

/** Windows of labelled engines with their labels (1 when the window ends within anomalyRul cycles of failure). */
export interface LabelledWindows {
  windows: WindowBatch;
  labels: Uint8Array;
  /** The engine of each window. */
  engines: readonly number[];
}

/** What a detector says about a batch of windows. */
export interface WindowScores {
  /** [count] the anomaly score compared with the threshold: higher is more anomalous. */
  scores: Float64Array;
  /** [count] what the kind measures before any post-processing (e.g. the mean squared reconstruction error). */
  raw: Float64Array;
  /** [count, features] each sensor's part in the window's score, >= 0 (what it means: DetectorKind.contributions). */
  contributions: Float32Array;
  /**
   * [count, features] which way each sensor departs from healthy over the window's recent cycles, in healthy
   * standard deviations (> 0 reads high, < 0 reads low); null when the kind does not tell.
   */
  directions: Float32Array | null;
}

/** A trained detector, ready to score. */
export interface Detector {
  score(windows: WindowBatch): Promise<WindowScores>;
}

/** The data a kind fits and calibrates on, prepared by the training pipeline. */
export interface FitData {
  /** The data set's sensors the windows hold, in feature order. */
  sensors: readonly string[];
  windowLength: number;
  /** Healthy windows of the training engines: what normal looks like. */
  train: WindowBatch;
  /** Healthy windows of the calibration engines (never trained on). */
  calibration: WindowBatch;
  /** Requested quantile of the healthy calibration scores for kinds that set their threshold that way. */
  thresholdQuantile: number;
  /** Fingerprint of the windows' preprocessing (./preprocessing.ts): what versions scoring the same windows share. */
  preprocessing: string;
  /** Every window of the training engines' labelled trajectories; null when the data set has no labels. */
  trainTrajectories(): Promise<LabelledWindows | null>;
  /** Every window of the calibration engines' labelled trajectories; null when the data set has no labels. */
  calibrationTrajectories(): Promise<LabelledWindows | null>;
}

export interface FitProgress {
  /** Steps done and in all (epochs for a network; 1 of 1 for a kind fitted in one go). */
  step: number;
  totalSteps: number;
  loss: number | null;
  validationLoss: number | null;
  learningRate: number | null;
  elapsedMs: number;
}

/** How the process runs detectors: where forward passes go, how training threads behave, other versions. */
export interface DetectorRuntime {
  /** Loads another registered version (an ensemble's members). */
  loadVersion?(id: number): Promise<LoadedVersion>;
  /** Kind-specific facilities (e.g. the LSTM autoencoder's inference thread and training threads). */
  readonly [facility: string]: unknown;
}

export interface FitContext {
  signal: AbortSignal;
  /** Resolves once the progress is recorded; a rejection fails the fit. */
  onProgress(progress: FitProgress): Promise<void>;
  runtime: DetectorRuntime;
  /** A key under which the fitted detector may cache state while it is being calibrated and evaluated. */
  cacheKey: string;
}

/** What a version stores of its detector: JSON-safe parameters and, where the kind needs one, a binary part. */
export interface DetectorArtifact {
  json: Record<string, unknown>;
  binary: Uint8Array | null;
}

export interface FittedDetector {
  detector: Detector;
  threshold: number;
  artifact: DetectorArtifact;
  /** How scores are derived (e.g. the autoencoder's scoring method and its fitted parameters); shown on the version. */
  scoring: { method: string; definition: Record<string, unknown> };
  /** Facts about the fit shown with the version (epochs run, trees, components, backend...). */
  summary: Record<string, unknown>;
}

/** A registered version as a kind loads it. */
export interface StoredDetector<Options = Record<string, unknown>> {
  /** Stable while the version exists: caches (e.g. weights kept on an inference thread) may be keyed by it. */
  cacheKey: string;
  options: Options;
  artifact: DetectorArtifact;
  scoring: { method: string; definition: Record<string, unknown> };
  features: number;
  windowLength: number;
}

/** A registered version loaded for scoring: its detector and what its windows must look like. */
export interface LoadedVersion {
  id: number;
  kind: string;
  threshold: number;
  detector: Detector;
  /** Preprocessing fingerprint: versions score the same windows only when these are equal. */
  preprocessing: string;
}

export type OptionType = 'int' | 'float' | 'boolean' | 'string' | 'int-list';

/** One option of a kind, as `detectorKinds` lists it and `trainModel` accepts it. */
export interface OptionSpec {
  /** camelCase GraphQL field name. */
  name: string;
  type: OptionType;
  description: string;
  /** null: no default (the option is optional and the kind decides). */
  default: number | boolean | string | number[] | null;
  min?: number;
  max?: number;
  /** For 'string' options: the accepted values. */
  choices?: readonly string[];
}

export class DetectorOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DetectorOptionError';
  }
}

export interface DetectorKind<Options = Record<string, unknown>> {
  /** kebab-case, stored with every version: 'lstm-autoencoder', 'isolation-forest'... */
  readonly name: string;
  readonly description: string;
  /** What a sensor's contribution means for this kind (the schema documents it). */
  readonly contributions: string;
  readonly options: readonly OptionSpec[];
  /** Whether fit needs labelled trajectories (refused on data without labels). */
  readonly needsLabels: boolean;
  /** Defaults filled in and every value checked; throws DetectorOptionError naming the option. */
  resolveOptions(input: Readonly<Record<string, unknown>>): Options;
  /** Progress steps a fit takes (epochs for a network); 1 when absent. */
  totalSteps?(options: Options): number;
  /** Registered versions a fit with these options builds on (an ensemble's members): they must exist. */
  referencedVersions?(options: Options): number[];
  fit(data: FitData, options: Options, context: FitContext): Promise<FittedDetector>;
  load(stored: StoredDetector<Options>, runtime: DetectorRuntime): Promise<Detector>;
}
