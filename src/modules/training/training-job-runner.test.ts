import type { PrismaClient, TrainingJob } from '@prisma/client';
import { createLogger } from '../../platform/observability/logger';
import { TrainingJobRunner, type JobExecutor, type JobHooks } from './training-job-runner';
import { jobProgress, TrainingJobService } from './training-job-service';
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

  it('keeps a cancel final: a job cancelled before its dead runner was noticed is never trained again', async () => {
    // The runner died a moment ago: the job's heartbeat is not stale yet, so the cancel can only be asked.
    const job = await prisma().trainingJob.create({
      data: { config: {}, totalEpochs: 3, status: 'RUNNING', claimedBy: 'dead-process', heartbeatAt: new Date(), attempts: 1 },
    });
    await new TrainingJobService(prisma()).cancel(job.id);
    // Later, the heartbeat has gone stale and another runner looks at the queue.
    await prisma().trainingJob.update({ where: { id: job.id }, data: { heartbeatAt: new Date(Date.now() - 60_000) } });
    const started: number[] = [];
    const runner = new TrainingJobRunner(
      prisma(),
      async (claimed, hooks) => {
        started.push(claimed.id);
        await registerVersion(prisma(), hooks);
      },
      logger,
      { staleAfterMs: 30_000, retryBackoffMs: 0 },
    );
    expect(await runner.runNext()).toBeNull();
    expect(await runner.runNext()).toBeNull();
    expect(started).toEqual([]);
    expect(await prisma().trainingJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: 'CANCELLED',
      cancelRequested: true,
      modelVersionId: null,
    });
    expect(await prisma().modelVersion.count()).toBe(0);
  });

  it('backs off the re-claims of an orphan: the wait, recorded in the job row, doubles with each attempt', async () => {
    const stale = new Date(Date.now() - 60_000);
    const job = await prisma().trainingJob.create({
      data: { config: {}, totalEpochs: 1, status: 'RUNNING', claimedBy: 'dead-process', heartbeatAt: stale, attempts: 1 },
    });
    const runner = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 1 }), logger, {
      staleAfterMs: 30_000,
      maxAttempts: 5,
      retryBackoffMs: 60_000,
    });
    const before = Date.now();
    expect(await runner.runNext()).toBeNull(); // recovered, but not claimable before its retry time
    const requeued = await prisma().trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(requeued).toMatchObject({ status: 'QUEUED', attempts: 1, claimedBy: null });
    expect(requeued.retryAt!.getTime() - before).toBeGreaterThanOrEqual(59_000);
    expect(requeued.retryAt!.getTime() - before).toBeLessThanOrEqual(61_000 + (Date.now() - before));
    expect(requeued.error).toContain(requeued.retryAt!.toISOString());

    // Its second attempt dies too: the next wait is twice as long.
    await prisma().trainingJob.update({
      where: { id: job.id },
      data: { status: 'RUNNING', claimedBy: 'dead-again', heartbeatAt: stale, attempts: 2, retryAt: null },
    });
    const again = Date.now();
    await runner.recoverOrphanedJobs();
    const backedOff = await prisma().trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(backedOff.retryAt!.getTime() - again).toBeGreaterThanOrEqual(119_000);

    // Once its time has come it is claimed, and the claim clears it.
    await prisma().trainingJob.update({ where: { id: job.id }, data: { retryAt: new Date(Date.now() - 1) } });
    expect(await runner.runNext()).toMatchObject({ id: job.id, status: 'SUCCEEDED', attempts: 3, retryAt: null });
  });

  it('registers while it runs, refreshes its heartbeat, and deregisters when stopped', async () => {
    const runner = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 1 }), logger, {
      pollIntervalMs: 10,
      heartbeatIntervalMs: 20,
    });
    runner.start();
    const first = await waitFor(
      () => prisma().jobRunner.findUnique({ where: { id: runner.instanceId } }),
      (row) => row !== null,
    );
    expect(first).toMatchObject({ pid: process.pid });
    await waitFor(
      () => prisma().jobRunner.findUniqueOrThrow({ where: { id: runner.instanceId } }),
      (row) => row.heartbeatAt > first!.heartbeatAt,
    );
    await runner.stop();
    expect(await prisma().jobRunner.findUnique({ where: { id: runner.instanceId } })).toBeNull();
  });

  it('runs again when start() follows a stop() still in progress', async () => {
    const runner = new TrainingJobRunner(prisma(), epochExecutor(prisma(), { epochs: 1 }), logger, { pollIntervalMs: 10 });
    runner.start();
    await waitFor(
      () => prisma().jobRunner.count({ where: { id: runner.instanceId } }),
      (count) => count === 1,
    );
    const stopping = runner.stop();
    runner.start();
    await stopping;
    const job = await enqueue(prisma(), 1);
    await waitFor(
      () => prisma().trainingJob.findUniqueOrThrow({ where: { id: job.id } }),
      (current) => current.status === 'SUCCEEDED',
    );
    await runner.stop();
  });

  it('cancels a job whose cancel was asked during a shutdown instead of re-queueing it', async () => {
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
    await prisma().trainingJob.update({ where: { id: job.id }, data: { cancelRequested: true } });
    const stopped = runner.stop();
    gate.release();
    await stopped;
    expect(await prisma().trainingJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: 'CANCELLED' });
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

describeEachDatabase('TrainingJobService on jobs whose runner died', (db) => {
  const prisma = () => db().prisma;
  const service = () => new TrainingJobService(prisma(), () => undefined, 30_000);
  afterEach(async () => {
    await prisma().trainingJob.deleteMany();
    await prisma().jobRunner.deleteMany();
  });

  it('shows a RUNNING job whose runner stopped beating as ORPHANED, without a time estimate, and filters by it', async () => {
    const now = new Date();
    const stale = new Date(Date.now() - 60_000);
    await prisma().jobRunner.createMany({
      data: [
        { id: 'alive', hostname: 'a', pid: 1, heartbeatAt: now },
        { id: 'dead', hostname: 'b', pid: 2, heartbeatAt: stale },
      ],
    });
    const running = await prisma().trainingJob.create({
      data: { config: {}, totalEpochs: 10, status: 'RUNNING', claimedBy: 'alive', heartbeatAt: now, attempts: 1 },
    });
    // The job's own heartbeat is fresh, but its runner's is stale: the runner is dead.
    const orphan = await prisma().trainingJob.create({
      data: { config: {}, totalEpochs: 10, status: 'RUNNING', claimedBy: 'dead', heartbeatAt: now, attempts: 1 },
    });
    // No runner row (a runner of an older version), but the job's heartbeat is stale.
    const silent = await prisma().trainingJob.create({
      data: { config: {}, totalEpochs: 10, status: 'RUNNING', claimedBy: 'gone', heartbeatAt: stale, attempts: 1 },
    });
    for (const id of [running.id, orphan.id]) {
      await prisma().trainingEpoch.create({ data: { jobId: id, epoch: 2, loss: 1, learningRate: 0.001, elapsedMs: 2_000 } });
    }
    expect((await service().get(running.id)).status).toBe('RUNNING');
    const shown = await service().get(orphan.id);
    expect(shown.status).toBe('ORPHANED');
    expect((await service().get(silent.id)).status).toBe('ORPHANED');
    const epochs = await service().epochsOf([running.id, orphan.id]);
    expect(jobProgress(await service().get(running.id), epochs[0]).estimatedRemainingMs).toBe(8_000);
    expect(jobProgress(shown, epochs[1]).estimatedRemainingMs).toBeNull();

    const ids = async (status: 'RUNNING' | 'ORPHANED') => (await service().list(status)).items.map((job) => job.id).sort();
    expect(await ids('RUNNING')).toEqual([running.id]);
    expect(await ids('ORPHANED')).toEqual([orphan.id, silent.id].sort());
  });

  it('cancels a running job whose runner is dead at once, and a live one only on request', async () => {
    await prisma().jobRunner.create({ data: { id: 'alive', hostname: 'a', pid: 1, heartbeatAt: new Date() } });
    const live = await prisma().trainingJob.create({
      data: { config: {}, totalEpochs: 3, status: 'RUNNING', claimedBy: 'alive', heartbeatAt: new Date(), attempts: 1 },
    });
    const orphan = await prisma().trainingJob.create({
      data: { config: {}, totalEpochs: 3, status: 'RUNNING', claimedBy: 'gone', heartbeatAt: new Date(Date.now() - 60_000), attempts: 1 },
    });
    expect(await service().cancel(live.id)).toMatchObject({ status: 'RUNNING', cancelRequested: true, finishedAt: null });
    expect(await service().cancel(orphan.id)).toMatchObject({ status: 'CANCELLED', cancelRequested: true, finishedAt: expect.any(Date) });
    await expect(service().cancel(orphan.id)).rejects.toMatchObject({ code: 'CONFLICT' });
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
