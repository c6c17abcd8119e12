// How evaluation results are stored (JSON columns of evaluations and model_versions.metrics).
import type { Prisma } from '@prisma/client';
import { exactJson } from '../../platform/db/exact-floats';
import type { Evaluation } from '../../domain/evaluation/metrics';
import type { PrPoint, RocPoint } from '../../domain/evaluation/curves';
import type { ScoreHistogram } from '../../domain/evaluation/score-histogram';
import {
  engineLevelMetrics,
  type EngineLevelLabels,
  type EngineLevelMetrics,
  type LabelledEngine,
} from '../../domain/evaluation/engine-level';
import type { AlertRuleSettings } from '../../domain/alerts/alert-rule';

/** Engine-level metrics as stored, with the alert rule (k, n, m) they were measured under. */
export interface EngineLevelRecord extends EngineLevelMetrics {
  rule: Pick<AlertRuleSettings, 'k' | 'n' | 'm'>;
}

export interface MetricsRecord {
  threshold: number;
  windows: number;
  anomalous: number;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  rocAuc: number | null;
  prAuc: number | null;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  /** Absent from evaluations stored before engine-level evaluation, and from comparisons. */
  engineLevel?: EngineLevelRecord | null;
}

export interface CurvesRecord {
  roc: RocPoint[];
  pr: PrPoint[];
  /** Absent from evaluations stored before the score distributions were recorded. */
  distribution?: ScoreHistogram;
}

/** Engine-level metrics under the version's alert rule (the rule its alerts are raised with). */
export function engineLevelRecord(
  engines: readonly LabelledEngine[],
  threshold: number,
  labels: EngineLevelLabels,
  rule: AlertRuleSettings,
): EngineLevelRecord {
  return { ...engineLevelMetrics(engines, threshold, labels, rule), rule: { k: rule.k, n: rule.n, m: rule.m } };
}

export function metricsRecord(evaluation: Evaluation, engineLevel?: EngineLevelRecord): MetricsRecord {
  return {
    ...(engineLevel ? { engineLevel } : {}),
    threshold: evaluation.threshold,
    windows: evaluation.counts.total,
    anomalous: evaluation.counts.positives,
    precision: evaluation.precision,
    recall: evaluation.recall,
    f1: evaluation.f1,
    accuracy: evaluation.accuracy,
    rocAuc: evaluation.rocAuc,
    prAuc: evaluation.prAuc,
    confusion: { ...evaluation.confusion },
  };
}

export function curvesRecord(evaluation: Evaluation, distribution: ScoreHistogram): CurvesRecord {
  return { roc: evaluation.rocCurve, pr: evaluation.prCurve, distribution };
}

export interface EvaluatedSplit {
  role: 'TRAIN' | 'TEST';
  units: number[];
  anomalyRul: number;
  /** Whether any evaluated engine also trained or calibrated the version. */
  overlapsTraining: boolean;
}

/** Stores an evaluation (JSON sent as text: see platform/db/exact-floats.ts) and returns its id. */
export async function insertEvaluation(
  sql: Pick<Prisma.TransactionClient, '$queryRawUnsafe'>,
  record: {
    modelVersionId: number;
    dataset: string;
    split: EvaluatedSplit;
    evaluation: Evaluation;
    distribution: ScoreHistogram;
    engineLevel: EngineLevelRecord;
  },
): Promise<number> {
  const [{ id }] = await sql.$queryRawUnsafe<{ id: number }[]>(
    `INSERT INTO evaluations (model_version_id, dataset, split, metrics, curves)
     VALUES ($1, $2, $3::text::jsonb, $4::text::jsonb, $5::text::jsonb) RETURNING id`,
    record.modelVersionId,
    record.dataset,
    exactJson(record.split),
    exactJson(metricsRecord(record.evaluation, record.engineLevel)),
    exactJson(curvesRecord(record.evaluation, record.distribution)),
  );
  return id;
}
