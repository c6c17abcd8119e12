/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Settings of the k-of-n alert rule; a missing one keeps its current value (the default rule at training). BAD_USER_INPUT (INVALID_TRAINING_CONFIG at training) unless 1 <= k <= n and the critical levels are at least the serious ones. */
export type AlertRuleInput = {
  /** When an alert becomes CRITICAL. */
  critical?: AlertSeverityLevelInput | null | undefined;
  /** Most sensors named as driving an alert (0 to 100). */
  drivingSensors?: number | null | undefined;
  /** Windows above the threshold, among the last n, that open an alert (1 to n). */
  k?: number | null | undefined;
  /** Consecutive windows at or below the threshold that close an alert (1 to 10000). */
  m?: number | null | undefined;
  /** Windows the rule looks back over (k to 1000). */
  n?: number | null | undefined;
  /** When an alert becomes SERIOUS. */
  serious?: AlertSeverityLevelInput | null | undefined;
};

/** Bounds of a severity level; a missing one keeps its current value. */
export type AlertSeverityLevelInput = {
  /** Excess over the threshold, in (0, 1000000]. */
  excess?: number | null | undefined;
  /** Windows above the threshold since the alert opened, 1 to 1000000. */
  windows?: number | null | undefined;
};

/** What an API key may do. Roles do not imply each other: a key lists every role it holds. */
export type ApiRole =
  /** Managing API keys and webhook endpoints. */
  | 'ADMIN'
  /** trainModel, cancelTrainingJob, activateModelVersion, evaluateModelVersion, startEvaluation, startScoring, cancelBatchJob, and aliases, tags, archiving and deletion of versions. */
  | 'OPERATOR'
  /** Queries: engines, scores, trajectories, model versions, training jobs. */
  | 'READER'
  /** scoreWindow, scoreWindows, createEngine and appendCycles. */
  | 'SCORER';

/** Which engines to list. */
export type EngineFilter = {
  /** Only engines of this data set (its name, in any case: FD001, fd001). */
  dataset?: string | null | undefined;
  /** Only engines of this role. */
  role?: EngineRole | null | undefined;
};

/** How an engine's remaining useful life (RUL) is known. */
export type EngineLabelling =
  /** Unknown: the engine can train unsupervised detectors and be scored, not evaluated. */
  | 'NONE'
  /** The true RUL after the last recorded cycle is known (a RUL file or column). */
  | 'RUL_AFTER_LAST_CYCLE'
  /** The engine failed at its last cycle: RUL is known at every cycle. */
  | 'RUN_TO_FAILURE';

/** Where an engine history comes from (how its RUL is known: Engine.labelling). */
export type EngineRole =
  /** Engine created by a client that reports readings while it runs; RUL unknown. */
  | 'LIVE'
  /** A history truncated before failure whose true RUL after the last cycle is known (C-MAPSS test files). */
  | 'TEST'
  /** A recorded history to learn from: run until failure (C-MAPSS train files) or unlabelled. */
  | 'TRAIN';

/** Options of the ensemble detector kind; every field is optional. */
export type EnsembleOptionsInput = {
  /** Ids of the member model versions (2 to 10). (min 1) */
  members?: Array<number> | null | undefined;
  /** vote: anomalous when at least `votes` members flag the window at their own thresholds; calibrated-mean: the mean of the members' scores scaled 0 at their healthy calibration median and 1 at their threshold, thresholded at thresholdQuantile. (default "vote"; one of vote, calibrated-mean) */
  rule?: string | null | undefined;
  /** For vote: flags needed (default: a majority). (min 1; max 10) */
  votes?: number | null | undefined;
};

/** Options of the isolation-forest detector kind; every field is optional. */
export type IsolationForestOptionsInput = {
  /** What the trees split on: 'flattened' (every reading of the window), 'summary' (per sensor: mean, least-squares slope, standard deviation and last reading over the window) or 'both'. (default "flattened"; one of flattened, summary, both) */
  features?: string | null | undefined;
  /** Training windows each tree isolates, drawn without replacement (scikit-learn: max_samples); at most all of them. (default 256; min 2; max 100000) */
  sampleSize?: number | null | undefined;
  /** Seed of the samples and splits: the same seed grows the same forest. (default 0; min 0; max 2147483647) */
  seed?: number | null | undefined;
  /** Trees in the forest (scikit-learn: n_estimators). (default 200; min 1; max 2000) */
  trees?: number | null | undefined;
};

/** State of a training job or a batch job. */
export type JobStatus =
  /** Cancelled by a client. */
  | 'CANCELLED'
  /** Stopped by an error (see error). */
  | 'FAILED'
  /** Was running, but its worker stopped sending heartbeats (TRAINING_STALE_AFTER_MS): the next worker that looks re-queues it with a backoff, fails it after the maximum attempts, or cancels it when a cancel was asked. Its progress is that of the interrupted attempt. */
  | 'ORPHANED'
  /** Waiting for a worker (a re-queued job waits until retryAt). */
  | 'QUEUED'
  /** Training, calibrating, evaluating or scoring. */
  | 'RUNNING'
  /** Finished: a training job's model version is registered, a batch job's results are stored. */
  | 'SUCCEEDED';

/** Options of the local-outlier-factor detector kind; every field is optional. */
export type LocalOutlierFactorOptionsInput = {
  /** Where distances are measured, each feature standardised on the training windows: 'summary' (per sensor: mean, least-squares slope, standard deviation and last reading over the window), 'flattened' (every reading) or 'both'. (default "summary"; one of flattened, summary, both) */
  features?: string | null | undefined;
  /** Neighbours k whose densities a window is compared with (scikit-learn: n_neighbors); at most the training windows - 1. (default 20; min 1; max 1000) */
  neighbours?: number | null | undefined;
};

/** Options of the lstm-autoencoder detector kind; every field is optional. */
export type LstmAutoencoderOptionsInput = {
  /** Windows per batch. (default 128; min 1; max 4096) */
  batchSize?: number | null | undefined;
  /** Global gradient-norm clipping. (default 1; min 0.000001; max 1000000) */
  clipNorm?: number | null | undefined;
  /** Bottleneck code size. (default 16; min 1; max 512) */
  code?: number | null | undefined;
  /** Stop after this many epochs without improvement of the calibration loss (default: no early stopping). (min 1; max 1000) */
  earlyStoppingPatience?: number | null | undefined;
  /** Training epochs. (default 80; min 1; max 1000) */
  epochs?: number | null | undefined;
  /** LSTM state size of encoder and decoder. (default 64; min 1; max 512) */
  hidden?: number | null | undefined;
  /** Adam learning rate, decayed to 0 on a cosine. (default 0.002; min 1e-7; max 1) */
  learningRate?: number | null | undefined;
  /** reconstruction-error (the reference: mean squared error, threshold at thresholdQuantile of the healthy calibration windows), normalised-error (trimmed mean of per-sensor log error ratios to their healthy training level) or degradation-logistic (log-odds of RUL <= anomalyRul from the per-sensor log error ratios, signed residuals and their slopes, the window's own readings (recent mean, slope and deviation) and how far each recent reading moved since the engine's reading 50 cycles earlier (a window scored alone reads as an engine's first); a logistic regression cross-fitted on the training and calibration engines' labelled trajectories); the last two set the threshold that flags 95% of the anomalous windows of the calibration engines' trajectories (normalised-error) or of the out-of-fold scores of both sets (degradation-logistic). (default "reconstruction-error"; one of reconstruction-error, normalised-error, degradation-logistic) */
  scoringMethod?: string | null | undefined;
  /** Seeds initialisation and shuffling. (default 0; min 0; max 2147483647) */
  seed?: number | null | undefined;
  /** Adam L2 weight decay. (default 0.00001; min 0; max 1) */
  weightDecay?: number | null | undefined;
};

/** Life cycle of a model version. */
export type ModelStatus =
  /** Kept for the record (archiveModelVersion); cannot be activated nor take an alias. */
  | 'ARCHIVED'
  /** Trained, calibrated and evaluated: usable for scoring. */
  | 'READY';

/** Options of the pca-reconstruction detector kind; every field is optional. */
export type PcaReconstructionOptionsInput = {
  /** A fixed number of principal components instead (at most window length x sensors). (min 1; max 100000) */
  components?: number | null | undefined;
  /** Keep the fewest principal components that explain more than this share of the healthy windows' variance. (default 0.95; min 0.01; max 0.9999) */
  varianceRatio?: number | null | undefined;
};

/** Whether sensors are normalised within operating regimes. */
export type RegimeMode =
  /** On when the training engines' settings form several tight clusters (multi-condition data), off otherwise. */
  | 'AUTO'
  /** One normalisation for every operating condition. */
  | 'OFF';

/** The readings of one sensor over the window, oldest cycle first. */
export type SensorColumnInput = {
  /** Sensor name, sensor1 to sensor21; or a setting name (setting1 to setting3) for a version with operating regimes. */
  sensor: string;
  /** One reading per cycle of the window, oldest first. */
  values: number[];
};

/** What to train. Every field is optional; the defaults are the reference configuration on FD001 (an LSTM autoencoder). The chosen kind's options go in the field named after it (see detectorKinds). */
export type TrainModelInput = {
  /** Activate the new version when the job succeeds (default false). */
  activate?: boolean | null | undefined;
  /** The version's alert rule (default: the rule measured on FD001's calibration engines, docs/alerts.md); setAlertRule changes it later. */
  alertRule?: AlertRuleInput | null | undefined;
  /** A test window is anomalous when its RUL is at most this (default 30). */
  anomalyRul?: number | null | undefined;
  /**
   * Windows per batch (default 128).
   * @deprecated Use lstmAutoencoder { batchSize }: the options of each detector kind are in the field named after it.
   */
  batchSize?: number | null | undefined;
  /** Engines whose healthy windows calibrate the threshold (default 71-80). */
  calibrationUnits?: Array<UnitRangeInput> | null | undefined;
  /** Choose the alert rule's k, n and m on the calibration engines (default false): the fewest spurious alerts that still alert, before failure, every failing calibration engine one window above the threshold alerts (docs/alerts.md); recorded in trainedOn.alertRuleChoice. Needs labelled engines; alertRule may give the other settings. */
  chooseAlertRule?: boolean | null | undefined;
  /**
   * Global gradient-norm clipping (default 1).
   * @deprecated Use lstmAutoencoder { clipNorm }: the options of each detector kind are in the field named after it.
   */
  clipNorm?: number | null | undefined;
  /**
   * Bottleneck code size (default 16).
   * @deprecated Use lstmAutoencoder { code }: the options of each detector kind are in the field named after it.
   */
  code?: number | null | undefined;
  /** C-MAPSS subset whose training engines are used (default FD001). */
  dataset?: string | null | undefined;
  /**
   * Stop after this many epochs without validation improvement (default: no early stopping).
   * @deprecated Use lstmAutoencoder { earlyStoppingPatience }: the options of each detector kind are in the field named after it.
   */
  earlyStoppingPatience?: number | null | undefined;
  /** Options when kind is ensemble. */
  ensemble?: EnsembleOptionsInput | null | undefined;
  /**
   * Training epochs (default 80).
   * @deprecated Use lstmAutoencoder { epochs }: the options of each detector kind are in the field named after it.
   */
  epochs?: number | null | undefined;
  /** A cycle is healthy when its RUL exceeds this (default 100). */
  healthyRul?: number | null | undefined;
  /**
   * LSTM state size (default 64).
   * @deprecated Use lstmAutoencoder { hidden }: the options of each detector kind are in the field named after it.
   */
  hidden?: number | null | undefined;
  /** Options when kind is isolation-forest. */
  isolationForest?: IsolationForestOptionsInput | null | undefined;
  /** Detector kind (default lstm-autoencoder); detectorKinds lists them with their options. */
  kind?: string | null | undefined;
  /**
   * Adam learning rate, decayed to 0 on a cosine (default 0.002).
   * @deprecated Use lstmAutoencoder { learningRate }: the options of each detector kind are in the field named after it.
   */
  learningRate?: number | null | undefined;
  /** Options when kind is local-outlier-factor. */
  localOutlierFactor?: LocalOutlierFactorOptionsInput | null | undefined;
  /** Options when kind is lstm-autoencoder. */
  lstmAutoencoder?: LstmAutoencoderOptionsInput | null | undefined;
  /** A name for the resulting model version. */
  name?: string | null | undefined;
  /** Options when kind is pca-reconstruction. */
  pcaReconstruction?: PcaReconstructionOptionsInput | null | undefined;
  /** A fixed number of operating regimes (1 to 10), instead of detecting them. */
  regimeCount?: number | null | undefined;
  /** Operating regimes (default AUTO): AUTO normalises each sensor within the regime of its row when the settings of the training engines form several tight clusters (k-means), OFF never does. */
  regimes?: RegimeMode | null | undefined;
  /**
   * Scoring method: reconstruction-error (default, the reference: mean squared error, threshold at thresholdQuantile of the healthy calibration windows) normalised-error (trimmed mean of per-sensor log error ratios to their healthy training level) or degradation-logistic (log-odds of RUL <= anomalyRul from the per-sensor log error ratios, signed residuals and their slopes, and the window's own readings: recent mean, slope and deviation; a logistic regression cross-fitted on the training and calibration engines' labelled trajectories); the last two set the threshold that flags 95% of the anomalous windows of the calibration engines' trajectories (normalised-error) or of the out-of-fold scores of both sets (degradation-logistic). Every method scores a window from its own errors; degradation-logistic also from its engine's readings 50 cycles earlier (a window scored alone reads as an engine's first).
   * @deprecated Use lstmAutoencoder { scoringMethod }: the options of each detector kind are in the field named after it.
   */
  scoringMethod?: string | null | undefined;
  /**
   * Random seed of initialisation and shuffling (default 0).
   * @deprecated Use lstmAutoencoder { seed }: the options of each detector kind are in the field named after it.
   */
  seed?: number | null | undefined;
  /** Cycles between successive windows (default 1). */
  stride?: number | null | undefined;
  /** Engines whose windows evaluate the version (default 81-100). */
  testUnits?: Array<UnitRangeInput> | null | undefined;
  /** Quantile of the healthy calibration scores used as threshold (default 0.99); used by reconstruction-error only. */
  thresholdQuantile?: number | null | undefined;
  /** Engines whose healthy windows train the network (default 1-70). */
  trainUnits?: Array<UnitRangeInput> | null | undefined;
  /**
   * L2 weight decay (default 1e-5).
   * @deprecated Use lstmAutoencoder { weightDecay }: the options of each detector kind are in the field named after it.
   */
  weightDecay?: number | null | undefined;
  /** Cycles per window (default 30). */
  windowLength?: number | null | undefined;
  /** Options when kind is z-score. */
  zScore?: ZScoreOptionsInput | null | undefined;
};

/** An inclusive range of C-MAPSS unit numbers. */
export type UnitRangeInput = {
  /** First unit. */
  from: number;
  /** Last unit. */
  to: number;
};

/** One window of raw (not normalised) sensor readings: either `values` (one row per cycle, oldest first, each row in the sensor order the model version declares) or `columns` (named sensors, any order; sensors the version does not use are ignored). A version with operating regimes (modelVersion.regimes) also needs the settings of every row: `settings` beside `values`, or setting columns among `columns`. */
export type WindowInput = {
  /** Named sensor columns, each windowLength readings long, or all up to 50 longer with the engine's earlier cycles first (as values). */
  columns?: Array<SensorColumnInput> | null | undefined;
  /** Cycle number of the window last row (with engineId). */
  endCycle?: number | null | undefined;
  /** Engine the window belongs to (with endCycle). */
  engineId?: number | null | undefined;
  /** With values, for a version with operating regimes: the operational settings of every row of values (modelVersion.regimes.settings order). */
  settings?: number[][] | null | undefined;
  /** windowLength rows of readings in the model version sensor order; or up to 50 more rows before them, the engine's earlier cycles, which a version that looks back (scoringMethod.definition.lookBack) compares the window with (others ignore them). */
  values?: number[][] | null | undefined;
};

/** Options of the z-score detector kind; every field is optional. */
export type ZScoreOptionsInput = {
  /** Cycles at the end of the window whose |z| are averaged per sensor (at most the window's length). (default 10; min 1; max 1000) */
  recentSteps?: number | null | undefined;
  /** The window's score is the mean of this many largest per-sensor scores; absent: of every sensor's. (min 1; max 1000) */
  topSensors?: number | null | undefined;
};

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { authenticated: boolean, name: string | null, roles: Array<ApiRole> } };

export type CompareModelVersionsQueryVariables = Exact<{
  ids: Array<number> | number;
}>;


export type CompareModelVersionsQuery = { compareModelVersions: { dataset: string, units: Array<number>, anomalyRul: number, commonWindows: number, versions: Array<{ agreement: number, flaggedOnlyByThis: number, flaggedOnlyByFirst: number, version: { id: number, version: number, name: string | null, kind: string, scoringMethod: { kind: string } }, metrics: { precision: number, recall: number, f1: number, accuracy: number, rocAuc: number | null, prAuc: number | null, threshold: number, confusion: { tp: number, fp: number, tn: number, fn: number } }, deltas: { rocAuc: number | null, prAuc: number | null, precision: number, recall: number, f1: number, accuracy: number }, rocCurve: Array<{ falsePositiveRate: number, truePositiveRate: number }>, prCurve: Array<{ recall: number, precision: number }> }> } };

export type EngineScoresSubscriptionVariables = Exact<{
  id: number;
}>;


export type EngineScoresSubscription = { engineScores: { modelVersionId: number, endCycle: number, score: number, isAnomaly: boolean } };

export type EngineNewCyclesQueryVariables = Exact<{
  id: number;
  from: number;
}>;


export type EngineNewCyclesQuery = { engine: { id: number, cycles: Array<{ cycle: number, sensors: Array<number> }> } | null };

export type WindowContributionsQueryVariables = Exact<{
  id: number;
  version: number;
  endCycle: number;
}>;


export type WindowContributionsQuery = { engine: { id: number, trajectory: { points: Array<{ endCycle: number, score: number, isAnomaly: boolean, contributions: Array<{ sensor: string, share: number, residual: number | null }> }> } } | null };

export type EngineOverviewQueryVariables = Exact<{
  id: number;
}>;


export type EngineOverviewQuery = { engine: { id: number, externalId: string, dataset: string, role: EngineRole, unit: number | null, labelling: EngineLabelling, lastCycle: number, rulAfterLastCycle: number | null } | null, modelVersionsConnection: { edges: Array<{ node: { id: number, version: number, name: string | null, kind: string, isActive: boolean, sensors: Array<string> } }> }, datasetsConnection: { edges: Array<{ node: { name: string, sensors: Array<{ name: string }> } }> } };

export type EngineTrajectoryQueryVariables = Exact<{
  id: number;
  version?: number | null | undefined;
}>;


export type EngineTrajectoryQuery = { engine: { id: number, trajectory: { modelVersionId: number, threshold: number, windowLength: number, firstFlaggedCycle: number | null, flaggedCycles: Array<number>, points: Array<{ endCycle: number, score: number, rul: number | null }> }, alertRule: { overridden: boolean, rule: { k: number, n: number, m: number } } } | null };

export type EngineCyclesQueryVariables = Exact<{
  id: number;
  sensors: Array<string> | string;
}>;


export type EngineCyclesQuery = { engine: { id: number, cycles: Array<{ cycle: number, sensors: Array<number> }> } | null };

export type FleetContextQueryVariables = Exact<{ [key: string]: never; }>;


export type FleetContextQuery = { activeModelVersion: { id: number, version: number, name: string | null, threshold: number } | null, datasetsConnection: { edges: Array<{ node: { name: string } }> } };

export type FleetQueryVariables = Exact<{
  filter?: EngineFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  scored: boolean;
}>;


export type FleetQuery = { enginesConnection: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ node: { id: number, dataset: string, role: EngineRole, unit: number | null, externalId: string, lastCycle: number, trajectory?: { threshold: number, firstFlaggedCycle: number | null, points: Array<{ score: number }> } } }> } };

export type ModelVersionsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type ModelVersionsQuery = { modelVersionsConnection: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ node: { id: number, version: number, name: string | null, kind: string, isActive: boolean, status: ModelStatus, createdAt: string, threshold: number, scoringMethod: { kind: string }, metrics: { windows: number, anomalous: number, accuracy: number, precision: number, recall: number, f1: number, rocAuc: number | null, prAuc: number | null, threshold: number, confusion: { tp: number, fp: number, tn: number, fn: number } } | null } }> } };

export type ModelVersionCurvesQueryVariables = Exact<{
  id: number;
}>;


export type ModelVersionCurvesQuery = { modelVersion: { id: number, version: number, name: string | null, kind: string, lineage: { trainingJobId: number | null }, evaluationsConnection: { edges: Array<{ node: { id: number, createdAt: string, metrics: { windows: number, anomalous: number, accuracy: number, precision: number, recall: number, f1: number, rocAuc: number | null, prAuc: number | null, threshold: number, confusion: { tp: number, fp: number, tn: number, fn: number } }, rocCurve: Array<{ falsePositiveRate: number, truePositiveRate: number }>, prCurve: Array<{ recall: number, precision: number }>, scoreDistribution: { edges: Array<number>, healthy: Array<number>, anomalous: Array<number>, logScale: boolean } | null } }> } } | null };

export type TrainingJobLossesQueryVariables = Exact<{
  id: number;
}>;


export type TrainingJobLossesQuery = { trainingJob: { id: number, epochs: Array<{ epoch: number, loss: number | null, validationLoss: number | null }> } | null };

export type ActivateModelVersionMutationVariables = Exact<{
  id: number;
}>;


export type ActivateModelVersionMutation = { activateModelVersion: { activated: { id: number, isActive: boolean }, previous: { id: number, isActive: boolean } | null } };

export type ScoreFileVersionsQueryVariables = Exact<{ [key: string]: never; }>;


export type ScoreFileVersionsQuery = { modelVersionsConnection: { edges: Array<{ node: { id: number, version: number, name: string | null, kind: string, isActive: boolean, sensors: Array<string>, windowLength: number, regimes: { settings: Array<string> } | null } }> } };

export type ScoreFileTestEnginesQueryVariables = Exact<{ [key: string]: never; }>;


export type ScoreFileTestEnginesQuery = { enginesConnection: { edges: Array<{ node: { id: number, externalId: string, unit: number | null, lastCycle: number } }> }, dataset: { sensors: Array<{ name: string }>, settings: Array<{ name: string }> } | null };

export type ScoreFileEngineCyclesQueryVariables = Exact<{
  id: number;
}>;


export type ScoreFileEngineCyclesQuery = { engine: { id: number, externalId: string, cycles: Array<{ sensors: Array<number>, settings: Array<number> }> } | null };

export type ScoreFileMutationVariables = Exact<{
  version?: number | null | undefined;
  windows: Array<WindowInput> | WindowInput;
}>;


export type ScoreFileMutation = { scoreWindows: Array<{ score: number, threshold: number, isAnomaly: boolean }> };

export type DetectorKindsQueryVariables = Exact<{ [key: string]: never; }>;


export type DetectorKindsQuery = { detectorKinds: Array<{ name: string, description: string, trainModelField: string, options: Array<{ name: string, type: string, default: unknown, description: string, min: number | null, max: number | null, choices: Array<string> | null }> }>, datasetsConnection: { edges: Array<{ node: { name: string } }> } };

export type TrainModelMutationVariables = Exact<{
  input: TrainModelInput;
}>;


export type TrainModelMutation = { trainModel: { id: number } };

export type CancelTrainingJobMutationVariables = Exact<{
  id: number;
}>;


export type CancelTrainingJobMutation = { cancelTrainingJob: { id: number, status: JobStatus } };

export type TrainingJobQueryVariables = Exact<{
  id: number;
}>;


export type TrainingJobQuery = { trainingJob: { id: number, status: JobStatus, error: string | null, totalEpochs: number, cancelRequested: boolean, modelVersionId: number | null, progress: { epochsCompleted: number, totalEpochs: number, elapsedMs: number | null, estimatedRemainingMs: number | null }, epochs: Array<{ epoch: number, loss: number | null, validationLoss: number | null }>, modelVersion: { id: number, version: number, name: string | null } | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const ViewerDocument = new TypedDocumentString(`
    query Viewer {
  viewer {
    authenticated
    name
    roles
  }
}
    `) as unknown as TypedDocumentString<ViewerQuery, ViewerQueryVariables>;
export const CompareModelVersionsDocument = new TypedDocumentString(`
    query CompareModelVersions($ids: [Int!]!) {
  compareModelVersions(ids: $ids) {
    dataset
    units
    anomalyRul
    commonWindows
    versions {
      version {
        id
        version
        name
        kind
        scoringMethod {
          kind
        }
      }
      metrics {
        precision
        recall
        f1
        accuracy
        rocAuc
        prAuc
        threshold
        confusion {
          tp
          fp
          tn
          fn
        }
      }
      deltas {
        rocAuc
        prAuc
        precision
        recall
        f1
        accuracy
      }
      agreement
      flaggedOnlyByThis
      flaggedOnlyByFirst
      rocCurve {
        falsePositiveRate
        truePositiveRate
      }
      prCurve {
        recall
        precision
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CompareModelVersionsQuery, CompareModelVersionsQueryVariables>;
export const EngineScoresDocument = new TypedDocumentString(`
    subscription EngineScores($id: Int!) {
  engineScores(engineId: $id) {
    modelVersionId
    endCycle
    score
    isAnomaly
  }
}
    `) as unknown as TypedDocumentString<EngineScoresSubscription, EngineScoresSubscriptionVariables>;
export const EngineNewCyclesDocument = new TypedDocumentString(`
    query EngineNewCycles($id: Int!, $from: Int!) {
  engine(id: $id) {
    id
    cycles(from: $from) {
      cycle
      sensors
    }
  }
}
    `) as unknown as TypedDocumentString<EngineNewCyclesQuery, EngineNewCyclesQueryVariables>;
export const WindowContributionsDocument = new TypedDocumentString(`
    query WindowContributions($id: Int!, $version: Int!, $endCycle: Int!) {
  engine(id: $id) {
    id
    trajectory(modelVersionId: $version, fromCycle: $endCycle, toCycle: $endCycle) {
      points {
        endCycle
        score
        isAnomaly
        contributions {
          sensor
          share
          residual
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<WindowContributionsQuery, WindowContributionsQueryVariables>;
export const EngineOverviewDocument = new TypedDocumentString(`
    query EngineOverview($id: Int!) {
  engine(id: $id) {
    id
    externalId
    dataset
    role
    unit
    labelling
    lastCycle
    rulAfterLastCycle
  }
  modelVersionsConnection(first: 100) {
    edges {
      node {
        id
        version
        name
        kind
        isActive
        sensors
      }
    }
  }
  datasetsConnection(first: 100) {
    edges {
      node {
        name
        sensors {
          name
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<EngineOverviewQuery, EngineOverviewQueryVariables>;
export const EngineTrajectoryDocument = new TypedDocumentString(`
    query EngineTrajectory($id: Int!, $version: Int) {
  engine(id: $id) {
    id
    trajectory(modelVersionId: $version) {
      modelVersionId
      threshold
      windowLength
      firstFlaggedCycle
      flaggedCycles
      points {
        endCycle
        score
        rul
      }
    }
    alertRule(modelVersionId: $version) {
      overridden
      rule {
        k
        n
        m
      }
    }
  }
}
    `) as unknown as TypedDocumentString<EngineTrajectoryQuery, EngineTrajectoryQueryVariables>;
export const EngineCyclesDocument = new TypedDocumentString(`
    query EngineCycles($id: Int!, $sensors: [String!]!) {
  engine(id: $id) {
    id
    cycles(sensors: $sensors) {
      cycle
      sensors
    }
  }
}
    `) as unknown as TypedDocumentString<EngineCyclesQuery, EngineCyclesQueryVariables>;
export const FleetContextDocument = new TypedDocumentString(`
    query FleetContext {
  activeModelVersion {
    id
    version
    name
    threshold
  }
  datasetsConnection(first: 100) {
    edges {
      node {
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<FleetContextQuery, FleetContextQueryVariables>;
export const FleetDocument = new TypedDocumentString(`
    query Fleet($filter: EngineFilter, $first: Int, $after: String, $last: Int, $before: String, $scored: Boolean!) {
  enginesConnection(
    filter: $filter
    first: $first
    after: $after
    last: $last
    before: $before
  ) {
    totalCount
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    edges {
      node {
        id
        dataset
        role
        unit
        externalId
        lastCycle
        trajectory @include(if: $scored) {
          threshold
          firstFlaggedCycle
          points {
            score
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<FleetQuery, FleetQueryVariables>;
export const ModelVersionsDocument = new TypedDocumentString(`
    query ModelVersions($first: Int, $after: String, $last: Int, $before: String) {
  modelVersionsConnection(
    first: $first
    after: $after
    last: $last
    before: $before
  ) {
    totalCount
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    edges {
      node {
        id
        version
        name
        kind
        isActive
        status
        createdAt
        threshold
        scoringMethod {
          kind
        }
        metrics {
          windows
          anomalous
          accuracy
          precision
          recall
          f1
          rocAuc
          prAuc
          threshold
          confusion {
            tp
            fp
            tn
            fn
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ModelVersionsQuery, ModelVersionsQueryVariables>;
export const ModelVersionCurvesDocument = new TypedDocumentString(`
    query ModelVersionCurves($id: Int!) {
  modelVersion(id: $id) {
    id
    version
    name
    kind
    lineage {
      trainingJobId
    }
    evaluationsConnection(first: 1) {
      edges {
        node {
          id
          createdAt
          metrics {
            windows
            anomalous
            accuracy
            precision
            recall
            f1
            rocAuc
            prAuc
            threshold
            confusion {
              tp
              fp
              tn
              fn
            }
          }
          rocCurve {
            falsePositiveRate
            truePositiveRate
          }
          prCurve {
            recall
            precision
          }
          scoreDistribution {
            edges
            healthy
            anomalous
            logScale
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ModelVersionCurvesQuery, ModelVersionCurvesQueryVariables>;
export const TrainingJobLossesDocument = new TypedDocumentString(`
    query TrainingJobLosses($id: Int!) {
  trainingJob(id: $id) {
    id
    epochs {
      epoch
      loss
      validationLoss
    }
  }
}
    `) as unknown as TypedDocumentString<TrainingJobLossesQuery, TrainingJobLossesQueryVariables>;
export const ActivateModelVersionDocument = new TypedDocumentString(`
    mutation ActivateModelVersion($id: Int!) {
  activateModelVersion(id: $id) {
    activated {
      id
      isActive
    }
    previous {
      id
      isActive
    }
  }
}
    `) as unknown as TypedDocumentString<ActivateModelVersionMutation, ActivateModelVersionMutationVariables>;
export const ScoreFileVersionsDocument = new TypedDocumentString(`
    query ScoreFileVersions {
  modelVersionsConnection(first: 100) {
    edges {
      node {
        id
        version
        name
        kind
        isActive
        sensors
        windowLength
        regimes {
          settings
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ScoreFileVersionsQuery, ScoreFileVersionsQueryVariables>;
export const ScoreFileTestEnginesDocument = new TypedDocumentString(`
    query ScoreFileTestEngines {
  enginesConnection(filter: {dataset: "FD001", role: TEST}, first: 500) {
    edges {
      node {
        id
        externalId
        unit
        lastCycle
      }
    }
  }
  dataset(name: "FD001") {
    sensors {
      name
    }
    settings {
      name
    }
  }
}
    `) as unknown as TypedDocumentString<ScoreFileTestEnginesQuery, ScoreFileTestEnginesQueryVariables>;
export const ScoreFileEngineCyclesDocument = new TypedDocumentString(`
    query ScoreFileEngineCycles($id: Int!) {
  engine(id: $id) {
    id
    externalId
    cycles {
      sensors
      settings
    }
  }
}
    `) as unknown as TypedDocumentString<ScoreFileEngineCyclesQuery, ScoreFileEngineCyclesQueryVariables>;
export const ScoreFileDocument = new TypedDocumentString(`
    mutation ScoreFile($version: Int, $windows: [WindowInput!]!) {
  scoreWindows(modelVersionId: $version, windows: $windows) {
    score
    threshold
    isAnomaly
  }
}
    `) as unknown as TypedDocumentString<ScoreFileMutation, ScoreFileMutationVariables>;
export const DetectorKindsDocument = new TypedDocumentString(`
    query DetectorKinds {
  detectorKinds {
    name
    description
    trainModelField
    options {
      name
      type
      default
      description
      min
      max
      choices
    }
  }
  datasetsConnection(first: 100) {
    edges {
      node {
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DetectorKindsQuery, DetectorKindsQueryVariables>;
export const TrainModelDocument = new TypedDocumentString(`
    mutation TrainModel($input: TrainModelInput!) {
  trainModel(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<TrainModelMutation, TrainModelMutationVariables>;
export const CancelTrainingJobDocument = new TypedDocumentString(`
    mutation CancelTrainingJob($id: Int!) {
  cancelTrainingJob(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<CancelTrainingJobMutation, CancelTrainingJobMutationVariables>;
export const TrainingJobDocument = new TypedDocumentString(`
    query TrainingJob($id: Int!) {
  trainingJob(id: $id) {
    id
    status
    error
    totalEpochs
    cancelRequested
    modelVersionId
    progress {
      epochsCompleted
      totalEpochs
      elapsedMs
      estimatedRemainingMs
    }
    epochs {
      epoch
      loss
      validationLoss
    }
    modelVersion {
      id
      version
      name
    }
  }
}
    `) as unknown as TypedDocumentString<TrainingJobQuery, TrainingJobQueryVariables>;