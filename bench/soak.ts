// Soak run: scoring load while a model trains, against the compiled server on PostgreSQL.
//
//   npm run bench:soak -- [--admin-url postgresql://postgres@127.0.0.1:5432/postgres] [--concurrency 16]
//                         [--baseline-seconds 20] [--epochs 60] [--batch-share 0.2] [--out results/soak.json]
//   npm run bench:soak -- --url http://host:4000 --key ehk_... --database-url postgresql://...   (a running server)
//
// Without --url it creates a throw-away database on the admin URL, migrates it, imports the shipped FD001,
// creates an API key, starts dist/src/main/server.js (authentication on, production mode, its log in
// soak-server.log beside --out or in results/), trains a small model to score with, then:
//   1. "before": drives scoring load (scoreWindow, and scoreWindows of 16 windows) for --baseline-seconds;
//   2. "during": starts a training job and drives the same load until the job finishes;
//   3. checks: no request failed, every score a client was given is stored (one row per returned
//      window id and version), the job succeeded; prints p50/p99 latencies of both phases.
// Exits 1 when a check fails.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import pg from 'pg';
import { SHIPPED_DATASET_DIR } from '../src/platform/repository';
import { openPostgres } from '../src/platform/db/database';
import { applyMigrations } from '../src/platform/db/migrations';
import { ApiKeyService } from '../src/modules/api-keys/api-key-service';
import { importSubset } from '../src/modules/datasets/import-service';
import { createScratchDatabase, serverErrorLines, startCompiledServer } from './harness';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    'database-url': { type: 'string' },
    'admin-url': { type: 'string', default: process.env.SOAK_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    concurrency: { type: 'string', default: '16' },
    'baseline-seconds': { type: 'string', default: '20' },
    epochs: { type: 'string', default: '60' },
    'batch-share': { type: 'string', default: '0.2' },
    'max-minutes': { type: 'string', default: '20' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const concurrency = Number(args.concurrency);
const baselineMs = Number(args['baseline-seconds']) * 1000;
const batchShare = Number(args['batch-share']);
const BATCH = 16;

const BASELINE_MODEL = `{ name: "soak baseline", trainUnits: [{ from: 1, to: 10 }], calibrationUnits: [{ from: 11, to: 12 }],
  testUnits: [{ from: 13, to: 14 }], hidden: 16, code: 4, epochs: 3, activate: true }`;
const SOAK_MODEL = (
  epochs: number,
) => `{ name: "soak candidate", trainUnits: [{ from: 1, to: 40 }], calibrationUnits: [{ from: 41, to: 50 }],
  testUnits: [{ from: 51, to: 60 }], hidden: 32, code: 8, epochs: ${epochs} }`;

function log(message: string): void {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Raw FD001 training rows: [unit, cycle, settings x3, sensors x21]. */
function fd001Rows(): number[][] {
  const text = zlib.gunzipSync(fs.readFileSync(path.join(SHIPPED_DATASET_DIR, 'train_FD001.txt.gz'))).toString('latin1');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(/\s+/).map(Number));
}

const rows = fd001Rows();
const byUnit = new Map<number, number[][]>();
for (const row of rows) {
  const unit = byUnit.get(row[0]) ?? [];
  unit.push(row);
  byUnit.set(row[0], unit);
}
const units = [...byUnit.values()];

/** A window of a random engine and cycle, with a little noise so that each one is new (computed and stored). */
function randomWindow() {
  const unit = units[Math.floor(Math.random() * units.length)];
  const end = 30 + Math.floor(Math.random() * (unit.length - 29));
  const slice = unit.slice(end - 30, end);
  return {
    columns: Array.from({ length: 21 }, (_, sensor) => ({
      sensor: `sensor${sensor + 1}`,
      values: slice.map((row) => row[5 + sensor] * (1 + (Math.random() - 0.5) * 1e-4)),
    })),
  };
}

interface Sample {
  ms: number;
  ok: boolean;
  windows: number;
}

interface Phase {
  name: string;
  samples: Sample[];
  startedAt: number;
  endedAt: number;
}

/** Window ids and versions of every score handed to a client. */
const returned = new Set<string>();
const failures: string[] = [];

async function graphql(url: string, key: string, query: string, variables?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: await response.json() };
}

async function drive(url: string, key: string, name: string, until: () => boolean): Promise<Phase> {
  const phase: Phase = { name, samples: [], startedAt: Date.now(), endedAt: 0 };
  const worker = async () => {
    while (!until()) {
      const batch = Math.random() < batchShare;
      const started = performance.now();
      let ok = false;
      let windows = 1;
      try {
        if (batch) {
          windows = BATCH;
          const response = await graphql(
            url,
            key,
            'mutation SoakBatch($w: [WindowInput!]!) { scoreWindows(windows: $w) { windowId modelVersionId } }',
            {
              w: Array.from({ length: BATCH }, randomWindow),
            },
          );
          ok = response.status === 200 && !response.body.errors;
          if (ok) for (const score of response.body.data.scoreWindows) returned.add(`${score.windowId}:${score.modelVersionId}`);
          else
            failures.push(`${name} scoreWindows ${response.status} ${JSON.stringify(response.body.errors ?? response.body).slice(0, 300)}`);
        } else {
          const response = await graphql(
            url,
            key,
            'mutation Soak($w: WindowInput!) { scoreWindow(window: $w) { windowId modelVersionId } }',
            { w: randomWindow() },
          );
          ok = response.status === 200 && !response.body.errors;
          if (ok) returned.add(`${response.body.data.scoreWindow.windowId}:${response.body.data.scoreWindow.modelVersionId}`);
          else
            failures.push(`${name} scoreWindow ${response.status} ${JSON.stringify(response.body.errors ?? response.body).slice(0, 300)}`);
        }
      } catch (error) {
        failures.push(`${name} ${batch ? 'scoreWindows' : 'scoreWindow'} ${(error as Error).message}`);
      }
      phase.samples.push({ ms: performance.now() - started, ok, windows });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  phase.endedAt = Date.now();
  return phase;
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function summarise(phase: Phase) {
  const seconds = (phase.endedAt - phase.startedAt) / 1000;
  const of = (samples: Sample[]) => {
    const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
    return {
      requests: samples.length,
      p50Ms: round(percentile(sorted, 0.5)),
      p95Ms: round(percentile(sorted, 0.95)),
      p99Ms: round(percentile(sorted, 0.99)),
      maxMs: round(sorted.at(-1) ?? NaN),
    };
  };
  return {
    phase: phase.name,
    seconds: round(seconds),
    requests: phase.samples.length,
    errors: phase.samples.filter((sample) => !sample.ok).length,
    windowsScored: phase.samples.filter((sample) => sample.ok).reduce((sum, sample) => sum + sample.windows, 0),
    requestsPerSecond: round(phase.samples.length / seconds),
    windowsPerSecond: round(phase.samples.filter((sample) => sample.ok).reduce((sum, sample) => sum + sample.windows, 0) / seconds),
    all: of(phase.samples),
    scoreWindow: of(phase.samples.filter((sample) => sample.windows === 1)),
    scoreWindows16: of(phase.samples.filter((sample) => sample.windows === BATCH)),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

async function waitForJob(
  url: string,
  key: string,
  id: number,
  maxMs: number,
): Promise<{ status: string; error: string | null; modelVersionId: number | null }> {
  const started = Date.now();
  for (;;) {
    const response = await graphql(
      url,
      key,
      'query ($id: Int!) { trainingJob(id: $id) { status error modelVersionId progress { epochsCompleted totalEpochs } } }',
      { id },
    );
    const job = response.body.data?.trainingJob;
    if (job && !['QUEUED', 'RUNNING'].includes(job.status)) return job;
    if (Date.now() - started > maxMs) throw new Error(`training job ${id} still ${job?.status} after ${maxMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface Target {
  url: string;
  key: string;
  databaseUrl: string;
  cleanup(): Promise<void>;
}

async function startOwnServer(): Promise<Target> {
  const scratch = await createScratchDatabase(args['admin-url']!, `engine_health_soak_${process.pid}_${randomBytes(3).toString('hex')}`);
  log(`database ${scratch.name}: migrating and importing FD001`);
  const database = await openPostgres(scratch.url, 4);
  await applyMigrations(database.execScript, database.query);
  await importSubset(database.prisma, 'FD001', SHIPPED_DATASET_DIR);
  const key = (await new ApiKeyService(database.prisma).create('soak', 'reader,scorer,operator')).key;
  await database.close();

  const server = await startCompiledServer(
    {
      NODE_ENV: 'production',
      DATABASE_URL: scratch.url,
      AUTH_ENABLED: 'true',
      HOST: '127.0.0.1',
      // As in production: one JSON line per request.
      LOG_LEVEL: 'info',
      // The load is one key: allow it well above the default per-key rate.
      RATE_LIMIT_SCORING_WINDOWS: '100000000',
      TRAINING_POLL_INTERVAL_MS: '200',
    },
    path.resolve(args.out ? path.dirname(args.out) : 'results', 'soak-server.log'),
  );
  log(`server ${server.url} (pid ${server.child.pid}, log ${server.logFile})`);
  return {
    url: server.url,
    key,
    databaseUrl: scratch.url,
    async cleanup() {
      await server.stop();
      const serverErrors = serverErrorLines(server);
      if (serverErrors.length > 0) log(`server logged ${serverErrors.length} error lines, first: ${serverErrors[0].slice(0, 400)}`);
      if (args.keep) {
        log(`kept database ${scratch.name}`);
        return;
      }
      await scratch.drop();
    },
  };
}

async function main(): Promise<void> {
  let target: Target;
  if (args.url) {
    if (!args.key || !args['database-url'])
      throw new Error('--url needs --key (reader, scorer and operator roles) and --database-url (to count stored scores)');
    target = { url: args.url.replace(/\/$/, ''), key: args.key, databaseUrl: args['database-url'], cleanup: async () => undefined };
  } else {
    target = await startOwnServer();
  }
  const { url, key } = target;
  let exitCode = 0;
  try {
    const active = await graphql(url, key, '{ activeModelVersion { id } }');
    if (!active.body.data?.activeModelVersion) {
      log('training the model to score with (small, activated)');
      const queued = await graphql(url, key, `mutation { trainModel(input: ${BASELINE_MODEL}) { id } }`);
      if (queued.body.errors) throw new Error(JSON.stringify(queued.body.errors));
      const job = await waitForJob(url, key, queued.body.data.trainModel.id, 10 * 60_000);
      if (job.status !== 'SUCCEEDED') throw new Error(`baseline training ${job.status}: ${job.error}`);
    }
    // Warm up (model decoding, JIT, connections) before measuring.
    await drive(
      url,
      key,
      'warm-up',
      (() => {
        const end = Date.now() + 2000;
        return () => Date.now() > end;
      })(),
    );
    returned.clear();
    failures.length = 0;

    log(`phase "before": ${concurrency} clients for ${baselineMs / 1000} s`);
    const beforeEnd = Date.now() + baselineMs;
    const before = await drive(url, key, 'before', () => Date.now() > beforeEnd);

    const queued = await graphql(url, key, `mutation { trainModel(input: ${SOAK_MODEL(Number(args.epochs))}) { id } }`);
    if (queued.body.errors) throw new Error(JSON.stringify(queued.body.errors));
    const jobId: number = queued.body.data.trainModel.id;
    log(`phase "during": training job ${jobId} (${args.epochs} epochs, 40 train engines) under the same load`);
    let jobDone = false;
    let job: Awaited<ReturnType<typeof waitForJob>> | null = null;
    const jobWatcher = waitForJob(url, key, jobId, Number(args['max-minutes']) * 60_000).then(
      (finished) => {
        job = finished;
        jobDone = true;
      },
      (error) => {
        failures.push(`training: ${(error as Error).message}`);
        jobDone = true;
      },
    );
    const during = await drive(url, key, 'during', () => jobDone);
    await jobWatcher;

    // Every score handed out is stored: one scores row per (window id, version) returned.
    const pairs = [...returned].map((pair) => pair.split(':').map(Number));
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    const windowIds = pairs.map(([windowId]) => windowId);
    const versionIds = pairs.map(([, versionId]) => versionId);
    const stored = await client.query<{ found: string }>(
      `SELECT count(*) AS found FROM unnest($1::int[], $2::int[]) AS returned(window_id, model_version_id)
        WHERE EXISTS (SELECT 1 FROM scores s WHERE s.window_id = returned.window_id AND s.model_version_id = returned.model_version_id)`,
      [windowIds, versionIds],
    );
    const clientScores = await client.query<{ rows: string }>(
      `SELECT count(*) AS rows FROM scores s JOIN windows w ON w.id = s.window_id WHERE w.source = 'CLIENT'`,
    );
    await client.end();

    const summaries = [summarise(before), summarise(during)];
    const result = {
      date: new Date().toISOString(),
      concurrency,
      batchShare,
      trainingJob: {
        id: jobId,
        epochs: Number(args.epochs),
        status: (job as { status: string } | null)?.status ?? 'unknown',
        error: (job as { error: string | null } | null)?.error ?? null,
      },
      phases: summaries,
      persistence: {
        scoresReturned: returned.size,
        scoresFoundStored: Number(stored.rows[0].found),
        clientScoreRowsInDatabase: Number(clientScores.rows[0].rows),
      },
      failures: failures.slice(0, 20),
      failureCount: failures.length,
    };
    const checks = {
      noErrors: failures.length === 0,
      everyScoreStored: result.persistence.scoresFoundStored === result.persistence.scoresReturned,
      jobSucceeded: result.trainingJob.status === 'SUCCEEDED',
    };
    process.stdout.write(`${JSON.stringify({ ...result, checks }, null, 2)}\n`);
    const table = summaries.map(
      (phase) =>
        `${phase.phase.padEnd(7)} ${String(phase.seconds).padStart(6)} s  ${String(phase.requests).padStart(6)} req  ${String(phase.errors).padStart(3)} err  ` +
        `${String(phase.requestsPerSecond).padStart(6)} req/s  ${String(phase.windowsPerSecond).padStart(7)} windows/s  ` +
        `scoreWindow p50 ${phase.scoreWindow.p50Ms} ms p99 ${phase.scoreWindow.p99Ms} ms  scoreWindows(16) p50 ${phase.scoreWindows16.p50Ms} ms p99 ${phase.scoreWindows16.p99Ms} ms`,
    );
    log(`\n${table.join('\n')}`);
    log(`checks: ${JSON.stringify(checks)}`);
    if (args.out) {
      fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
      fs.writeFileSync(args.out, `${JSON.stringify({ ...result, checks }, null, 2)}\n`);
    }
    if (!Object.values(checks).every(Boolean)) exitCode = 1;
  } finally {
    await target.cleanup();
  }
  process.exit(exitCode);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
