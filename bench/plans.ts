// Plan-cache benchmark: the scoring statements on one PostgreSQL connection whose statements were first
// run while the tables were empty (as on a fresh deployment), timed again after the windows table has
// grown, once with PostgreSQL's default plan cache (generic plans after five executions) and once with
// the setting the service uses (src/platform/db/database.ts: a plan for each execution).
//
//   node dist/bench/plans.js [--grow-batches 200] [--repeat 20] [--out results/bench-plans.json]
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPostgres, PLAN_CACHE_MODE, preparedQueryExecutor } from '../src/platform/db/database';
import { applyMigrations, type QueryExecutor } from '../src/platform/db/migrations';
import { findScoresByHash, storeScoredWindows, type ScoredWindow } from '../src/modules/scoring/window-store';
import { createScratchDatabase } from './harness';

const { values: args } = parseArgs({
  options: {
    'grow-batches': { type: 'string', default: '200' },
    repeat: { type: 'string', default: '20' },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    out: { type: 'string', default: path.join('results', 'bench-plans.json') },
  },
});

const FEATURES = 14;
const LENGTH = 30;
const SHAPE = { source: 'CLIENT' as const, length: LENGTH, sensors: Array.from({ length: FEATURES }, (_, s) => `sensor${s + 2}`) };

function newWindows(count: number): ScoredWindow[] {
  return Array.from({ length: count }, () => ({
    contentHash: randomBytes(32).toString('hex'),
    engineId: null,
    endCycle: null,
    values: randomBytes(LENGTH * FEATURES * 8),
    reconstructionError: Math.random(),
    score: Math.random(),
    isAnomaly: false,
    sensorErrors: Float32Array.from({ length: FEATURES }, Math.random),
    recentResiduals: Float32Array.from({ length: FEATURES }, Math.random),
  }));
}

/** Mean milliseconds of storing `count` new windows, then of looking their scores up. */
async function timeScoring(query: QueryExecutor, version: { id: number; threshold: number }, count: number, repeat: number) {
  let storeMs = 0;
  let lookupMs = 0;
  for (let run = 0; run < repeat; run++) {
    const windows = newWindows(count);
    let started = performance.now();
    await storeScoredWindows(query, version, SHAPE, windows);
    storeMs += performance.now() - started;
    started = performance.now();
    await findScoresByHash(
      query,
      version.id,
      windows.map((window) => window.contentHash),
    );
    lookupMs += performance.now() - started;
  }
  return { windows: count, storeMs: storeMs / repeat, lookupMs: lookupMs / repeat };
}

/** A fresh database (migrated, tables never analysed, as on a new deployment) and a model version in it. */
async function freshDatabase(name: string) {
  const scratch = await createScratchDatabase(args['admin-url']!, name);
  const setup = await openPostgres(scratch.url, 1);
  try {
    await applyMigrations(setup.execScript, setup.query);
    // Only the foreign key matters here: a model version with placeholder content.
    const [version] = await setup.query<{ id: number; threshold: number }>(
      `INSERT INTO model_versions (version, architecture, hyperparameters, sensors, window_length, normalisation, scoring_method, threshold,
                                   threshold_quantile, topology, weights, weight_specs, backend, training_ms, trained_on)
       VALUES (1, '{}', '{}', $1, $2, '{}', '{}', 0.5, 0.99, '{}', '', '[]', 'none', 0, '{}') RETURNING id, threshold`,
      [SHAPE.sensors, LENGTH],
    );
    return { scratch, version };
  } finally {
    await setup.close();
  }
}

async function measure(mode: string) {
  const { scratch, version } = await freshDatabase(`engine_health_plans_bench_${process.pid}`);
  const client = new pg.Client({ connectionString: scratch.url, options: `-c plan_cache_mode=${mode}` });
  await client.connect();
  try {
    const query = preparedQueryExecutor(client);
    const empty = await timeScoring(query, version, 16, 10); // past the five executions before a generic plan
    for (let batch = 0; batch < Number(args['grow-batches']); batch++) await storeScoredWindows(query, version, SHAPE, newWindows(256));
    const [{ count }] = await query<{ count: string }>('SELECT count(*) FROM windows');
    const grown = [];
    for (const windows of [1, 16, 256]) grown.push(await timeScoring(query, version, windows, Number(args.repeat)));
    const plans = await query<{ generic_plans: string; custom_plans: string }>(
      'SELECT generic_plans, custom_plans FROM pg_prepared_statements',
    );
    return {
      planCacheMode: mode,
      emptyTables: empty,
      windowsStored: Number(count),
      grownTables: grown,
      genericPlans: plans.reduce((sum, plan) => sum + Number(plan.generic_plans), 0),
      customPlans: plans.reduce((sum, plan) => sum + Number(plan.custom_plans), 0),
    };
  } finally {
    await client.end();
    await scratch.drop();
  }
}

async function main(): Promise<void> {
  const results = [];
  for (const mode of ['auto', PLAN_CACHE_MODE]) results.push(await measure(mode));

  console.log('plan_cache_mode      tables                  store 1   store 16  store 256   lookup 16   generic / custom plans');
  for (const result of results) {
    const at = (windows: number) => result.grownTables.find((timing) => timing.windows === windows)!;
    const ms = (value: number) => `${value.toFixed(2)} ms`.padStart(10);
    console.log(
      `${result.planCacheMode.padEnd(20)} empty                           ${ms(result.emptyTables.storeMs)}            ${ms(result.emptyTables.lookupMs)}`,
    );
    console.log(
      `${''.padEnd(20)} ${`${result.windowsStored} windows`.padEnd(22)}${ms(at(1).storeMs)}${ms(at(16).storeMs)} ${ms(at(256).storeMs)}  ${ms(at(16).lookupMs)}   ${result.genericPlans} / ${result.customPlans}`,
    );
  }
  fs.mkdirSync(path.dirname(args.out!), { recursive: true });
  fs.writeFileSync(args.out!, `${JSON.stringify({ benchmark: 'plans', createdAt: new Date().toISOString(), results }, null, 2)}\n`);
  console.log(`wrote ${args.out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
