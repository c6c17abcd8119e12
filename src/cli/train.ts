// `train`: queues a training job and runs it in this process (the same code path as the server's
// runner), drawing a progress bar, then prints the metrics of the registered version.
import { SingleBar } from 'cli-progress';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { selectBackend } from '../model';
import { createServices } from '../services/appServices';
import type { MetricsRecord } from '../services/evaluationRecords';
import type { TrainingRequestInput } from '../services/trainingRequest';
import { metricsTable } from './report';

export interface TrainOutcome {
  jobId: number;
  status: string;
  error: string | null;
  modelVersionId: number | null;
  version: number | null;
  metrics: MetricsRecord | null;
  threshold: number | null;
  trainingMs: number | null;
}

export async function runTraining(
  database: Database,
  logger: Logger,
  input: TrainingRequestInput,
  options: { progress: boolean; write: (text: string) => void },
): Promise<TrainOutcome> {
  await selectBackend({ log: (line) => logger.info(line) });
  let bar: SingleBar | null = null;
  const services = createServices(database, logger, {
    runner: {
      onEpoch: (_jobId, progress) => {
        if (!options.progress) return;
        if (!bar) {
          bar = new SingleBar({ format: 'epoch {value}/{total} [{bar}] loss {loss} val {val} | {elapsed}s elapsed, ~{remaining}s left', hideCursor: true });
          bar.start(job.totalEpochs, 0, { loss: '-', val: '-', elapsed: 0, remaining: '?' });
        }
        const perEpoch = progress.elapsedMs / progress.epoch;
        bar.update(progress.epoch, {
          loss: progress.loss.toFixed(5),
          val: progress.validationLoss === null ? '-' : progress.validationLoss.toFixed(5),
          elapsed: (progress.elapsedMs / 1000).toFixed(0),
          remaining: ((perEpoch * (job.totalEpochs - progress.epoch)) / 1000).toFixed(0),
        });
      },
    },
  });
  const job = await services.jobs.enqueue(input);
  options.write(`training job ${job.id} queued: ${job.totalEpochs} epochs\n`);
  const finished = await services.runner.runNext(job.id).finally(() => (bar as SingleBar | null)?.stop());
  if (!finished) throw new Error(`training job ${job.id} was taken by another runner`);
  const version = finished.modelVersionId === null ? null : await services.models.get(finished.modelVersionId);
  const outcome: TrainOutcome = {
    jobId: finished.id,
    status: finished.status,
    error: finished.error,
    modelVersionId: version?.id ?? null,
    version: version?.version ?? null,
    metrics: (version?.metrics as unknown as MetricsRecord | null) ?? null,
    threshold: version?.threshold ?? null,
    trainingMs: version?.trainingMs ?? null,
  };
  if (outcome.metrics && version) {
    options.write(
      `${metricsTable(`model version ${version.version} (id ${version.id}), trained in ${((version.trainingMs ?? 0) / 1000).toFixed(1)} s on ${version.backend}; test engines:`, outcome.metrics)}\n`,
    );
  } else {
    options.write(`training job ${finished.id} ${finished.status.toLowerCase()}${finished.error ? `: ${finished.error}` : ''}\n`);
  }
  return outcome;
}
