// The compiled server (dist/src/main/server.js) on PostgreSQL, stopped while a training job runs:
//   1. SIGTERM: it stops accepting connections, finishes the request in flight, puts the running job back
//      in the queue (attempt not counted), closes the database and exits 0;
//   2. kill -9 during training: the job is left RUNNING with a stale heartbeat and nothing registered;
//   3. restart: the orphan is recovered (re-queued), trained again to success, and exactly one model
//      version is registered for it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../../src/platform/repository';
import { openPostgres, type Database } from '../../src/platform/db/database';
import { importFirstUnits } from '../support/cmapss-fixtures';
import { createDatabaseFromTemplate } from '../support/postgres';
import { postGraphQL, request, waitUntil } from '../support/requests';

const SERVER_ENTRY = path.join(REPOSITORY_ROOT, 'dist', 'src', 'main', 'server.js');

const TRAIN = `mutation { trainModel(input: { trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }],
  testUnits: [{ from: 7, to: 8 }], hidden: 8, code: 4, epochs: 40, batchSize: 64, activate: true }) { id } }`;

interface Running {
  child: ChildProcess;
  url: string;
  port: number;
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startServer(databaseUrl: string): Promise<Running> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      AUTH_ENABLED: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      TRAINING_POLL_INTERVAL_MS: '100',
      TRAINING_HEARTBEAT_INTERVAL_MS: '200',
      TRAINING_STALE_AFTER_MS: '1500',
      TRAINING_RETRY_BACKOFF_MS: '200',
      SHUTDOWN_TIMEOUT_MS: '20000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('')}`)), 60_000);
    child.stderr?.on('data', (chunk) => logs.push(String(chunk)));
    child.stdout?.on('data', (chunk) => {
      logs.push(String(chunk));
      const match = /"url":"(http:\/\/127\.0\.0\.1:(\d+))\/graphql"/.exec(logs.join(''));
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], port: Number(match[2]), logs, exited });
      }
    });
    void exited.then(({ code }) => reject(new Error(`server exited with ${code}:\n${logs.join('')}`)));
  });
}

/** Whether a TCP connection to the port is refused (the listener is closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('process restarts during training (compiled server)', () => {
  let database: Database;
  let drop: () => Promise<void>;
  let url: string;
  let jobId: number;
  const running: Running[] = [];

  const job = () => database.prisma.trainingJob.findUniqueOrThrow({ where: { id: jobId } });
  const epochs = () => database.prisma.trainingEpoch.count({ where: { jobId } });

  beforeAll(async () => {
    expect(fs.existsSync(SERVER_ENTRY)).toBe(true);
    const created = await createDatabaseFromTemplate();
    url = created.url;
    drop = created.drop;
    database = await openPostgres(url, 2);
    await importFirstUnits(database.prisma, 8);
  });

  afterAll(async () => {
    for (const server of running) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await database?.close();
    await drop?.();
  });

  it('SIGTERM: refuses new connections, finishes the request in flight, re-queues the running job and exits 0', async () => {
    const server = await startServer(url);
    running.push(server);
    const queued = await postGraphQL(server.url, { query: TRAIN });
    jobId = queued.json.data.trainModel.id;
    await waitUntil(epochs, (count) => count >= 1, 60_000, 'first epoch stored');

    // A request whose body is still arriving when the signal comes.
    const body = JSON.stringify({ query: '{ trainingJob(id: ' + jobId + ') { id } engines { totalCount } }' });
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    const answered = new Promise<string>((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8'))));
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    await waitUntil(
      () => request(`${server.url}/metrics`),
      (response) => /engine_health_http_requests_in_flight 2\b/.test(response.text),
      10_000,
      'request in flight',
    );

    server.child.kill('SIGTERM');
    await waitUntil(
      () => refused(server.port),
      (isRefused) => isRefused,
      10_000,
      'listener closed',
    );
    socket.write(body.slice(10)); // the server closes the connection after answering (Connection: close)
    const response = await answered;
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
    expect(response).toContain('"engines":{"totalCount":16}');

    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs.join('')).toMatch(/"msg":"training job interrupted by shutdown and re-queued"/);
    expect(server.logs.join('')).toMatch(/"drained":true,"msg":"stopped"/);
    expect(await job()).toMatchObject({ status: 'QUEUED', attempts: 0, claimedBy: null, error: 'interrupted by a shutdown; re-queued' });
    expect(await database.prisma.modelVersion.count()).toBe(0);
  });

  it('kill -9 during training: the job is left RUNNING, nothing is registered', async () => {
    const server = await startServer(url);
    running.push(server);
    await waitUntil(job, (current) => current.status === 'RUNNING', 30_000, 'job claimed again');
    await waitUntil(epochs, (count) => count >= 2, 60_000, 'epochs of the second attempt');
    server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await job()).toMatchObject({ status: 'RUNNING', attempts: 1, modelVersionId: null });
    expect(await database.prisma.modelVersion.count()).toBe(0);
    expect(await database.prisma.evaluation.count()).toBe(0);
    expect(await database.prisma.score.count()).toBe(0);
  });

  it('restart: recovers the orphaned job, trains it again to success, and registers exactly one version', async () => {
    const server = await startServer(url);
    running.push(server);
    const finished = await waitUntil(
      job,
      (current) => current.status !== 'RUNNING' && current.status !== 'QUEUED',
      120_000,
      'job finished',
    );
    expect(finished).toMatchObject({ status: 'SUCCEEDED', attempts: 2, error: null });
    expect(server.logs.join('')).toMatch(/"jobId":\d+,"requeued":true,"outcome":"requeued","msg":"recovered an orphaned training job"/);
    const versions = await database.prisma.modelVersion.findMany({ select: { id: true, isActive: true } });
    expect(versions).toEqual([{ id: finished.modelVersionId, isActive: true }]);
    expect(await database.prisma.evaluation.count({ where: { modelVersionId: finished.modelVersionId! } })).toBe(1);
    expect(await epochs()).toBe(40);

    const ready = await waitUntil(
      () => request(`${server.url}/ready`),
      (response) => response.status === 200,
      10_000,
    );
    expect(ready.json.checks.model.activeModelVersion.id).toBe(finished.modelVersionId);
    const metrics = await request(`${server.url}/metrics`);
    expect(metrics.text).toMatch(/engine_health_training_jobs_total\{outcome="orphan_requeued"\} 1/);
    expect(metrics.text).toMatch(/engine_health_training_jobs_total\{outcome="succeeded"\} 1/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
