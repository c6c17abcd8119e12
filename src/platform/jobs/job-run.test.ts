import type { PrismaClient } from '@prisma/client';
import { describeEachDatabase } from '../../../test/support/databases';
import { createLogger } from '../observability/logger';
import { currentOperation } from '../observability/operations';
import { claimQueuedJob } from './job-claims';
import { JobRun, type JobRunOutcome } from './job-run';

const logger = createLogger('silent');
const INSTANCE = 'job-run-test';

/** A claimed training job, with a retry_at that the `ended` assignments of the runs below clear. */
async function claimedJob(prisma: PrismaClient): Promise<number> {
  const { id } = await prisma.trainingJob.create({ data: { config: {}, totalEpochs: 1 } });
  expect(await claimQueuedJob(prisma, 'training_jobs', INSTANCE, { jobId: id })).toBe(id);
  await prisma.trainingJob.update({ where: { id }, data: { retryAt: new Date() } });
  return id;
}

function newRun(prisma: PrismaClient, jobId: number) {
  const seen = { outcomes: [] as JobRunOutcome[], changes: 0, runnerBeats: 0 };
  const run = new JobRun({
    prisma,
    table: 'training_jobs',
    kind: 'training-job',
    jobId,
    instanceId: INSTANCE,
    logger,
    heartbeatIntervalMs: 20,
    ended: { retry_at: 'NULL' },
    beatRunner: async () => {
      seen.runnerBeats++;
    },
    onChanged: () => seen.changes++,
    onEnded: (outcome) => seen.outcomes.push(outcome),
  });
  return { run, seen };
}

/** Work that runs until its signal aborts, then throws as an executor does. */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((_resolve, reject) => {
    const fail = () => reject(new Error('aborted'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail);
  });
}

describeEachDatabase('JobRun', (db) => {
  const prisma = () => db().prisma;
  afterEach(async () => {
    await prisma().trainingJob.deleteMany();
  });

  it('leaves a job whose work succeeded to the work, telling of the start and the end', async () => {
    const id = await claimedJob(prisma());
    const { run, seen } = newRun(prisma(), id);
    await run.run(async () => {
      await prisma().trainingJob.update({ where: { id }, data: { status: 'SUCCEEDED' } });
    });
    expect(seen).toMatchObject({ outcomes: ['succeeded'], changes: 2 });
    expect(await prisma().trainingJob.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'SUCCEEDED', finishedAt: null });
  });

  it('fails a job whose work throws, with the message and its ended assignments', async () => {
    const id = await claimedJob(prisma());
    const { run, seen } = newRun(prisma(), id);
    await run.run(() => Promise.reject(new Error('diverged')));
    expect(seen.outcomes).toEqual(['failed']);
    const job = await prisma().trainingJob.findUniqueOrThrow({ where: { id } });
    expect(job).toMatchObject({ status: 'FAILED', error: 'diverged', retryAt: null, attempts: 1 });
    expect(job.finishedAt).not.toBeNull();
  });

  it('fails a job with an error nothing caught in its work, rather than the abort it causes', async () => {
    const id = await claimedJob(prisma());
    const { run, seen } = newRun(prisma(), id);
    await run.run(async () => {
      currentOperation()?.fail(new Error('stray rejection'));
      await untilAborted(run.signal);
    });
    expect(seen.outcomes).toEqual(['failed']);
    expect(await prisma().trainingJob.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'FAILED', error: 'stray rejection' });
  });

  it('aborts the work when a heartbeat finds a cancel asked, and cancels the job', async () => {
    const id = await claimedJob(prisma());
    const { run, seen } = newRun(prisma(), id);
    await run.run(async () => {
      await prisma().trainingJob.update({ where: { id }, data: { cancelRequested: true } });
      await untilAborted(run.signal);
    });
    expect(seen.outcomes).toEqual(['cancelled']);
    expect(seen.runnerBeats).toBeGreaterThan(0);
    const job = await prisma().trainingJob.findUniqueOrThrow({ where: { id } });
    expect(job).toMatchObject({ status: 'CANCELLED', error: null, retryAt: null });
    expect(job.finishedAt).not.toBeNull();
  });

  it('stops working on a job another runner took back, leaving its row as that runner set it', async () => {
    const id = await claimedJob(prisma());
    const { run, seen } = newRun(prisma(), id);
    await run.run(async () => {
      await prisma().trainingJob.update({ where: { id }, data: { claimedBy: 'another-runner' } });
      await untilAborted(run.signal);
    });
    expect(seen.outcomes).toEqual(['cancelled']);
    const job = await prisma().trainingJob.findUniqueOrThrow({ where: { id } });
    expect(job).toMatchObject({ status: 'RUNNING', claimedBy: 'another-runner', finishedAt: null });
    expect(job.retryAt).not.toBeNull();
  });

  it('puts an interrupted job back in the queue without counting the attempt or ending it', async () => {
    const id = await claimedJob(prisma());
    const { run, seen } = newRun(prisma(), id);
    run.interrupt();
    await run.run(() => untilAborted(run.signal));
    expect(seen.outcomes).toEqual(['interrupted']);
    const job = await prisma().trainingJob.findUniqueOrThrow({ where: { id } });
    expect(job).toMatchObject({ status: 'QUEUED', claimedBy: null, heartbeatAt: null, attempts: 0, finishedAt: null });
    expect(job.error).toBe('interrupted by a shutdown; re-queued');
    expect(job.retryAt).not.toBeNull();
  });

  it('cancels rather than re-queues a job whose cancel was asked during a shutdown', async () => {
    const id = await claimedJob(prisma());
    const { run, seen } = newRun(prisma(), id);
    await run.run(async () => {
      await prisma().trainingJob.update({ where: { id }, data: { cancelRequested: true } });
      run.interrupt();
      await untilAborted(run.signal);
    });
    expect(seen.outcomes).toEqual(['cancelled']);
    expect(await prisma().trainingJob.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'CANCELLED', attempts: 1 });
  });
});
