// `evaluate`: evaluates a stored version on labelled engines and prints the metrics.
import { Command, Option } from 'commander';
import type { Database } from '../../platform/db/database';
import type { Logger } from '../../platform/observability/logger';
import { selectBackend } from '../../detectors/lstm-autoencoder/engine';
import { createServices } from '../services';
import type { MetricsRecord } from '../../modules/evaluation/evaluation-records';
import type { EvaluationRequest } from '../../modules/evaluation/evaluation-service';
import { metricsTable } from './report';
import { cliLogger, withDatabase } from './runtime';
import { parseInteger, parseUnitRanges } from './units';
import type { UnitRange } from '../../modules/training/training-request';

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
  const units =
    split.units.length > 8
      ? `${split.units[0]}..${split.units[split.units.length - 1]} (${split.units.length} units)`
      : split.units.join(', ');
  write(
    `${metricsTable(
      `model version id ${versionId} on ${evaluation.dataset} ${split.role.toLowerCase()} units ${units}, anomalous when RUL <= ${split.anomalyRul}${split.overlapsTraining ? ' (some of these engines trained or calibrated the version)' : ''}:`,
      metrics,
    )}\n`,
  );
  return { evaluationId: evaluation.id, split, metrics };
}

export function evaluateCommand(): Command {
  return new Command('evaluate')
    .description(
      'Evaluate a stored model version at its threshold on labelled engines of any imported subset (stored as a new ' +
        'evaluation of the version) and print the metrics.',
    )
    .argument('<version-id>', 'model version id', parseInteger)
    .option('--dataset <subset>', 'subset (default: the one the version was trained on)')
    .addOption(
      new Option('--role <role>', 'TRAIN (run-to-failure) or TEST (truncated, RUL file) engines')
        .choices(['train', 'test'])
        .default('train'),
    )
    .option('--units <ranges>', "units to evaluate (default: the version's test units)", parseUnitRanges)
    .option('--anomaly-rul <cycles>', "windows ending with RUL at or below this are anomalous (default: the version's)", parseInteger)
    .option('--json', 'print JSON (evaluation id, split, metrics) instead of a table')
    .action(
      async (
        versionId: number,
        options: { dataset?: string; role: 'train' | 'test'; units?: UnitRange[]; anomalyRul?: number; json?: boolean },
      ) => {
        const result = await withDatabase((database) =>
          runEvaluation(
            database,
            cliLogger(),
            versionId,
            {
              dataset: options.dataset ?? null,
              role: options.role === 'test' ? 'TEST' : 'TRAIN',
              units: options.units ?? null,
              anomalyRul: options.anomalyRul ?? null,
            },
            (text) => (options.json ? undefined : process.stdout.write(text)),
          ),
        );
        if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      },
    );
}
