// `evaluate`: evaluates a stored version on labelled engines and prints the metrics.
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { selectBackend } from '../model';
import { createServices } from '../services/appServices';
import type { MetricsRecord } from '../services/evaluationRecords';
import type { EvaluationRequest } from '../services/evaluationService';
import { metricsTable } from './report';

export async function runEvaluation(
  database: Database,
  logger: Logger,
  versionId: number,
  request: EvaluationRequest,
  write: (text: string) => void,
): Promise<{ evaluationId: number; split: unknown; metrics: MetricsRecord }> {
  await selectBackend({ log: (line) => logger.info(line) });
  const services = createServices(database, logger);
  const evaluation = await services.evaluations.evaluate(versionId, request);
  const metrics = evaluation.metrics as unknown as MetricsRecord;
  const split = evaluation.split as { role: string; units: number[]; anomalyRul: number; overlapsTraining: boolean };
  const units = split.units.length > 8 ? `${split.units[0]}..${split.units[split.units.length - 1]} (${split.units.length} units)` : split.units.join(', ');
  write(
    `${metricsTable(
      `model version id ${versionId} on ${evaluation.dataset} ${split.role.toLowerCase()} units ${units}, anomalous when RUL <= ${split.anomalyRul}${split.overlapsTraining ? ' (some of these engines trained or calibrated the version)' : ''}:`,
      metrics,
    )}\n`,
  );
  return { evaluationId: evaluation.id, split, metrics };
}
