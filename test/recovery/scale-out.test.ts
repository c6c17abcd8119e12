// Scale-out on one PostgreSQL database: two API processes (PROCESS_ROLE=api) and training workers
// (npm run worker), compiled and spawned as in production:
//   - a training job is run once, by the worker, never by an API replica;
//   - a version activated through one replica is seen by the other within ModelRegistry's SUMMARY_TTL_MS;
//   - rate limits hold across replicas (counters shared through PostgreSQL);
//   - a killed worker's job shows ORPHANED on the API replicas, and another worker takes it over.
import fs from 'node:fs';
import { openPostgres, type Database } from '../../src/platform/db/database';
import { SUMMARY_TTL_MS } from '../../src/modules/registry/model-registry';
import { importFirstUnits } from '../support/cmapss-fixtures';
import { SERVER_ENTRY, startCompiledProcess, WORKER_ENTRY, type CompiledProcess } from '../support/compiled-process';
import { createDatabaseFromTemplate } from '../support/postgres';
import { postGraphQL, request, waitUntil } from '../support/requests';

const train = (epochs: number) => `mutation { trainModel(input: { trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }],
  testUnits: [{ from: 7, to: 8 }], hidden: 8, code: 4, epochs: ${epochs}, batchSize: 64 }) { id status } }`;
const JOB =
  'query ($id: Int!) { trainingJob(id: $id) { status attempts modelVersionId progress { epochsCompleted estimatedRemainingMs } } }';
const SCORE_WINDOWS = 'mutation ($windows: [WindowInput!]!) { scoreWindows(windows: $windows) { score } }';
const windows = (count: number) => Array.from({ length: count }, () => ({ values: [[1]] }));

describe('two API replicas and a training worker on one database (compiled processes)', () => {
  let database: Database;
  let drop: () => Promise<void>;
  let url: string;
  const processes: CompiledProcess[] = [];
  let apiA: CompiledProcess;
  let apiB: CompiledProcess;
  let worker: CompiledProcess;

  const common = () => ({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    AUTH_ENABLED: 'false',
    RATE_LIMIT_SCORING_WINDOWS: '1000',
    RATE_LIMIT_SCORING_PERIOD_SECONDS: '3600',
    TRAINING_POLL_INTERVAL_MS: '100',
    TRAINING_HEARTBEAT_INTERVAL_MS: '200',
    TRAINING_STALE_AFTER_MS: '1500',
    TRAINING_RETRY_BACKOFF_MS: '200',
    INFERENCE_THREAD: 'false',
  });
  const start = async (entry: string, env: Record<string, string>) => {
    const started = await startCompiledProcess(entry, { ...common(), ...env });
    processes.push(started);
    return started;
  };
  const job = async (api: CompiledProcess, id: number) =>
    (await postGraphQL(api.url, { query: JOB, variables: { id } })).json.data.trainingJob;

  beforeAll(async () => {
    for (const entry of [SERVER_ENTRY, WORKER_ENTRY]) expect([entry, fs.existsSync(entry)]).toEqual([entry, true]);
    const created = await createDatabaseFromTemplate();
    url = created.url;
    drop = created.drop;
    database = await openPostgres(url, 2);
    await importFirstUnits(database.prisma, 8);
    [apiA, apiB, worker] = await Promise.all([
      start(SERVER_ENTRY, { PROCESS_ROLE: 'api' }),
      start(SERVER_ENTRY, { PROCESS_ROLE: 'api' }),
      start(WORKER_ENTRY, {}),
    ]);
  }, 180_000);

  afterAll(async () => {
    for (const running of processes)
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    await database?.close();
    await drop?.();
  });

  it('runs a job once, on the worker: the API replicas run no job and serve GraphQL; the worker serves no GraphQL', async () => {
    expect(worker.runnerId).toEqual(expect.any(String));
    expect((await postGraphQL(worker.url, { query: '{ __typename }' })).status).toBe(404);
    expect((await request(`${worker.url}/health`)).json).toEqual({ status: 'ok' });
    expect((await database.prisma.jobRunner.findMany()).map((runner) => runner.id)).toEqual([worker.runnerId]);

    const queued = await postGraphQL(apiA.url, { query: train(3) });
    const id: number = queued.json.data.trainModel.id;
    const finished = await waitUntil(
      () => job(apiB, id),
      (current) => current.status === 'SUCCEEDED',
      120_000,
      'job succeeded',
    );
    expect(finished).toMatchObject({ attempts: 1, modelVersionId: expect.any(Number) });
    expect(await database.prisma.trainingJob.findUniqueOrThrow({ where: { id } })).toMatchObject({ claimedBy: worker.runnerId });
    expect(await database.prisma.modelVersion.count()).toBe(1);
    for (const api of [apiA, apiB]) {
      expect(api.lines().some((line) => line.msg === 'training job started')).toBe(false);
      expect(
        api.lines().some((line) => line.msg === 'training runner disabled in this process (PROCESS_ROLE=api or TRAINING_RUNNER=false)'),
      ).toBe(true);
    }
    expect(worker.lines().filter((line) => line.msg === 'training job started' && line.jobId === id)).toHaveLength(1);
  });

  it('shows a version activated through one replica on the other within SUMMARY_TTL_MS', async () => {
    const active = '{ activeModelVersion { id } }';
    expect((await postGraphQL(apiB.url, { query: active })).json.data.activeModelVersion).toBeNull(); // cached by B now
    const [version] = await database.prisma.modelVersion.findMany();
    const activated = await postGraphQL(apiA.url, {
      query: `mutation { activateModelVersion(id: ${version.id}) { activated { id isActive } previous { id } } }`,
    });
    expect(activated.json.data.activateModelVersion).toEqual({ activated: { id: version.id, isActive: true }, previous: null });
    const startedAt = Date.now();
    await waitUntil(
      () => postGraphQL(apiB.url, { query: active }),
      (response) => response.json.data.activeModelVersion?.id === version.id,
      10_000,
      'activation seen by the other replica',
    );
    // The documented bound, plus the latency of the polling requests on a busy machine.
    expect(Date.now() - startedAt).toBeLessThanOrEqual(SUMMARY_TTL_MS + 1_000);
  });

  it('holds the scoring rate limit across replicas', async () => {
    const first = await postGraphQL(apiA.url, { query: SCORE_WINDOWS, variables: { windows: windows(600) } });
    expect(first.json.errors[0].extensions.code).toBe('INVALID_WINDOW'); // counted, then refused by the service
    const second = await postGraphQL(apiB.url, { query: SCORE_WINDOWS, variables: { windows: windows(600) } });
    expect(second.status).toBe(429);
    expect(second.json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'scoring' });
    const rest = await postGraphQL(apiB.url, { query: SCORE_WINDOWS, variables: { windows: windows(400) } });
    expect(rest.json.errors[0].extensions.code).toBe('INVALID_WINDOW');
    // Replica A learns of B's 400 at its next sync (RATE_LIMIT_SYNC_INTERVAL_MS): nothing is left.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const single = await postGraphQL(apiA.url, { query: 'mutation { scoreWindow(window: { values: [[1]] }) { score } }' });
    expect(single.json.errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it("shows a killed worker's job as ORPHANED, and another worker takes it over to success", async () => {
    const queued = await postGraphQL(apiA.url, { query: train(60) });
    const id: number = queued.json.data.trainModel.id;
    await waitUntil(
      () => job(apiA, id),
      (current) => current.status === 'RUNNING' && current.progress.epochsCompleted >= 2,
      120_000,
      'second epoch',
    );
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const orphaned = await waitUntil(
      () => job(apiB, id),
      (current) => current.status !== 'RUNNING',
      10_000,
      'job no longer shown RUNNING',
    );
    expect(orphaned).toMatchObject({ status: 'ORPHANED', attempts: 1, progress: { estimatedRemainingMs: null } });

    const replacement = await start(WORKER_ENTRY, {});
    const finished = await waitUntil(
      () => job(apiB, id),
      (current) => current.status === 'SUCCEEDED' || current.status === 'FAILED',
      180_000,
      'job taken over and finished',
    );
    expect(finished).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(await database.prisma.trainingJob.findUniqueOrThrow({ where: { id } })).toMatchObject({ claimedBy: replacement.runnerId });
    expect(await database.prisma.trainingJob.count({ where: { modelVersionId: { not: null } } })).toBe(2);
    expect(replacement.lines().some((line) => line.msg === 'recovered an orphaned training job' && line.jobId === id)).toBe(true);

    replacement.child.kill('SIGTERM');
    expect(await replacement.exited).toEqual({ code: 0, signal: null });
    expect(await database.prisma.jobRunner.count({ where: { id: replacement.runnerId! } })).toBe(0); // deregistered
  }, 330_000); // the sum of the waits above: the budget is theirs, not a speed target
});
