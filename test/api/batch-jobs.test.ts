// Issue 20 over real HTTP on PostgreSQL: evaluating a version on FD001's 100 test engines took 27.7 s
// inside one request. evaluateModelVersion now refuses that split, pointing at startEvaluation, which
// returns a queued job at once; a worker completes it with the metrics the synchronous evaluation
// measures on the same engines. Batch scoring, cancels, typed errors for bad input.
import { SHIPPED_DATASET_DIR } from '../../src/platform/repository';
import { importSubset } from '../../src/modules/datasets/import-service';
import { MAX_SYNC_EVALUATED_ENGINES } from '../../src/modules/evaluation/evaluation-service';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { waitUntil } from '../support/requests';

const JOB = `id kind status error attempts cancelRequested modelVersionId evaluationId request
  progress { enginesDone totalEngines windowsDone totalWindows }`;
const METRICS = `threshold windows anomalous precision recall f1 accuracy rocAuc prAuc confusion { tp fp tn fn }
  engineLevel { engines failingEngines alertedBeforeFailure }`;

describe('batch jobs over HTTP on PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let versionId: number;

  const job = async (id: number) => (await server.graphql(`query ($id: Int!) { batchJob(id: $id) { ${JOB} } }`, { id })).data.batchJob;
  const until = (id: number, status: string) =>
    waitUntil(
      () => job(id),
      (current) => current.status === status,
      120_000,
      `job ${status}`,
    );

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    await importSubset(testDatabase.database.prisma, 'FD001', SHIPPED_DATASET_DIR);
    server = await startTestServer(testDatabase.database, {}, { runner: { pollIntervalMs: 20, heartbeatIntervalMs: 200 } });
    const trained = await server.services.jobs.enqueue({
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 10 }],
      calibrationUnits: [{ from: 11, to: 12 }],
      testUnits: [{ from: 13, to: 14 }],
    });
    versionId = (await server.services.runner.runNext(trained.id))!.modelVersionId!;
  });

  afterAll(async () => {
    await server?.services.batchRunner.stop();
    await server?.close();
    await testDatabase?.dispose();
  });

  it('refuses to evaluate 100 engines within a request, pointing at startEvaluation, and storing nothing', async () => {
    const before = await testDatabase.database.prisma.evaluation.count();
    const response = await server.graphql(`mutation ($id: Int!) { evaluateModelVersion(id: $id, split: { role: TEST }) { id } }`, {
      id: versionId,
    });
    expect(response.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/100 engines, more than the 25 .*startEvaluation/),
      extensions: { code: 'BATCH_TOO_LARGE', limit: MAX_SYNC_EVALUATED_ENGINES, engines: 100, job: 'startEvaluation' },
    });
    expect(await testDatabase.database.prisma.evaluation.count()).toBe(before);
  });

  it('evaluates the 100 test engines as a job: queued at once, completed by a worker with the synchronous metrics', async () => {
    const started = await server.graphql(`mutation ($id: Int!) { startEvaluation(id: $id, split: { role: TEST }) { ${JOB} } }`, {
      id: versionId,
    });
    expect(started.errors).toBeUndefined();
    const queued = started.data.startEvaluation;
    // Nothing runs jobs yet: the mutation only queued it.
    expect(queued).toMatchObject({ kind: 'EVALUATION', status: 'QUEUED', evaluationId: null, modelVersionId: versionId });
    expect(queued.progress).toMatchObject({ enginesDone: 0, totalEngines: 100, windowsDone: 0 });
    expect(queued.request).toMatchObject({ dataset: 'FD001', role: 'TEST', units: Array.from({ length: 100 }, (_, i) => i + 1) });
    expect(await testDatabase.database.prisma.score.count({ where: { modelVersionId: versionId, engine: { role: 'TEST' } } })).toBe(0);

    server.services.batchRunner.start();
    const done = await until(queued.id, 'SUCCEEDED');
    expect(done.progress).toEqual({ ...queued.progress, enginesDone: 100, windowsDone: queued.progress.totalWindows });
    expect(done.evaluationId).not.toBeNull();

    const read = await server.graphql(
      `query ($id: Int!) { batchJob(id: $id) { evaluation { id dataset split metrics { ${METRICS} } }
         modelVersion { id evaluations { id } } } }`,
      { id: queued.id },
    );
    const { evaluation, modelVersion } = read.data.batchJob;
    expect(evaluation.id).toBe(done.evaluationId);
    expect(modelVersion.evaluations.map((stored: { id: number }) => stored.id)).toContain(evaluation.id);
    expect(evaluation.split).toMatchObject({ role: 'TEST', units: queued.request.units, overlapsTraining: false });
    expect(evaluation.metrics.engineLevel.engines).toBe(100);

    // The synchronous evaluation of the same engines, in parts evaluateModelVersion accepts, sees the
    // same windows; on the whole split the service measures the metrics the job stored.
    const { evaluations } = server.services;
    const measured = await evaluations.measure(await evaluations.plan(versionId, { role: 'TEST' }));
    const { metrics: stored } = (await testDatabase.database.prisma.evaluation.findUniqueOrThrow({
      where: { id: evaluation.id },
    })) as unknown as {
      metrics: { precision: number; recall: number; rocAuc: number; windows: number; confusion: object };
    };
    expect(stored).toMatchObject({
      windows: measured.evaluation.counts.total,
      precision: measured.evaluation.precision,
      recall: measured.evaluation.recall,
      rocAuc: measured.evaluation.rocAuc,
      confusion: measured.evaluation.confusion,
    });
    let windows = 0;
    for (let from = 1; from <= 100; from += MAX_SYNC_EVALUATED_ENGINES) {
      const part = await server.graphql(
        `mutation ($id: Int!, $from: Int!, $to: Int!) { evaluateModelVersion(id: $id, split: { role: TEST, units: [{ from: $from, to: $to }] }) { metrics { windows } } }`,
        { id: versionId, from, to: from + MAX_SYNC_EVALUATED_ENGINES - 1 },
      );
      expect(part.errors).toBeUndefined();
      windows += part.data.evaluateModelVersion.metrics.windows;
    }
    expect(windows).toBe(evaluation.metrics.windows);

    // A job of a split the synchronous mutation accepts stores exactly what the mutation stores.
    const small = await server.graphql(
      `mutation ($id: Int!) { startEvaluation(id: $id, split: { role: TEST, units: [{ from: 1, to: 20 }] }) { id } }`,
      { id: versionId },
    );
    await until(small.data.startEvaluation.id, 'SUCCEEDED');
    const smallJob = await server.graphql(`query ($id: Int!) { batchJob(id: $id) { evaluation { split metrics { ${METRICS} } } } }`, {
      id: small.data.startEvaluation.id,
    });
    const synchronous = await server.graphql(
      `mutation ($id: Int!) { evaluateModelVersion(id: $id, split: { role: TEST, units: [{ from: 1, to: 20 }] }) { split metrics { ${METRICS} } } }`,
      { id: versionId },
    );
    expect(smallJob.data.batchJob.evaluation).toEqual(synchronous.data.evaluateModelVersion);
    await server.services.batchRunner.stop();
  });

  it('scores a data set as a job, listed with per-engine results, and cancels queued work for good', async () => {
    const started = await server.graphql(
      `mutation ($id: Int!) { startScoring(modelVersionId: $id, input: { dataset: "FD001", role: TRAIN, units: [{ from: 1, to: 5 }] }) { ${JOB} } }`,
      { id: versionId },
    );
    expect(started.errors).toBeUndefined();
    const queued = started.data.startScoring;
    expect(queued).toMatchObject({ kind: 'SCORING', status: 'QUEUED', progress: { totalEngines: 5 } });

    const other = await server.graphql(
      `mutation ($id: Int!) { startScoring(modelVersionId: $id, input: { dataset: "FD001", role: TEST }) { ${JOB} } }`,
      { id: versionId },
    );
    expect(other.errors).toBeUndefined();
    const cancelled = await server.graphql(`mutation ($id: Int!) { cancelBatchJob(id: $id) { ${JOB} } }`, {
      id: other.data.startScoring.id,
    });
    expect(cancelled.data.cancelBatchJob).toMatchObject({ status: 'CANCELLED', cancelRequested: true });
    const again = await server.graphql(`mutation ($id: Int!) { cancelBatchJob(id: $id) { id } }`, { id: other.data.startScoring.id });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    server.services.batchRunner.start();
    await until(queued.id, 'SUCCEEDED');
    const results = await server.graphql(
      `query ($id: Int!) { batchJob(id: $id) { engines(page: { limit: 10 }) { totalCount items { id engineId windows flagged firstFlaggedCycle } } } }`,
      { id: queued.id },
    );
    const engines = results.data.batchJob.engines;
    expect(engines.totalCount).toBe(5);
    const unit1 = await testDatabase.database.prisma.engine.findFirstOrThrow({ where: { role: 'TRAIN', unit: 1 } });
    expect(engines.items[0]).toMatchObject({ engineId: unit1.id, windows: unit1.lastCycle - 30 + 1 });
    expect(engines.items[0].flagged).toBeGreaterThan(0); // run to failure
    expect(engines.items[0].firstFlaggedCycle).toBeGreaterThanOrEqual(30);

    const listed = await server.graphql(`{ batchJobs(kind: SCORING, status: CANCELLED) { totalCount items { id } } }`);
    expect(listed.data.batchJobs.items.map((item: { id: number }) => item.id)).toEqual([other.data.startScoring.id]);
    await server.services.batchRunner.stop();
  });

  it('answers bad input with typed errors', async () => {
    const cases: [string, string][] = [
      ['mutation { startScoring(input: {}) { id } }', 'BAD_USER_INPUT'],
      ['mutation { startScoring(input: { dataset: "FD001" }) { id } }', 'NO_ACTIVE_MODEL'],
      ['mutation { startScoring(input: { dataset: "FD001", engineIds: [1] }) { id } }', 'BAD_USER_INPUT'],
      ['mutation { startScoring(input: { dataset: "nope" }) { id } }', 'NOT_FOUND'],
      ['mutation { startEvaluation(id: 999999) { id } }', 'NOT_FOUND'],
      [`mutation { startEvaluation(id: ${versionId}, split: { role: TEST, units: [{ from: 5, to: 1 }] }) { id } }`, 'BAD_USER_INPUT'],
      [`mutation { startEvaluation(id: ${versionId}, split: { dataset: "FD001", role: TEST, anomalyRul: -1 }) { id } }`, 'BAD_USER_INPUT'],
      ['mutation { cancelBatchJob(id: 999999) { id } }', 'NOT_FOUND'],
      ['{ batchJob(id: 999999) { id } }', 'NOT_FOUND'],
    ];
    for (const [query, code] of cases) {
      const response = await server.graphql(query);
      expect([query, response.errors?.[0]?.extensions?.code]).toEqual([query, code]);
    }
  });
});
