// Batch jobs against a real database: queued at once and checked first, run engine by engine with
// progress, an evaluation stored as evaluateModelVersion stores it, scorings that store each score once,
// identical requests joined, cancels (queued and mid-run), and a job whose process died resumed.
import type { BatchJob } from '@prisma/client';
import { createServices, type AppServices } from '../../main/services';
import { ErrorCode } from '../../platform/errors';
import { createLogger } from '../../platform/observability/logger';
import { importFirstUnits } from '../../../test/support/cmapss-fixtures';
import { describeEachDatabase } from '../../../test/support/databases';
import type { MetricsRecord } from '../evaluation/evaluation-records';
import { BatchJobRunner, type BatchJobExecutor } from './batch-job-runner';
import { batchJobExecutors } from './batch-job-work';
import { windowsOf } from './batch-job-service';

const UNITS = 6;

describeEachDatabase('batch jobs', (db) => {
  let services: AppServices;
  let versionId: number;
  const logger = createLogger('silent');
  const executors = () =>
    batchJobExecutors({
      prisma: db().prisma,
      query: db().query,
      registry: services.models,
      trajectories: services.trajectories,
      evaluations: services.evaluations,
    });
  const progressOf = async (job: Pick<BatchJob, 'id'>) => (await services.batchJobs.doneOf([job.id]))[0];

  beforeAll(async () => {
    await importFirstUnits(db().prisma, UNITS);
    services = createServices(db(), logger, { batchRunner: { retryBackoffMs: 0 } });
    const job = await services.jobs.enqueue({
      name: 'z-score',
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 3 }],
      calibrationUnits: [{ from: 4, to: 4 }],
      testUnits: [{ from: 5, to: 6 }],
    });
    versionId = (await services.runner.runNext(job.id))!.modelVersionId!;
  });

  it('queues an evaluation of every test engine at once, then stores what evaluateModelVersion stores', async () => {
    const { prisma } = db();
    const queued = await services.batchJobs.startEvaluation(versionId, { role: 'TEST' });
    expect(queued).toMatchObject({ kind: 'EVALUATION', status: 'QUEUED', evaluationId: null });
    const engines = await prisma.engine.findMany({ where: { role: 'TEST' }, orderBy: { unit: 'asc' } });
    expect(queued.engineIds).toEqual(engines.map((engine) => engine.id));
    expect(queued.totalWindows).toBe(engines.reduce((total, engine) => total + windowsOf(engine, 30), 0));
    expect(await progressOf(queued)).toEqual({ enginesDone: 0, windowsDone: 0 });
    const evaluations = await prisma.evaluation.count();

    expect(await prisma.evaluation.count()).toBe(evaluations);
    const finished = await services.batchRunner.runNext(queued.id);
    expect(finished).toMatchObject({ status: 'SUCCEEDED', activeKey: null, error: null });
    expect(await progressOf(finished!)).toEqual({ enginesDone: UNITS, windowsDone: queued.totalWindows });

    const stored = await prisma.evaluation.findUniqueOrThrow({ where: { id: finished!.evaluationId! } });
    const synchronous = await services.evaluations.evaluate(versionId, { role: 'TEST' });
    expect(stored.split).toEqual(synchronous.split);
    expect(stored.split).toMatchObject({ role: 'TEST', units: [1, 2, 3, 4, 5, 6] });
    expect(stored.metrics).toEqual(synchronous.metrics);
    expect((stored.metrics as unknown as MetricsRecord).engineLevel).toMatchObject({ engines: expect.any(Number) });
    expect(stored.curves).toEqual(synchronous.curves);
  });

  it('scores a data set once: engine summaries from the stored scores, nothing stored twice on a re-run', async () => {
    const { prisma } = db();
    const first = await services.batchJobs.startScoring(versionId, { dataset: 'fd001', role: 'TRAIN' });
    expect(first.request).toEqual({ dataset: 'FD001', role: 'TRAIN', units: null, engineIds: null });
    // The same request while it is queued joins it.
    expect((await services.batchJobs.startScoring(versionId, { dataset: 'FD001', role: 'TRAIN' })).id).toBe(first.id);
    await services.batchRunner.runNext(first.id);
    const results = await services.batchJobs.engineResults(first.id);
    expect(results.totalCount).toBe(UNITS);
    for (const result of results.items) {
      const trajectory = await services.trajectories.trajectory(result.engineId, versionId);
      expect(result).toMatchObject({
        windows: trajectory.points.length,
        flagged: trajectory.flaggedCycles.length,
        firstFlaggedCycle: trajectory.firstFlaggedCycle,
      });
    }
    const scores = await prisma.score.count({ where: { modelVersionId: versionId } });
    const alerts = await prisma.alert.count({ where: { modelVersionId: versionId } });
    expect(alerts).toBeGreaterThan(0);

    // Run again once ended: a new job, the same summaries, no score nor alert added.
    const again = await services.batchJobs.startScoring(versionId, { dataset: 'FD001', role: 'TRAIN' });
    expect(again.id).not.toBe(first.id);
    expect((await services.batchRunner.runNext(again.id))?.status).toBe('SUCCEEDED');
    const strip = (page: typeof results) => page.items.map(({ jobId: _jobId, ...rest }) => rest);
    expect(strip(await services.batchJobs.engineResults(again.id))).toEqual(strip(results));
    expect(await prisma.score.count({ where: { modelVersionId: versionId } })).toBe(scores);
    expect(await prisma.alert.count({ where: { modelVersionId: versionId } })).toBe(alerts);
  });

  it('refuses bad requests with typed errors, queuing nothing', async () => {
    const before = await db().prisma.batchJob.count();
    const refusals: [() => Promise<unknown>, string][] = [
      [() => services.batchJobs.startScoring(versionId, {}), ErrorCode.BAD_USER_INPUT],
      [() => services.batchJobs.startScoring(versionId, { dataset: 'FD001', engineIds: [1] }), ErrorCode.BAD_USER_INPUT],
      [() => services.batchJobs.startScoring(versionId, { dataset: 'FD001', units: [{ from: 1, to: 2 }] }), ErrorCode.BAD_USER_INPUT],
      [
        () => services.batchJobs.startScoring(versionId, { dataset: 'FD001', role: 'TEST', units: [{ from: 1, to: 2_000 }] }),
        ErrorCode.BATCH_TOO_LARGE,
      ],
      [
        () => services.batchJobs.startScoring(versionId, { dataset: 'FD001', role: 'TEST', units: [{ from: 6, to: 7 }] }),
        ErrorCode.NOT_FOUND,
      ],
      [() => services.batchJobs.startScoring(versionId, { dataset: 'FD009' }), ErrorCode.NOT_FOUND],
      [() => services.batchJobs.startScoring(versionId, { engineIds: [999_999] }), ErrorCode.NOT_FOUND],
      [() => services.batchJobs.startScoring(999_999, { dataset: 'FD001' }), ErrorCode.NOT_FOUND],
      [() => services.batchJobs.startEvaluation(999_999, { role: 'TEST' }), ErrorCode.NOT_FOUND],
      [() => services.batchJobs.startEvaluation(versionId, { role: 'TEST', anomalyRul: 100 }), ErrorCode.BAD_USER_INPUT],
      [() => services.batchJobs.startEvaluation(versionId, { dataset: 'FD009', role: 'TEST' }), ErrorCode.NOT_FOUND],
    ];
    for (const [refused, code] of refusals) await expect(refused()).rejects.toMatchObject({ code });
    expect(await db().prisma.batchJob.count()).toBe(before);
  });

  it('cancels a queued job at once and a running one before its next engine, for good', async () => {
    const queued = await services.batchJobs.startScoring(versionId, { dataset: 'FD001', role: 'TEST' });
    expect(await services.batchJobs.cancel(queued.id)).toMatchObject({ status: 'CANCELLED', activeKey: null });
    expect(await services.batchRunner.runNext(queued.id)).toBeNull();
    await expect(services.batchJobs.cancel(queued.id)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });

    // A client cancels once the first engine is done: the runner stops at the next engine.
    const real = executors();
    const cancelAfterFirst: BatchJobExecutor = (job, hooks) =>
      real.EVALUATION(job, {
        ...hooks,
        engineDone: async (outcome) => {
          await hooks.engineDone(outcome);
          if ((await progressOf(job)).enginesDone === 1) await services.batchJobs.cancel(job.id);
        },
      });
    const runner = new BatchJobRunner(db().prisma, { ...real, EVALUATION: cancelAfterFirst }, logger);
    const running = await services.batchJobs.startEvaluation(versionId, { role: 'TEST', units: [{ from: 1, to: 6 }], anomalyRul: 20 });
    const evaluations = await db().prisma.evaluation.count();
    const ended = await runner.runNext(running.id);
    expect(ended).toMatchObject({ status: 'CANCELLED', evaluationId: null, activeKey: null });
    expect((await progressOf(ended!)).enginesDone).toBeLessThan(UNITS);
    expect(await db().prisma.evaluation.count()).toBe(evaluations);
  });

  it('re-queues a job whose process died and resumes it after the engines it finished', async () => {
    const { prisma } = db();
    const job = await services.batchJobs.startScoring(versionId, { dataset: 'FD001', role: 'TEST' });
    // Its runner claimed it, finished the first engine, and died (no heartbeat since long ago).
    const long = new Date(Date.now() - 3_600_000);
    await prisma.jobRunner.create({ data: { id: 'dead-runner', hostname: 'gone', pid: 1, startedAt: long, heartbeatAt: long } });
    await prisma.batchJob.update({
      where: { id: job.id },
      data: { status: 'RUNNING', claimedBy: 'dead-runner', attempts: 1, startedAt: long, heartbeatAt: long },
    });
    await prisma.batchJobEngine.create({ data: { jobId: job.id, engineId: job.engineIds[0], windows: -1, flagged: 0 } });
    expect((await services.batchJobs.get(job.id)).status).toBe('ORPHANED');

    const resumed = await services.batchRunner.runNext(job.id);
    expect(resumed).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    const results = await services.batchJobs.engineResults(job.id);
    expect(results.totalCount).toBe(UNITS);
    // The first engine kept what the dead attempt recorded: it was not scored again.
    expect(results.items.find((row) => row.engineId === job.engineIds[0])?.windows).toBe(-1);
  });

  it('fails an orphan after its last attempt, and cancels one whose cancel was asked, freeing the request', async () => {
    const { prisma } = db();
    const long = new Date(Date.now() - 3_600_000);
    const orphan = async (units: [number, number], data: { attempts: number; cancelRequested?: boolean }) => {
      const job = await services.batchJobs.startScoring(versionId, {
        dataset: 'FD001',
        role: 'TRAIN',
        units: [{ from: units[0], to: units[1] }],
      });
      await prisma.batchJob.update({
        where: { id: job.id },
        data: { status: 'RUNNING', claimedBy: 'dead-runner', startedAt: long, heartbeatAt: long, ...data },
      });
      return job;
    };
    const exhausted = await orphan([1, 2], { attempts: 3 });
    const cancelled = await orphan([3, 4], { attempts: 1, cancelRequested: true });
    expect(await services.batchRunner.recoverOrphanedJobs()).toBe(2);
    expect(await services.batchJobs.get(exhausted.id)).toMatchObject({
      status: 'FAILED',
      activeKey: null,
      error: expect.stringMatching(/attempt 3 of 3/),
    });
    expect(await services.batchJobs.get(cancelled.id)).toMatchObject({ status: 'CANCELLED', activeKey: null });
    // The same request queues a new job once the old one has ended.
    const again = await services.batchJobs.startScoring(versionId, { dataset: 'FD001', role: 'TRAIN', units: [{ from: 1, to: 2 }] });
    expect(again).toMatchObject({ status: 'QUEUED' });
    expect(again.id).not.toBe(exhausted.id);
    await services.batchJobs.cancel(again.id);
  });
});
