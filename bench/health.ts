// /health latency while heavy reads arrive (issue 15, defect 4: /health could not answer for 16.7 s while
// 15 aliases of engines(page: { limit: 500 }) { items { cycles { sensors settings } } } were served).
//
//   npm run bench:health -- [--admin-url postgresql://postgres@127.0.0.1:5432/postgres] [--seconds 15]
//                           [--concurrency 4] [--max-cost 100000] [--out results/health.json]
//
// Creates a throw-away database, imports the shipped FD001, starts dist/src/main/server.js (production
// mode, authentication off, its log in health-server.log beside --out or in results/), trains a small
// model, then for each scenario drives --concurrency clients sending its request in a loop for
// --seconds while a probe asks GET /health every 20 ms, and prints /health p50 / p99 / max side by side
// with the idle figures and the 100 ms target, with what the heavy requests were answered.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SHIPPED_DATASET_DIR } from '../src/platform/repository';
import { openPostgres } from '../src/platform/db/database';
import { applyMigrations } from '../src/platform/db/migrations';
import { importSubset } from '../src/modules/datasets/import-service';
import { loadConfig } from '../src/main/config';
import { createScratchDatabase, serverErrorLines, startCompiledServer } from './harness';

const { values: args } = parseArgs({
  options: {
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '4' },
    'max-cost': { type: 'string' },
    out: { type: 'string' },
  },
});

const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const TARGET_P99_MS = 100;

function log(message: string): void {
  process.stderr.write(`[health ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function graphql(url: string, query: string): Promise<{ status: number; body: any; bytes: number }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), bytes: text.length };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Result {
  scenario: string;
  health: { count: number; p50: number; p99: number; max: number };
  heavy: { count: number; outcomes: Record<string, number>; p50Ms: number; meanBytes: number };
}

/** Drives `query` from `concurrency` clients for `seconds` while probing /health; null query: idle. */
async function scenario(url: string, name: string, query: string | null): Promise<Result> {
  const until = Date.now() + seconds * 1000;
  const healthMs: number[] = [];
  const heavyMs: number[] = [];
  const outcomes: Record<string, number> = {};
  let bytes = 0;
  const probe = async () => {
    while (Date.now() < until) {
      const started = performance.now();
      const response = await fetch(`${url}/health`);
      await response.text();
      healthMs.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const client = async () => {
    while (query !== null && Date.now() < until) {
      const started = performance.now();
      const answer = await graphql(url, query);
      heavyMs.push(performance.now() - started);
      bytes += answer.bytes;
      const outcome = `${answer.status} ${answer.body.errors?.[0]?.extensions?.code ?? 'ok'}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  };
  await Promise.all([probe(), ...Array.from({ length: query === null ? 0 : concurrency }, client)]);
  const sorted = [...healthMs].sort((a, b) => a - b);
  const heavySorted = [...heavyMs].sort((a, b) => a - b);
  return {
    scenario: name,
    health: { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
    heavy: { count: heavyMs.length, outcomes, p50Ms: percentile(heavySorted, 50), meanBytes: heavyMs.length ? bytes / heavyMs.length : 0 },
  };
}

async function main(): Promise<void> {
  const outDir = args.out ? path.dirname(path.resolve(args.out)) : path.resolve('results');
  const scratch = await createScratchDatabase(args['admin-url'], 'engine_health_bench_health');
  const database = await openPostgres(scratch.url, 2);
  try {
    await applyMigrations(database.execScript, database.query);
    await importSubset(database.prisma, 'FD001', SHIPPED_DATASET_DIR);
  } finally {
    await database.close();
  }
  const server = await startCompiledServer(
    {
      NODE_ENV: 'production',
      DATABASE_URL: scratch.url,
      AUTH_ENABLED: 'false',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      ...(args['max-cost'] ? { GRAPHQL_MAX_COST: args['max-cost'] } : {}),
    },
    path.join(outDir, 'health-server.log'),
  );
  try {
    log('training a small model');
    const queued = await graphql(
      server.url,
      `
        mutation {
          trainModel(
            input: {
              trainUnits: [{ from: 1, to: 10 }]
              calibrationUnits: [{ from: 11, to: 12 }]
              testUnits: [{ from: 13, to: 14 }]
              hidden: 16
              code: 4
              epochs: 3
              activate: true
            }
          ) {
            id
          }
        }
      `,
    );
    const jobId = queued.body.data.trainModel.id;
    for (;;) {
      const job = await graphql(server.url, `{ trainingJob(id: ${jobId}) { status modelVersionId error } }`);
      const { status, modelVersionId, error } = job.body.data.trainingJob;
      if (status === 'SUCCEEDED') {
        log(`model version ${modelVersionId} active`);
        break;
      }
      if (status === 'FAILED' || status === 'CANCELLED') throw new Error(`training ${status}: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const version = (await graphql(server.url, '{ activeModelVersion { id } }')).body.data.activeModelVersion.id;
    // The largest pages the cost limit accepts: an engine's cycles cost 10,401 (400 x 26 values + 1), its
    // trajectory's points 2,002 (the read's 400 windows, 400 x 4 values, 2).
    const maxCost = Number(args['max-cost'] ?? loadConfig({}).limits.maxCost);
    const cyclePage = Math.max(1, Math.floor((maxCost - 2) / 10_402));
    const trajectoryPage = Math.max(1, Math.floor((maxCost - 2) / 2_003));
    const aliases = Array.from(
      { length: 15 },
      (_, index) => `a${index}: engines(page: { limit: 500 }) { items { cycles { sensors settings } } }`,
    );
    const scenarios: [string, string | null][] = [
      ['idle (anchor)', null],
      ['issue 15: 15 aliases of engines(limit 500) cycles', `{ ${aliases.join(' ')} }`],
      [
        'issue 15: engines(limit 500) trajectory',
        `{ engines(page: { limit: 500 }) { items { trajectory(modelVersionId: ${version}) { firstFlaggedCycle } } } }`,
      ],
      [
        `largest accepted: engines(limit ${cyclePage}) all cycles`,
        `{ engines(page: { limit: ${cyclePage} }) { items { cycles { cycle settings sensors } } } }`,
      ],
      [
        `largest accepted: engines(limit ${trajectoryPage}) trajectory points (scored on first read)`,
        `{ engines(page: { limit: ${trajectoryPage} }) { items { trajectory(modelVersionId: ${version}) { points { endCycle score isAnomaly } } } } }`,
      ],
    ];
    const results: Result[] = [];
    for (const [name, query] of scenarios) {
      log(`${name}: ${concurrency} clients for ${seconds} s`);
      results.push(await scenario(server.url, name, query));
    }
    const errors = serverErrorLines(server);
    const idle = results[0].health.p99;
    const rows = results.map((result) => {
      const outcomes = Object.entries(result.heavy.outcomes)
        .map(([outcome, count]) => `${outcome} x${count}`)
        .join(', ');
      return (
        `| ${result.scenario} | ${result.health.p50.toFixed(1)} | ${result.health.p99.toFixed(1)} (${(result.health.p99 / idle).toFixed(1)}x idle) | ` +
        `${result.health.max.toFixed(1)} | ${result.health.p99 <= TARGET_P99_MS ? 'yes' : 'NO'} | ${outcomes || '-'} | ` +
        `${Number.isNaN(result.heavy.p50Ms) ? '-' : result.heavy.p50Ms.toFixed(0)} | ${(result.heavy.meanBytes / 1024).toFixed(0)} KB |`
      );
    });
    const table = [
      `/health latency (ms) under ${concurrency} clients, ${seconds} s each (target p99 <= ${TARGET_P99_MS} ms):`,
      '',
      '| scenario | p50 | p99 | max | p99 on target | heavy answers | heavy p50 ms | mean answer |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n');
    process.stdout.write(`GRAPHQL_MAX_COST ${maxCost}\n${table}\n\nserver error lines: ${errors.length}\n`);
    if (args.out)
      fs.writeFileSync(path.resolve(args.out), JSON.stringify({ concurrency, seconds, results, serverErrors: errors.length }, null, 2));
    if (errors.length > 0 || results.some((result) => result.health.p99 > TARGET_P99_MS)) process.exitCode = 1;
  } finally {
    await server.stop();
    await scratch.drop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
