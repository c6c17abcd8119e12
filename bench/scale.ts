// How scoring and trajectory reads cost as the stored scores grow: the compiled server on a scratch
// PostgreSQL database holding FD001 and a trained version, whose scores table is filled with SQL
// (generate_series: synthetic live engines of 300 scored windows each, hashed and stored as the service
// stores engine windows) to each size in turn; at each size, after VACUUM ANALYZE, one client measures
// sequentially:
//   - trajectory: engine.trajectory of the longest FD001 engine (362 cycles, already scored: a read);
//   - scoreWindow: a window never seen before (looked up by hash, scored, stored with its score).
//
//   node dist/bench/scale.js [--sizes 10000,1000000,10000000] [--requests 300] [--keep-database]
//                            [--out results/bench-scale.json]
//
// Prints p50 and p90 per size with the ratio of each p50 to the smallest size's.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SHIPPED_DATASET_DIR } from '../src/platform/repository';
import { openPostgres } from '../src/platform/db/database';
import { applyMigrations } from '../src/platform/db/migrations';
import { importSubset } from '../src/modules/datasets/import-service';
import { createScratchDatabase, graphql, startCompiledServer, waitForJob, windowSource, type CompiledServer } from './harness';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,1000000,10000000' },
    requests: { type: 'string', default: '300' },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    'keep-database': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join('results', 'bench-scale.json') },
  },
});
const SIZES = args.sizes!.split(',').map(Number);
const REQUESTS = Number(args.requests);
/** Windows (and scores) per synthetic engine, and scores written per statement while filling. */
const WINDOWS_PER_ENGINE = 300;
const FILL_CHUNK = 1_000_000;

interface Latency {
  p50: number;
  p90: number;
}

interface SizeResult {
  scores: number;
  fillSeconds: number;
  trajectory: Latency;
  scoreWindow: Latency;
}

function percentiles(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p90: at(0.9) };
}

/** Milliseconds of `count` sequential requests, after 100 unmeasured ones (connections, JIT, caches). */
async function time(endpoint: string, body: () => string, count: number): Promise<Latency> {
  const samples: number[] = [];
  for (let index = -100; index < count; index++) {
    const started = performance.now();
    const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body() });
    const answer = (await response.json()) as { errors?: { message: string }[] };
    if (answer.errors) throw new Error(answer.errors.map((error) => error.message).join('; '));
    if (index >= 0) samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

/**
 * Adds `count` scores (rounded up to whole engines) under `versionId`: synthetic live engines, their
 * ENGINE windows (content hash as the service computes it) and one score per window, one statement a
 * chunk.
 */
async function fill(client: pg.Client, versionId: number, features: number, count: number): Promise<void> {
  const errors = `{${Array.from({ length: features }, (_, index) => (0.01 * (index + 1)).toFixed(2)).join(',')}}`;
  for (let done = 0; done < count; done += FILL_CHUNK) {
    const engines = Math.ceil(Math.min(FILL_CHUNK, count - done) / WINDOWS_PER_ENGINE);
    await client.query(
      `WITH e AS (
         INSERT INTO engines (role, external_id, last_cycle, updated_at)
         SELECT 'LIVE', 'bench-scale-' || gen_random_uuid(), ${WINDOWS_PER_ENGINE + 29}, now() FROM generate_series(1, $1::int)
         RETURNING id
       ), w AS (
         INSERT INTO windows (content_hash, source, engine_id, end_cycle, length, sensors)
         SELECT encode(sha256(convert_to('engine:' || e.id || ':' || c || ':30', 'UTF8')), 'hex'), 'ENGINE', e.id, c, 30, '{}'
           FROM e, generate_series(30, ${WINDOWS_PER_ENGINE + 29}) c
         RETURNING id, engine_id, end_cycle
       )
       INSERT INTO scores (window_id, model_version_id, engine_id, end_cycle, reconstruction_error, score, threshold, is_anomaly,
                           sensor_errors, recent_residuals)
       SELECT w.id, $2, w.engine_id, w.end_cycle, r.value, r.value, 0.5, r.value > 0.5, $3::float8[], $3::float8[]
         FROM w, LATERAL (SELECT random() + w.end_cycle * 0 AS value) r`,
      [engines, versionId, errors],
    );
  }
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase(args['admin-url']!, `engine_health_bench_scale_${process.pid}`);
  let server: CompiledServer | undefined;
  const client = new pg.Client({ connectionString: scratch.url });
  try {
    const database = await openPostgres(scratch.url, 2);
    await applyMigrations(database.execScript, database.query);
    await importSubset(database.prisma, 'FD001', SHIPPED_DATASET_DIR);
    const longest = await database.prisma.engine.findFirstOrThrow({
      where: { dataset: { name: 'FD001' }, role: 'TRAIN' },
      orderBy: { lastCycle: 'desc' },
    });
    await database.close();

    server = await startCompiledServer(
      {
        DATABASE_URL: scratch.url,
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
        AUTH_ENABLED: 'false',
        RATE_LIMIT_SCORING_WINDOWS: '0',
        LOAD_SAMPLE_DATA: 'false',
      },
      path.join(path.dirname(args.out!), 'bench-scale-server.log'),
    );
    const endpoint = `${server.url}/graphql`;
    // A reference-architecture model: the sizes of the network, not its training, set what scoring costs.
    const { trainModel } = await graphql<{ trainModel: { id: number } }>(
      endpoint,
      'mutation { trainModel(input: { epochs: 1, name: "bench-scale", activate: true }) { id } }',
    );
    const job = await waitForJob(endpoint, trainModel.id, (status) => status === 'SUCCEEDED' || status === 'FAILED');
    if (job.status !== 'SUCCEEDED' || job.modelVersionId === null) throw new Error(`benchmark model training ${job.status}`);
    const { activeModelVersion: version } = await graphql<{ activeModelVersion: { id: number; sensors: string[] } }>(
      endpoint,
      '{ activeModelVersion { id sensors } }',
    );
    const trajectory = JSON.stringify({
      query: `{ engine(id: ${longest.id}) { trajectory { firstFlaggedCycle points { endCycle score } } } }`,
    });
    await graphql(endpoint, `{ engine(id: ${longest.id}) { trajectory { threshold } } }`); // scored once, read after
    const next = windowSource(version.sensors);
    const single = () =>
      JSON.stringify({
        query: 'mutation ($w: WindowInput!) { scoreWindow(window: $w) { score isAnomaly } }',
        variables: { w: { values: next() } },
      });

    await client.connect();
    const results: SizeResult[] = [];
    for (const size of SIZES) {
      const stored = Number((await client.query<{ count: string }>('SELECT count(*) FROM scores')).rows[0].count);
      const started = performance.now();
      if (size > stored) await fill(client, version.id, version.sensors.length, size - stored);
      await client.query('VACUUM ANALYZE windows');
      await client.query('VACUUM ANALYZE scores');
      const fillSeconds = (performance.now() - started) / 1000;
      const scores = Number((await client.query<{ count: string }>('SELECT count(*) FROM scores')).rows[0].count);
      process.stderr.write(`${scores} scores stored (${fillSeconds.toFixed(0)} s to fill and analyse); measuring\n`);
      results.push({
        scores,
        fillSeconds,
        trajectory: await time(endpoint, () => trajectory, REQUESTS),
        scoreWindow: await time(endpoint, single, REQUESTS),
      });
    }

    const base = results[0];
    const row = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(16) : cell.padStart(17))).join('');
    console.log(row(['stored scores', 'trajectory p50', 'p90', 'x smallest', 'scoreWindow p50', 'p90', 'x smallest']));
    for (const result of results) {
      console.log(
        row([
          result.scores.toLocaleString('en'),
          `${result.trajectory.p50.toFixed(2)} ms`,
          `${result.trajectory.p90.toFixed(2)} ms`,
          (result.trajectory.p50 / base.trajectory.p50).toFixed(2),
          `${result.scoreWindow.p50.toFixed(2)} ms`,
          `${result.scoreWindow.p90.toFixed(2)} ms`,
          (result.scoreWindow.p50 / base.scoreWindow.p50).toFixed(2),
        ]),
      );
    }
    fs.mkdirSync(path.dirname(args.out!), { recursive: true });
    fs.writeFileSync(args.out!, `${JSON.stringify({ requests: REQUESTS, trajectoryCycles: longest.lastCycle, results }, null, 2)}\n`);
    console.log(`wrote ${args.out}`);
  } finally {
    await client.end().catch(() => undefined);
    await server?.stop();
    if (!args['keep-database']) await scratch.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
