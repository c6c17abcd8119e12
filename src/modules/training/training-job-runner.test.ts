import type { PrismaClient, TrainingJob } from '@prisma/client';
import { createLogger } from '../../platform/observability/logger';
import { TrainingJobRunner, type JobExecutor, type JobHooks } from './training-job-runner';
import { describeEachDatabase } from '../../../test/support/databases';

const logger = createLogger('silent');

async function enqueue(prisma: PrismaClient, epochs = 3): Promise<TrainingJob> {
  return prisma.trainingJob.create({ data: { config: { epochs }, totalEpochs: epochs } });
}

let nextVersion = 1000;
/** Registers a (content-free) model version, as the real pipeline does at its end. */
async function registerVersion(prisma: PrismaClient, hooks: JobHooks): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const version = await tx.modelVersion.create({
      data: {
        version: nextVersion++,
        kind: 'lstm-autoencoder',
        options: {},
        summary: {},
        sensors: [],
        windowLength: 30,
        normalisation: {},
        scoringMethod: {},
        threshold: 1,
        thresholdQuantile: 0.99,
        artifact: {},
        backend: 'cpu',
        trainingMs: 1,
        trainedOn: {},
      },
    });
    await hooks.markSucceeded(tx, version.id);
  });
}

/** Runs `epochs` epochs, each waiting for `release()` when gated, honouring the abort signal. */
function epochExecutor(prisma: PrismaClient, options: { epochs: number; gate?: Promise<void>; failAt?: number }): JobExecutor {
  return async (_job, hooks) => {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      if (options.gate && epoch === 2) await options.gate;
      if (hooks.signal.aborted) throw new Error('aborted');
      if (options.failAt === epoch) throw new Error(`diverged at epoch ${epoch}`);
      await hooks.onEpoch({ epoch, loss: 1 / epoch, validationLoss: 2 / epoch, learningRate: 0.001, elapsedMs: epoch * 10 });
    }
    if (hooks.signal.aborted) throw new Error('aborted');
    await registerVersion(prisma, hooks);
  };
}

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

async function waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEachDatabase('TrainingJobRunner', (db) => {
  const prisma = () => db().prisma;
  afterEach(async () => {
    await prisma().trainingJob.deleteMany();
    await prisma().modelVersion.deleteMany();
  });

  it('takes a queued job through running to succeeded, with its epochs and model version', async () => {
    const job = await enqueue(prisma());
    const runner = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 3 }), logger);
    const finished = await runner.runNext();
    expect(finished).toMatchObject({ id: job.id, status: 'SUCCEEDED', attempts: 1, error: null, claimedBy: runner.instanceId });
    expect(finished?.modelVersionId).not.toBeNull();
    expect(finished?.startedAt).not.toBeNull();
    expect(finished?.finishedAt).not.toBeNull();
    const epochs = await prisma().trainingEpoch.findMany({ where: { jobId: job.id }, orderBy: { epoch: 'asc' } });
    expect(epochs.map((epoch) => [epoch.epoch, epoch.loss])).toEqual([
      [1, 1],
      [2, 0.5],
      [3, 1 / 3],
    ]);
    expect(await runner.runNext()).toBeNull();
  });

  it('runs jobs in the order they were queued, one at a time', async () => {
    const first = await enqueue(prisma());
    const second = await enqueue(prisma());
    const runner = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 1 }), logger);
    expect((await runner.runNext())?.id).toBe(first.id);
    expect((await prisma().trainingJob.findUniqueOrThrow({ where: { id: second.id } })).status).toBe('QUEUED');
    expect((await runner.runNext())?.id).toBe(second.id);
  });

  it('marks a job whose training throws as failed with the message, registering nothing', async () => {
    await enqueue(prisma());
    const runner = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 3, failAt: 2 }), logger);
    const finished = await runner.runNext();
    expect(finished).toMatchObject({ status: 'FAILED', error: 'diverged at epoch 2', modelVersionId: null });
    expect(await prisma().modelVersion.count()).toBe(0);
  });

  it('cancels a running job between epochs, registering nothing', async () => {
    const job = await enqueue(prisma());
    const gate = deferred();
    const runner = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 3, gate: gate.promise }), logger);
    const running = runner.runNext();
    await waitFor(
      () => prisma().trainingEpoch.count({ where: { jobId: job.id } }),
      (count) => count === 1,
    );
    await prisma().trainingJob.update({ where: { id: job.id }, data: { cancelRequested: true } });
    gate.release();
    const finished = await running;
    expect(finished).toMatchObject({ status: 'CANCELLED', modelVersionId: null });
    expect(await prisma().modelVersion.count()).toBe(0);
  });

  it('refuses to mark a job succeeded once its cancellation was asked, rolling the version back', async () => {
    const job = await enqueue(prisma(), 1);
    const runner = new TrainingJobRunner(
      prisma(),
      async (_job, hooks) => {
        await prisma().trainingJob.update({ where: { id: job.id }, data: { cancelRequested: true } });
        await registerVersion(prisma(), hooks);
      },
      logger,
    );
    expect(await runner.runNext()).toMatchObject({ status: 'CANCELLED', modelVersionId: null });
    expect(await prisma().modelVersion.count()).toBe(0);
  });

  it('puts a job interrupted by stop() back in the queue without counting the attempt', async () => {
    const job = await enqueue(prisma());
    const gate = deferred();
    const runner = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 3, gate: gate.promise }), logger, {
      pollIntervalMs: 10,
    });
    runner.start();
    await waitFor(
      () => prisma().trainingEpoch.count({ where: { jobId: job.id } }),
      (count) => count === 1,
    );
    expect(runner.runningJobId).toBe(job.id);
    const stopped = runner.stop();
    gate.release();
    await stopped;
    const requeued = await prisma().trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(requeued).toMatchObject({ status: 'QUEUED', attempts: 0, claimedBy: null, error: 'interrupted by a shutdown; re-queued' });

    const next = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 3 }), logger);
    expect(await next.runNext()).toMatchObject({ id: job.id, status: 'SUCCEEDED', attempts: 1 });
    expect(await prisma().trainingEpoch.count({ where: { jobId: job.id } })).toBe(3);
  });

  it('re-queues a job whose process died, then fails it after the maximum attempts', async () => {
    const stale = new Date(Date.now() - 60_000);
    const job = await prisma().trainingJob.create({
      data: { config: {}, totalEpochs: 3, status: 'RUNNING', claimedBy: 'dead-process', heartbeatAt: stale, attempts: 1 },
    });
    const runner = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 1 }), logger, {
      staleAfterMs: 30_000,
      maxAttempts: 2,
    });
    expect(await runner.recoverOrphanedJobs()).toBe(1);
    expect(await prisma().trainingJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: 'QUEUED', attempts: 1 });

    await prisma().trainingJob.update({
      where: { id: job.id },
      data: { status: 'RUNNING', claimedBy: 'dead-again', heartbeatAt: stale, attempts: 2 },
    });
    await runner.recoverOrphanedJobs();
    const failed = await prisma().trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/stopped during attempt 2 of 2/);
  });

  it('leaves a running job with a fresh heartbeat alone', async () => {
    const job = await prisma().trainingJob.create({
      data: { config: {}, totalEpochs: 3, status: 'RUNNING', claimedBy: 'other-replica', heartbeatAt: new Date(), attempts: 1 },
    });
    const runner = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 1 }), logger);
    expect(await runner.runNext()).toBeNull();
    expect(await prisma().trainingJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: 'RUNNING',
      claimedBy: 'other-replica',
    });
  });
});

describeEachDatabase('TrainingJobRunner with two runners', (db) => {
  it('gives each queued job to exactly one runner', async () => {
    const prisma = db().prisma;
    const jobs = await Promise.all([enqueue(prisma, 1), enqueue(prisma, 1), enqueue(prisma, 1), enqueue(prisma, 1)]);
    const seen: number[] = [];
    const executor: JobExecutor = async (job, hooks) => {
      seen.push(job.id);
      await registerVersion(prisma, hooks);
    };
    const a = new TrainingJobRunner(prisma, executor, logger);
    const b = new TrainingJobRunner(prisma, executor, logger);
    const drain = async (runner: TrainingJobRunner) => {
      while (await runner.runNext());
    };
    await Promise.all([drain(a), drain(b)]);
    const byId = (x: number, y: number) => x - y;
    expect([...seen].sort(byId)).toEqual(jobs.map((job) => job.id).sort(byId));
    expect(await prisma.trainingJob.count({ where: { status: 'SUCCEEDED' } })).toBe(4);
  });
});
