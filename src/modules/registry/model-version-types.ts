import { ModelStatus } from '@prisma/client';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { Extensions, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DEFAULT_MAX_CURVE_POINTS } from '../../domain/evaluation/metrics';
import { DEFAULT_HISTOGRAM_BINS } from '../../domain/evaluation/score-histogram';
import type { FieldCost } from '../../platform/graphql/cost';
import { UnitRangeInput } from '../training/training-job-types';
import { PageOf } from '../../platform/graphql/pagination';
import { ConnectionOf } from '../../platform/graphql/connection';
import { Node } from '../../platform/graphql/node';

registerEnumType(ModelStatus, {
  name: 'ModelStatus',
  description: 'Life cycle of a model version.',
  valuesConfig: {
    READY: { description: 'Trained, calibrated and evaluated: usable for scoring.' },
    ARCHIVED: { description: 'Kept for the record (archiveModelVersion); cannot be activated nor take an alias.' },
  },
});

@ObjectType({ description: 'Sizes of the LSTM autoencoder.' })
export class Architecture {
  @Field(() => Int, { description: 'Sensors per time step.' })
  features: number;

  @Field(() => Int, { description: 'Cycles per window.' })
  windowLength: number;

  @Field(() => Int, { description: 'LSTM state size of the encoder and the decoder.' })
  hidden: number;

  @Field(() => Int, { description: 'Size of the bottleneck code.' })
  code: number;
}

@ObjectType({ description: 'Confusion matrix at the threshold (anomalous = positive).' })
export class ConfusionMatrix {
  @Field(() => Int, { description: 'Anomalous windows flagged.' })
  tp: number;

  @Field(() => Int, { description: 'Normal windows flagged.' })
  fp: number;

  @Field(() => Int, { description: 'Normal windows not flagged.' })
  tn: number;

  @Field(() => Int, { description: 'Anomalous windows missed.' })
  fn: number;
}

@ObjectType({ description: 'The k-of-n alert rule engine-level metrics were measured under (docs/alerts.md).' })
export class AlertRuleInfo {
  @Field(() => Int, { description: 'Windows above the threshold, among the last n, that open an alert.' })
  k: number;

  @Field(() => Int, { description: 'Windows the rule looks back over.' })
  n: number;

  @Field(() => Int, { description: 'Consecutive windows at or below the threshold that close an alert.' })
  m: number;
}

@ObjectType({
  description:
    'Detection per engine rather than per window, with the alert rule: how many failing engines were alerted before failure, how early, and how many false alerts. A window is healthy when its RUL exceeds the version healthyRul; an engine is failing when one of its windows is within anomalyRul of failure.',
})
export class EngineLevelMetrics {
  @Field(() => AlertRuleInfo, { description: 'The alert rule applied to each engine windows.' })
  rule: AlertRuleInfo;

  @Field(() => Int, { description: 'Engines evaluated.' })
  engines: number;

  @Field(() => Int, { description: 'Engines with a window within anomalyRul cycles of failure.' })
  failingEngines: number;

  @Field(() => Int, { description: 'Failing engines with an alert open when they stop being healthy, or opened later.' })
  alertedBeforeFailure: number;

  @Field(() => Float, { nullable: true, description: 'alertedBeforeFailure / failingEngines; null without failing engines.' })
  alertedShare: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Median lead time: cycles from the opening of the alert that warned of failure to failure (its RUL); null when none alerted.',
  })
  medianLeadTime: number | null;

  @Field(() => Float, { nullable: true, description: '10th percentile of the lead times (linear interpolation); null when none alerted.' })
  p10LeadTime: number | null;

  @Field(() => Int, { description: 'Alerts opened at a healthy window.' })
  falseAlerts: number;

  @Field(() => Int, { description: 'Healthy windows (engine-cycles) evaluated.' })
  healthyCycles: number;

  @Field(() => Float, { nullable: true, description: 'False alerts per 1,000 healthy engine-cycles; null without healthy cycles.' })
  falseAlertsPer1000HealthyCycles: number | null;

  @Field(() => [Int], { description: 'Engines on which no alert opened, in increasing id order.' })
  neverAlertedEngineIds: number[];
}

@ObjectType({ description: 'Detection metrics of a model version on a labelled set of windows.' })
export class EvaluationMetrics {
  @Field(() => Float, { description: 'Threshold at which the threshold metrics are computed (score > threshold flags).' })
  threshold: number;

  @Field(() => Int, { description: 'Windows evaluated.' })
  windows: number;

  @Field(() => Int, { description: 'Windows labelled anomalous (RUL at the last cycle <= the anomaly bound).' })
  anomalous: number;

  @Field(() => Float, { description: 'Flagged windows that are anomalous (0 when nothing is flagged).' })
  precision: number;

  @Field(() => Float, { description: 'Anomalous windows that are flagged.' })
  recall: number;

  @Field(() => Float, { description: 'Harmonic mean of precision and recall.' })
  f1: number;

  @Field(() => Float, { description: 'Windows classified correctly.' })
  accuracy: number;

  @Field(() => Float, { nullable: true, description: 'Area under the ROC curve; null when only one class is present.' })
  rocAuc: number | null;

  @Field(() => Float, { nullable: true, description: 'Average precision (area under the precision-recall curve); null without anomalies.' })
  prAuc: number | null;

  @Field(() => ConfusionMatrix, { description: 'Counts at the threshold.' })
  confusion: ConfusionMatrix;

  @Field(() => EngineLevelMetrics, {
    nullable: true,
    description:
      "Engine-level metrics under the default alert rule (in a comparison: on all of the version's windows of the compared engines); null in evaluations stored before they existed.",
  })
  engineLevel?: EngineLevelMetrics | null;
}

@ObjectType({ description: 'A point of a ROC curve.' })
export class RocPoint {
  @Field(() => Float, { description: 'False positive rate.' })
  falsePositiveRate: number;

  @Field(() => Float, { description: 'True positive rate (recall).' })
  truePositiveRate: number;

  @Field(() => Float, { nullable: true, description: 'Score threshold of this point; null for the origin.' })
  threshold: number | null;
}

@ObjectType({ description: 'A point of a precision-recall curve.' })
export class PrPoint {
  @Field(() => Float, { description: 'Recall.' })
  recall: number;

  @Field(() => Float, { description: 'Precision.' })
  precision: number;

  @Field(() => Float, { nullable: true, description: 'Score threshold of this point; null for the start.' })
  threshold: number | null;
}

@ObjectType({
  description:
    'Score histogram of the windows of an evaluation, healthy (RUL above the anomaly bound) and anomalous apart, on shared bins that span every score and the threshold.',
})
export class ScoreDistribution {
  @Extensions({ cost: { assumedSize: DEFAULT_HISTOGRAM_BINS + 1 } satisfies FieldCost })
  @Field(() => [Float], {
    description:
      'Rising bin edges, one more than the bins: bin k holds edges[k] <= score < edges[k + 1] (the last bin also its upper edge).',
  })
  edges: number[];

  @Extensions({ cost: { assumedSize: DEFAULT_HISTOGRAM_BINS } satisfies FieldCost })
  @Field(() => [Int], { description: 'Healthy windows per bin.' })
  healthy: number[];

  @Extensions({ cost: { assumedSize: DEFAULT_HISTOGRAM_BINS } satisfies FieldCost })
  @Field(() => [Int], { description: 'Anomalous windows per bin.' })
  anomalous: number[];

  @Field(() => Boolean, {
    description: 'Whether the edges are evenly spaced on a logarithmic scale (every score and the threshold positive); linear otherwise.',
  })
  logScale: boolean;
}

@ObjectType({ implements: Node, description: 'An evaluation of a model version on a labelled split of a data set.' })
export class Evaluation {
  @Field(() => Int, { description: 'Identifier of the evaluation.' })
  id: number;

  @Field(() => Int, { description: 'Model version evaluated.' })
  modelVersionId: number;

  @Field(() => String, { description: 'C-MAPSS subset evaluated.' })
  dataset: string;

  @Field(() => JSONObjectResolver, { description: 'Engines evaluated and labelling rule.' })
  split: Record<string, unknown>;

  @Field(() => EvaluationMetrics, { description: 'Metrics at the version threshold.' })
  metrics: EvaluationMetrics;

  @Extensions({ cost: { assumedSize: DEFAULT_MAX_CURVE_POINTS } satisfies FieldCost })
  @Field(() => [RocPoint], { description: 'ROC curve, down-sampled to a few hundred points.' })
  rocCurve: RocPoint[];

  @Extensions({ cost: { assumedSize: DEFAULT_MAX_CURVE_POINTS } satisfies FieldCost })
  @Field(() => [PrPoint], { description: 'Precision-recall curve, down-sampled to a few hundred points.' })
  prCurve: PrPoint[];

  @Field(() => ScoreDistribution, {
    nullable: true,
    description: 'Scores of the healthy and anomalous windows evaluated, binned; null for evaluations stored before it was recorded.',
  })
  scoreDistribution: ScoreDistribution | null;

  @Field(() => DateTimeResolver, { description: 'When the evaluation was made.' })
  createdAt: Date;
}

@ObjectType({ description: "A version's evaluations, newest stored first: a cursor connection." })
export class EvaluationConnection extends ConnectionOf(Evaluation, 'Evaluation') {}

@ObjectType({ description: "How a window's score is derived from what the detector measures." })
export class ScoringMethodInfo {
  @Field(() => String, {
    description: 'Method name (for lstm-autoencoder: reconstruction-error is the reference; other kinds name their own).',
  })
  kind: string;

  @Field(() => JSONObjectResolver, { description: 'The method and its fitted parameters, as stored.' })
  definition: Record<string, unknown>;
}

@ObjectType({ description: 'One operating regime of a version: a cluster of the operational settings.' })
export class OperatingRegime {
  @Field(() => [Float], { description: 'Centroid of the regime in setting units, in settings order.' })
  settings: number[];

  @Field(() => Int, { description: "Healthy training rows the regime's statistics rest on." })
  healthyRows: number;

  @Field(() => [Float], { description: "Mean of each sensor over the regime's healthy training rows, in sensors order." })
  mean: number[];

  @Field(() => [Float], { description: "Standard deviation of each sensor over the regime's healthy training rows, in sensors order." })
  std: number[];
}

@ObjectType({ description: 'The operating regimes a version normalises its sensors within.' })
export class OperatingRegimes {
  @Field(() => [String], { description: 'Setting columns the regimes are defined on.' })
  settings: string[];

  @Field(() => Float, { description: "Share of the settings' dispersion left within the regimes (0: perfectly tight clusters)." })
  withinShare: number;

  @Field(() => [OperatingRegime], {
    description: 'The regimes; a row belongs to the one whose centroid is nearest in standardised settings.',
  })
  regimes: OperatingRegime[];
}

@ObjectType({ implements: Node, description: 'A trained, calibrated and evaluated detector.' })
export class ModelVersion {
  @Field(() => Int, { description: 'Identifier of the model version.' })
  id: number;

  @Field(() => Int, { description: 'Version number, increasing with each registration.' })
  version: number;

  @Field(() => String, { nullable: true, description: 'Optional name given at training.' })
  name: string | null;

  @Field(() => ModelStatus, { description: 'Life-cycle status.' })
  status: ModelStatus;

  @Field(() => Boolean, { description: 'Whether scoring uses this version by default.' })
  isActive: boolean;

  @Field(() => String, { description: 'Detector kind (see detectorKinds), e.g. lstm-autoencoder or isolation-forest.' })
  kind: string;

  @Field(() => JSONObjectResolver, { description: "The kind's options as trained, every default filled in." })
  options: Record<string, unknown>;

  @Field(() => JSONObjectResolver, {
    description: 'Facts about the fit: epochs run and selected, backend, threads, trees, components (kind-specific).',
  })
  summary: Record<string, unknown>;

  @Field(() => [String], { description: 'Sensors the model reads, in input order (e.g. sensor2).' })
  sensors: string[];

  @Field(() => Int, { description: 'Cycles per window.' })
  windowLength: number;

  @Field(() => Float, { description: 'Score above which a window is flagged anomalous.' })
  threshold: number;

  @Field(() => Float, {
    description:
      'Quantile of the healthy calibration scores the threshold was set at (reconstruction-error; the other scoring methods set it at scoringMethod.definition.calibrationRecall of the calibration trajectories).',
  })
  thresholdQuantile: number;

  @Field(() => ScoringMethodInfo, { description: 'How scores are derived from what the detector measures.' })
  scoringMethod: ScoringMethodInfo;

  @Field(() => String, {
    description: 'Where the fit ran: the TensorFlow.js backend for lstm-autoencoder (wasm, tensorflow, cpu), js otherwise.',
  })
  backend: string;

  @Field(() => Int, { description: 'Wall time of the fit and calibration, in milliseconds.' })
  trainingMs: number;

  @Field(() => JSONObjectResolver, { description: 'Data set, engine split and window counts the model was trained and calibrated on.' })
  trainedOn: Record<string, unknown>;

  @Field(() => DateTimeResolver, { description: 'When the version was registered.' })
  createdAt: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the version was last activated.' })
  activatedAt: Date | null;
}

@ObjectType({ description: 'Where an imported model version comes from: the version its portable file was exported from.' })
export class ModelVersionImport {
  @Field(() => Int, { description: 'Id of the version in the deployment that exported it.' })
  sourceId: number;

  @Field(() => Int, { description: 'Version number there.' })
  sourceVersion: number;

  @Field(() => String, { nullable: true, description: 'Its name there.' })
  sourceName: string | null;

  @Field(() => DateTimeResolver, { description: 'When the file was exported.' })
  exportedAt: Date;

  @Field(() => String, { description: 'Version of the service that exported it (package.json).' })
  exportedBy: string;

  @Field(() => String, { description: 'The file\'s checksum, "sha256:<hex>" of its content.' })
  checksum: string;

  @Field(() => DateTimeResolver, { description: 'When it was imported here.' })
  importedAt: Date;
}

@ObjectType({ description: 'Where a model version comes from: its data, the job that trained it and the code that ran.' })
export class ModelVersionLineage {
  @Field(() => ID, { description: 'Cache key: the model version id.' })
  id: string;

  @Field(() => String, { description: 'Data set it was trained, calibrated and tested on.' })
  dataset: string;

  @Field(() => String, {
    nullable: true,
    description:
      'sha256 of the readings of its train, calibration and test engines (units, cycles, settings, sensors, RUL), "sha256:<hex>": equal for the same data, different when any cycle changed. Null for versions registered before it was recorded.',
  })
  dataFingerprint: string | null;

  @Field(() => Int, { nullable: true, description: 'The training job that registered it; null when none is recorded.' })
  trainingJobId: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Version of this service (package.json) that trained it; null for versions registered before it was recorded.',
  })
  codeVersion: string | null;

  @Field(() => ModelVersionImport, {
    nullable: true,
    description:
      'For a version imported from a portable file (GET /model-versions/{id}/export, POST /model-versions/import): the version it was exported from; null for a version trained here.',
  })
  importedFrom: ModelVersionImport | null;
}

@ObjectType({ description: 'A key/value tag of a model version.' })
export class ModelVersionTag {
  @Field(() => ID, { description: 'Cache key: version and key ("modelVersionId:key").' })
  id: string;

  @Field(() => String, { description: 'Tag key: 1 to 128 letters, digits, ".", "_", "-", "/" or ":".' })
  key: string;

  @Field(() => String, { description: 'Tag value, at most 5,000 characters.' })
  value: string;
}

@ObjectType({ description: 'What setting an alias changed: the version it names now and the one it was taken from.' })
export class ModelVersionAliasMove {
  @Field(() => String, { description: 'The alias.' })
  alias: string;

  @Field(() => ModelVersion, { description: 'The version the alias names now.' })
  modelVersion: ModelVersion;

  @Field(() => ModelVersion, {
    nullable: true,
    description: 'The version that carried the alias before, which no longer does; null when none did or it already named this one.',
  })
  previous: ModelVersion | null;
}

@ObjectType({ description: 'A page of model versions.' })
export class ModelVersionPage extends PageOf(ModelVersion) {}

@ObjectType({ description: 'Model versions, newest first: a cursor connection.' })
export class ModelVersionConnection extends ConnectionOf(ModelVersion, 'ModelVersion') {}

@ObjectType({
  description: 'What an activation changed: the version now active and the one it replaced, so that a client cache updates both.',
})
export class ModelVersionActivation {
  @Field(() => ModelVersion, { description: 'The version now active.' })
  activated: ModelVersion;

  @Field(() => ModelVersion, {
    nullable: true,
    description: 'The version that was active before, now inactive; null when none was, or when the version asked already was.',
  })
  previous: ModelVersion | null;
}

export enum EvaluationRole {
  TRAIN = 'TRAIN',
  TEST = 'TEST',
}

registerEnumType(EvaluationRole, {
  name: 'EvaluationRole',
  description: 'Which C-MAPSS engines to evaluate on.',
  valuesConfig: {
    TRAIN: { description: 'Run-to-failure engines: RUL known at every cycle.' },
    TEST: { description: 'Truncated test engines: RUL known from the RUL file.' },
  },
});

@InputType({ description: 'Labelled engines to evaluate on. Every field is optional: the default is the version test engines.' })
export class EvaluationSplitInput {
  @Field(() => String, { nullable: true, description: 'C-MAPSS subset (default: the one the version was trained on).' })
  dataset?: string | null;

  @Field(() => EvaluationRole, { nullable: true, description: 'Engine role (default TRAIN).' })
  role?: EvaluationRole | null;

  @Field(() => [UnitRangeInput], { nullable: true, description: 'Units to evaluate (default: the version test units).' })
  units?: UnitRangeInput[] | null;

  @Field(() => Int, { nullable: true, description: 'A window is anomalous when its RUL is at most this (default: as trained).' })
  anomalyRul?: number | null;
}

@ObjectType({ description: 'Differences of a version metrics against the first compared version.' })
export class MetricDeltas {
  @Field(() => Float, { nullable: true, description: 'ROC-AUC difference.' })
  rocAuc: number | null;

  @Field(() => Float, { nullable: true, description: 'PR-AUC difference.' })
  prAuc: number | null;

  @Field(() => Float, { description: 'Precision difference.' })
  precision: number;

  @Field(() => Float, { description: 'Recall difference.' })
  recall: number;

  @Field(() => Float, { description: 'F1 difference.' })
  f1: number;

  @Field(() => Float, { description: 'Accuracy difference.' })
  accuracy: number;
}

@ObjectType({ description: 'One version in a comparison.' })
export class VersionComparison {
  @Field(() => ModelVersion, { description: 'The version.' })
  version: ModelVersion;

  @Field(() => EvaluationMetrics, { description: 'Metrics on the common windows, at the version threshold.' })
  metrics: EvaluationMetrics;

  @Extensions({ cost: { assumedSize: DEFAULT_MAX_CURVE_POINTS } satisfies FieldCost })
  @Field(() => [RocPoint], { description: 'ROC curve on the common windows, down-sampled to a few hundred points.' })
  rocCurve: RocPoint[];

  @Extensions({ cost: { assumedSize: DEFAULT_MAX_CURVE_POINTS } satisfies FieldCost })
  @Field(() => [PrPoint], { description: 'Precision-recall curve on the common windows, down-sampled to a few hundred points.' })
  prCurve: PrPoint[];

  @Field(() => MetricDeltas, { description: 'Metrics minus those of the first version.' })
  deltas: MetricDeltas;

  @Field(() => Float, { description: 'Share of common windows flagged the same way as by the first version.' })
  agreement: number;

  @Field(() => Int, { description: 'Windows this version flags and the first does not.' })
  flaggedOnlyByThis: number;

  @Field(() => Int, { description: 'Windows the first version flags and this one does not.' })
  flaggedOnlyByFirst: number;
}

@ObjectType({ description: 'Versions compared on the same windows.' })
export class ModelComparison {
  @Field(() => String, { description: 'Data set of the compared windows.' })
  dataset: string;

  @Field(() => [Int], { description: 'Units whose windows were compared.' })
  units: number[];

  @Field(() => Int, { description: 'Anomaly bound used for labels.' })
  anomalyRul: number;

  @Field(() => Int, { description: 'Windows scored by every version.' })
  commonWindows: number;

  @Field(() => [VersionComparison], { description: 'One entry per version, in the order asked; the first is the reference.' })
  versions: VersionComparison[];
}
