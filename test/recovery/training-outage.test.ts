// The database stops while a job trains (issue 15, defect 2: the server died, 2 of 2): the compiled
// server on a private PostgreSQL cluster keeps running and answering /health through the outage, the
// job's lost progress writes fail it cleanly instead of ending the process, and once PostgreSQL is back
// the job is recovered (re-queued, then trained to the end) or failed, never left RUNNING.
import pg from 'pg';
import { openPostgres, type Database } from '../../src/platform/db/database';
import { applyMigrations } from '../../src/platform/db/migrations';
import { importFirstUnits } from '../support/cmapss-fixtures';
import { createPrivatePostgres, privatePostgresAvailable, type PrivatePostgres } from '../support/private-postgres';
import { postGraphQL, request, waitUntil } from '../support/requests';
import { startServerProcess, type ServerProcess } from '../support/server-process';

const availability = privatePostgresAvailable();
const describeIfPostgres = availability.ok ? describe : describe.skip;
if (!availability.ok) console.warn(`skipping the outage-while-training test: ${availability.reason}`);

const TRAIN = `mutation { trainModel(input: { trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }],
  testUnits: [{ from: 7, to: 8 }], hidden: 8, code: 4, epochs: 60, batchSize: 64 }) { id } }`;

describeIfPostgres('a database outage while a job trains (compiled server)', () => {
  let cluster: PrivatePostgres;
  let database: Database;
  let server: ServerProcess;

  beforeAll(async () => {
    cluster = await createPrivatePostgres();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE engine_health');
    await admin.end();
    database = await openPostgres(cluster.url('engine_health'), 2);
    await applyMigrations(database.execScript, database.query);
    await importFirstUnits(database.prisma, 8);
    server = await startServerProcess({
      NODE_ENV: 'production',
      DATABASE_URL: cluster.url('engine_health'),
      AUTH_ENABLED: 'false',
      TRAINING_POLL_INTERVAL_MS: '100',
      TRAINING_HEARTBEAT_INTERVAL_MS: '200',
      TRAINING_STALE_AFTER_MS: '1500',
    });
  }, 120_000);

  afterAll(async () => {
    if (server?.alive()) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await database?.close();
    await cluster?.destroy();
  });

  it('keeps serving through the outage and recovers the job afterwards', async () => {
    const queued = await postGraphQL(server.url, { query: TRAIN });
    const jobId: number = queued.json.data.trainModel.id;
    const job = () => database.prisma.trainingJob.findUniqueOrThrow({ where: { id: jobId } });
    await waitUntil(
      () => database.prisma.trainingEpoch.count({ where: { jobId } }),
      (count) => count >= 2,
      60_000,
      'epochs stored',
    );

    await cluster.stop();
    // Training goes on for a while, each epoch's progress write failing.
    for (let second = 0; second < 6; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(server.alive()).toBe(true);
      expect((await request(`${server.url}/health`)).status).toBe(200);
    }
    expect((await request(`${server.url}/ready`)).status).toBe(503);

    await cluster.start();
    await waitUntil(
      () => request(`${server.url}/ready`),
      (response) => response.status === 200,
      30_000,
      '/ready 200 after the outage',
    );
    const finished = await waitUntil(
      job,
      (current) => current.status === 'SUCCEEDED' || current.status === 'FAILED',
      180_000,
      'job finished',
    );
    expect(server.alive()).toBe(true);
    if (finished.status === 'SUCCEEDED') expect(finished.attempts).toBeGreaterThanOrEqual(2); // re-queued, trained again
    const logs = server.logs.join('');
    expect(logs).not.toMatch(/"msg":"(unhandled rejection|uncaught exception)/);
    const answer = await postGraphQL(server.url, { query: '{ engines { totalCount } }' });
    expect(answer.json).toEqual({ data: { engines: { totalCount: 16 } } });
  }, 300_000);
});
