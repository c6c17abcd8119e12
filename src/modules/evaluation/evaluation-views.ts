// Database rows to GraphQL objects where the shapes differ (JSON columns to typed objects).
import type { Evaluation as EvaluationRow } from '@prisma/client';
import type { CurvesRecord, MetricsRecord } from './evaluation-records';
import type { Evaluation } from '../registry/model-version-types';

export function toEvaluationView(row: EvaluationRow): Evaluation {
  const curves = row.curves as unknown as CurvesRecord;
  return {
    id: row.id,
    modelVersionId: row.modelVersionId,
    dataset: row.dataset,
    split: row.split as Record<string, unknown>,
    metrics: row.metrics as unknown as MetricsRecord,
    rocCurve: curves.roc,
    prCurve: curves.pr,
    scoreDistribution: curves.distribution ?? null,
    createdAt: row.createdAt,
  };
}
