// `evaluate`: evaluates a stored version on labelled engines and prints the metrics.
import { Command, Option } from 'commander';
import type { Database } from '../../platform/db/database';
import type { Logger } from '../../platform/observability/logger';
import { selectBackend } from '../../detectors/lstm-autoencoder/engine';
import { createServices } from '../services';
import type { MetricsRecord } from '../../modules/evaluation/evaluation-records';
import type { Evaluation as EvaluationRow } from '@prisma/client';
import { SingleBar } from 'cli-progress';
import { MAX_SYNC_EVALUATED_ENGINES, type EvaluationRequest } from '../../modules/evaluation/evaluation-service';
import { batchProgress } from '../../modules/batch-jobs/batch-job-service';
import { metricsTable } from './report';
import { cliLogger, withDatabase } from './runtime';
import { parseInteger, parseUnitRanges } from './units';
import type { UnitRange } from '../../modules/training/training-request';

/**
 * Evaluates at once within MAX_SYNC_EVALUATED_ENGINES engines, as evaluateModelVersion does; a larger
 * split runs as a batch job in this process (the job the API's startEvaluation queues), with progress.
 */
export async function runEvaluation(
  database: Database,
  logger: Logger,
  versionId: number,
  request: EvaluationRequest,
  options: { progress: boolean; write: (text: string) => void },
): Promise<{ evaluationId: number; split: unknown; metrics: MetricsRecord; jobId: number | null }> {
  await selectBackend({ log: (line) => logger.info(line) });
  let bar: SingleBar | null = null;
  const services = createServices(database, logger, {
    batchRunner: {
      onJobChanged: (jobId) => {
        if (!options.progress) return;
        void services.batchJobs.findMany([jobId]).then(async ([job]) => {
          if (!job) return;
          const progress = batchProgress(job, (await services.batchJobs.doneOf([jobId]))[0]);
          if (!bar) {
            bar = new SingleBar({ format: 'engines {value}/{total} [{bar}] windows {windows}/{totalWindows}', hideCursor: true });
            bar.start(progress.totalEngines, 0, { windows: 0, totalWindows: progress.totalWindows });
          }
          bar.update(progress.enginesDone, { windows: progress.windowsDone });
        });
      },
    },
  });
  const plan = await services.evaluations.plan(versionId, request);
  let evaluation: EvaluationRow;
  let jobId: number | null = null;
  if (plan.engines.length <= MAX_SYNC_EVALUATED_ENGINES) {
    evaluation = await services.evaluations.evaluate(versionId, request);
  } else {
    const job = await services.batchJobs.startEvaluation(versionId, request);
    jobId = job.id;
    options.write(`evaluation job ${job.id} queued: ${job.engineIds.length} engines, ${job.totalWindows} windows\n`);
    const finished = await services.batchRunner.runNext(job.id).finally(() => (bar as SingleBar | null)?.stop());
    if (finished?.status !== 'SUCCEEDED' || finished.evaluationId === null) {
      throw new Error(
        `evaluation job ${job.id} ${finished ? `${finished.status.toLowerCase()}: ${finished.error}` : 'was taken by another runner'}`,
      );
    }
    evaluation = await database.prisma.evaluation.findUniqueOrThrow({ where: { id: finished.evaluationId } });
  }
  const metrics = evaluation.metrics as unknown as MetricsRecord;
  const split = evaluation.split as { role: string; units: number[]; anomalyRul: number; overlapsTraining: boolean };
  const units =
    split.units.length > 8
      ? `${split.units[0]}..${split.units[split.units.length - 1]} (${split.units.length} units)`
      : split.units.join(', ');
  options.write(
    `${metricsTable(
      `model version id ${versionId} on ${evaluation.dataset} ${split.role.toLowerCase()} units ${units}, anomalous when RUL <= ${split.anomalyRul}${split.overlapsTraining ? ' (some of these engines trained or calibrated the version)' : ''}:`,
      metrics,
    )}\n`,
  );
  return { evaluationId: evaluation.id, split, metrics, jobId };
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
    .option(
      '--units <ranges>',
      "units to evaluate (default: the version's test units, or every engine of another subset or role); " +
        `more than ${MAX_SYNC_EVALUATED_ENGINES} engines run as a batch job, with progress`,
      parseUnitRanges,
    )
    .option('--anomaly-rul <cycles>', "windows ending with RUL at or below this are anomalous (default: the version's)", parseInteger)
    .option('--json', 'print JSON (evaluation id, split, metrics, and the job id of a batch job) instead of a table')
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
            { progress: !options.json && process.stderr.isTTY, write: (text) => (options.json ? undefined : process.stdout.write(text)) },
          ),
        );
        if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      },
    );
}
