// The long run of the schema-driven fuzz (bench/fuzz-requests.ts) against the compiled server as its own
// process: what test/fuzz/hostile-requests.test.ts checks in CI, over many more requests.
//
//   npm run bench:fuzz -- [--runs 3000] [--seed 42 [--path 1190:3]] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
//   (--seed and --path, as a failure prints them, replay that failure alone)
//
// Creates a throw-away database, imports the shipped FD001, trains a small model, starts
// dist/src/main/server.js (production mode, authentication off so that every operation runs with every
// role, no training runner so that only the requests write; its log in results/fuzz-server.log), creates
// a live engine, then sends --runs generated operations, one at a time,
// checking each answer (no 5xx, JSON, no INTERNAL_SERVER_ERROR, no stack trace or SQL) and, when the
// operation was refused, that it wrote nothing; every 100 requests the server process must be alive and
// /health answer. At the end the server's log must hold no error line. Prints what the root fields were
// answered; exits 1 on the first failure (fast-check prints the shrunk request and its seed).
import 'reflect-metadata';
import path from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import pg from 'pg';
import { SHIPPED_DATASET_DIR } from '../src/platform/repository';
import { openPostgres } from '../src/platform/db/database';
import { applyMigrations } from '../src/platform/db/migrations';
import { importSubset } from '../src/modules/datasets/import-service';
import { buildAppSchema } from '../src/main/schema';
import { createServices } from '../src/main/services';
import { selectBackend } from '../src/detectors/lstm-autoencoder/engine';
import { createLogger } from '../src/platform/observability/logger';
import { checkAnswer, DEFAULT_IDS, fuzzedOperation, refused, WRITTEN_ROWS_SQL, type FuzzAnswer } from './fuzz-requests';
import { createScratchDatabase, serverErrorLines, startCompiledServer } from './harness';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});

function log(message: string): void {
  process.stderr.write(`[fuzz ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function post(url: string, body: unknown): Promise<FuzzAnswer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase(args['admin-url'], 'engine_health_bench_fuzz');
  const database = await openPostgres(scratch.url, 2);
  let versionId: number;
  try {
    await applyMigrations(database.execScript, database.query);
    await importSubset(database.prisma, 'FD001', SHIPPED_DATASET_DIR);
    // Trained here: the server runs no training runner, so that nothing but the requests writes.
    log('training a small model');
    await selectBackend();
    const services = createServices(database, createLogger('silent'));
    const job = await services.jobs.enqueue({
      trainUnits: [{ from: 1, to: 4 }],
      calibrationUnits: [{ from: 5, to: 6 }],
      testUnits: [{ from: 7, to: 8 }],
      hidden: 8,
      code: 4,
      epochs: 2,
      activate: true,
    });
    const trained = await services.runner.runNext(job.id);
    if (trained?.status !== 'SUCCEEDED') throw new Error(`training ${trained?.status}: ${trained?.error}`);
    versionId = trained.modelVersionId!;
  } finally {
    await database.close();
  }
  const server = await startCompiledServer(
    {
      NODE_ENV: 'production',
      DATABASE_URL: scratch.url,
      AUTH_ENABLED: 'false',
      TRAINING_RUNNER: 'false',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
    },
    path.resolve('results', 'fuzz-server.log'),
  );
  const rows = new pg.Client({ connectionString: scratch.url });
  await rows.connect();
  const written = async () => (await rows.query(WRITTEN_ROWS_SQL)).rows[0] as Record<string, string>;
  try {
    const live = (await post(server.url, { query: 'mutation { createEngine(input: { externalId: "fuzz-live" }) { id } }' })).json.data
      .createEngine.id;
    const schema = await buildAppSchema();
    const outcomes = new Map<string, Map<string, number>>();
    let sent = 0;
    const started = performance.now();
    log(`sending ${args.runs} operations`);
    await fc.assert(
      fc.asyncProperty(fuzzedOperation(schema, [...DEFAULT_IDS, 150, 200, live, versionId]), async (operation) => {
        const before = await written();
        const answer = await post(server.url, { query: operation.document, variables: operation.variables });
        const failure = checkAnswer(answer);
        if (failure) throw new Error(`${failure}\nfor ${JSON.stringify(operation).slice(0, 1_000)}`);
        if (refused(answer, operation)) {
          const after = await written();
          if (JSON.stringify(after) !== JSON.stringify(before)) {
            throw new Error(`a refused operation wrote: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
          }
        }
        const code =
          answer.status >= 400
            ? `${answer.status} ${answer.json?.errors?.[0]?.extensions?.code}`
            : (answer.json?.errors?.[0]?.extensions?.code ?? 'ok');
        const byCode = outcomes.get(operation.field) ?? new Map<string, number>();
        byCode.set(code, (byCode.get(code) ?? 0) + 1);
        outcomes.set(operation.field, byCode);
        if (++sent % 100 === 0) {
          if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error('the server process ended');
          const health = await fetch(`${server.url}/health`);
          if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
          log(`${sent} sent`);
        }
      }),
      { numRuns: Number(args.runs), ...(args.seed ? { seed: Number(args.seed) } : {}), ...(args.path ? { path: args.path } : {}) },
    );
    const seconds = (performance.now() - started) / 1000;
    const errors = serverErrorLines(server);
    const lines = [...outcomes.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([field, byCode]) => {
        const codes = [...byCode.entries()].sort(([, a], [, b]) => b - a).map(([code, count]) => `${code} ${count}`);
        return `| ${field} | ${[...byCode.values()].reduce((sum, count) => sum + count, 0)} | ${codes.join(', ')} |`;
      });
    process.stdout.write(
      [
        `${sent} operations in ${seconds.toFixed(0)} s, server error lines: ${errors.length}`,
        '',
        '| root field | sent | answers |',
        '|---|---|---|',
        ...lines,
        '',
      ].join('\n'),
    );
    if (errors.length > 0) {
      process.stdout.write(`${errors.slice(0, 5).join('\n')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await rows.end();
    await server.stop();
    await scratch.drop();
  }
}

main().catch((error) => {
  const cause = error instanceof Error && error.cause instanceof Error ? `\ncaused by: ${error.cause.message}` : '';
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}${cause}\n`);
  process.exit(1);
});
