// Scoring benchmark over HTTP on loopback: the compiled server in its own process on PostgreSQL, driven
// by autocannon from this process. Every request scores a window never seen before (one reading is made
// unique), so every score is computed and persisted; the row count is checked against the responses.
//
//   node dist/bench/score.js [--duration 10] [--scenarios single,concurrent,batch,training,trajectory,floor]
//                            [--rate-limit-store none|memory|database] [--keep-database] [--out results/bench-score.json]
//   (the server's log goes to bench-score-server.log beside --out)
//
// Scenarios: scoreWindow at concurrency 1 and 64, scoreWindows with 256-window batches, the concurrency-64
// load again while a reference training job runs, engine.trajectory of the longest FD001 engine, and the
// floor: `{ __typename }` at concurrency 64, what the HTTP and GraphQL layers cost without any scoring.
// --rate-limit-store memory|database counts every window against a scoring limit too high to refuse any
// (what the limit's bookkeeping costs, in memory or shared through PostgreSQL); none (default) turns it off.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SHIPPED_DATASET_DIR } from '../src/platform/repository';
import { openPostgres } from '../src/platform/db/database';
import { applyMigrations } from '../src/platform/db/migrations';
import { importSubset } from '../src/modules/datasets/import-service';
import {
  cpuPerRequest,
  cpuSnapshot,
  createScratchDatabase,
  graphql,
  startCompiledServer,
  waitForJob,
  windowSource,
  type CompiledServer,
  type CpuMsPerRequest,
} from './harness';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    'keep-database': { type: 'boolean', default: false },
    // A subset, e.g. `--scenarios concurrent` to profile one load alone.
    scenarios: { type: 'string', default: 'single,concurrent,batch,training,trajectory,floor' },
    'rate-limit-store': { type: 'string', default: 'none' },
    out: { type: 'string', default: path.join('results', 'bench-score.json') },
  },
});
const DURATION_S = Number(args.duration);
const SCENARIO_KEYS = ['single', 'concurrent', 'batch', 'training', 'trajectory', 'floor'] as const;
const selected = new Set(args.scenarios!.split(',').map((key) => key.trim()));
for (const key of selected) {
  if (!(SCENARIO_KEYS as readonly string[]).includes(key))
    throw new Error(`unknown scenario "${key}" (known: ${SCENARIO_KEYS.join(', ')})`);
}

interface Scenario {
  name: string;
  connections: number;
  windowsPerRequest: number;
  requests: number;
  errors: number;
  windowsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** The first few error responses, to tell why. */
  errorSamples: string[];
  /** CPU milliseconds per request: server main thread, its other threads, this load generator, PostgreSQL. */
  cpuMsPerRequest: CpuMsPerRequest;
}

function run(
  server: CompiledServer,
  name: string,
  connections: number,
  windowsPerRequest: number,
  body: () => string,
  durationS = DURATION_S,
): Promise<Scenario> {
  const endpoint = `${server.url}/graphql`;
  let errors = 0;
  const cpuBefore = cpuSnapshot(server.child.pid!);
  const errorSamples: string[] = [];
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: endpoint,
        method: 'POST',
        connections,
        duration: durationS,
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request) => ({ ...request, body: body() }),
            onResponse: (status, responseBody) => {
              if (status !== 200 || responseBody.includes('"errors"')) {
                errors++;
                if (errorSamples.length < 3) errorSamples.push(`${status} ${responseBody.slice(0, 300)}`);
              }
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const requests = result.requests.total;
        if (result.errors > 0) errorSamples.push(`${result.errors} connection errors or timeouts (${result.timeouts} timeouts)`);
        resolve({
          name,
          connections,
          windowsPerRequest,
          requests,
          errors: errors + result.errors, // non-2xx responses are among `errors` already
          windowsPerSecond: ((requests - errors) * windowsPerRequest) / (result.duration || durationS),
          latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
          errorSamples,
          cpuMsPerRequest: cpuPerRequest(cpuBefore, cpuSnapshot(server.child.pid!), requests),
        });
      },
    );
  });
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase(args['admin-url']!, `engine_health_bench_${process.pid}`);
  let server: CompiledServer | undefined;
  try {
    const database = await openPostgres(scratch.url, 2);
    await applyMigrations(database.execScript, database.query);
    await importSubset(database.prisma, 'FD001', SHIPPED_DATASET_DIR);
    const scoreCount = async () => database.prisma.score.count({ where: { window: { source: 'CLIENT' } } });

    // Rate limits off: a throughput benchmark from one client address.
    server = await startCompiledServer(
      {
        DATABASE_URL: scratch.url,
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
        AUTH_ENABLED: 'false',
        ...(args['rate-limit-store'] === 'none'
          ? { RATE_LIMIT_SCORING_WINDOWS: '0' }
          : { RATE_LIMIT_SCORING_WINDOWS: '1000000000', RATE_LIMIT_STORE: args['rate-limit-store']! }),
        LOAD_SAMPLE_DATA: 'false',
      },
      path.join(path.dirname(args.out!), 'bench-score-server.log'),
    );
    const endpoint = `${server.url}/graphql`;
    // A reference-architecture model (scoring cost depends on its sizes, not on how long it trained).
    const { trainModel } = await graphql<{ trainModel: { id: number } }>(
      endpoint,
      'mutation { trainModel(input: { epochs: 3, name: "bench", activate: true }) { id } }',
    );
    const job = await waitForJob(endpoint, trainModel.id, (status) => status === 'SUCCEEDED' || status === 'FAILED');
    if (job.status !== 'SUCCEEDED') throw new Error(`benchmark model training ${job.status}`);
    const { activeModelVersion: version } = await graphql<{ activeModelVersion: { id: number; sensors: string[] } }>(
      endpoint,
      '{ activeModelVersion { id sensors } }',
    );
    const next = windowSource(version.sensors);
    const single = () =>
      JSON.stringify({
        query: 'mutation ($w: WindowInput!) { scoreWindow(window: $w) { score isAnomaly } }',
        variables: { w: { values: next() } },
      });
    const batch = () =>
      JSON.stringify({
        query: 'mutation ($ws: [WindowInput!]!) { scoreWindows(windows: $ws) { score isAnomaly } }',
        variables: { ws: Array.from({ length: 256 }, () => ({ values: next() })) },
      });

    await run(server, 'warm-up', 8, 1, single, 2);
    const before = await scoreCount();
    const scenarios: Scenario[] = [];
    let idle: Scenario | undefined;
    let loaded: Scenario | undefined;
    let trainingEpochsDuringLoad: number | undefined;
    if (selected.has('single')) scenarios.push(await run(server, 'scoreWindow c=1', 1, 1, single));
    if (selected.has('concurrent')) scenarios.push((idle = await run(server, 'scoreWindow c=64', 64, 1, single)));
    if (selected.has('batch')) scenarios.push(await run(server, 'scoreWindows 256 c=4', 4, 256, batch));
    if (selected.has('training')) {
      const { trainModel: training } = await graphql<{ trainModel: { id: number } }>(
        endpoint,
        'mutation { trainModel(input: { name: "bench-background" }) { id } }',
      );
      await waitForJob(endpoint, training.id, (status) => status === 'RUNNING');
      await new Promise((resolve) => setTimeout(resolve, 3000)); // past worker start-up, into steady training
      scenarios.push((loaded = await run(server, 'scoreWindow c=64 while training', 64, 1, single)));
      const trainingState = await graphql<{ trainingJob: { status: string; progress: { epochsCompleted: number } } }>(
        endpoint,
        'query ($id: Int!) { trainingJob(id: $id) { status progress { epochsCompleted } } }',
        { id: training.id },
      );
      trainingEpochsDuringLoad = trainingState.trainingJob.progress.epochsCompleted;
      await graphql(endpoint, 'mutation ($id: Int!) { cancelTrainingJob(id: $id) { status } }', { id: training.id });
      await waitForJob(endpoint, training.id, (status) => status !== 'RUNNING');
    }

    const persisted = (await scoreCount()) - before;
    const answered = scenarios.reduce((sum, scenario) => sum + (scenario.requests - scenario.errors) * scenario.windowsPerRequest, 0);

    if (selected.has('trajectory')) {
      const longest = await database.prisma.engine.findFirstOrThrow({
        where: { dataset: { name: 'FD001' }, role: 'TRAIN' },
        orderBy: { lastCycle: 'desc' },
      });
      const trajectoryQuery = JSON.stringify({
        query: `{ engine(id: ${longest.id}) { trajectory { threshold points { endCycle score rul } } } }`,
      });
      await graphql(endpoint, `{ engine(id: ${longest.id}) { trajectory { threshold } } }`); // scores it once
      scenarios.push(await run(server, `trajectory (${longest.lastCycle} cycles) c=1`, 1, 1, () => trajectoryQuery, 5));
    }
    await database.close();
    if (selected.has('floor')) {
      const typename = JSON.stringify({ query: '{ __typename }' });
      scenarios.push(await run(server, 'floor: { __typename } c=64', 64, 1, () => typename));
    }

    const summary = {
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      durationS: DURATION_S,
      scenarios,
      trainingEpochsDuringLoad,
      p99RatioWhileTraining: idle && loaded ? loaded.latencyMs.p99 / idle.latencyMs.p99 : undefined,
      windowsAnswered: answered,
      scoresPersisted: persisted,
    };
    console.log('\nscenario                               req      err   windows/s    p50 ms   p99 ms   max ms');
    for (const scenario of summary.scenarios) {
      console.log(
        `${scenario.name.padEnd(36)} ${String(scenario.requests).padStart(7)} ${String(scenario.errors).padStart(6)} ${scenario.windowsPerSecond.toFixed(0).padStart(10)} ${scenario.latencyMs.p50.toFixed(1).padStart(9)} ${scenario.latencyMs.p99.toFixed(1).padStart(8)} ${scenario.latencyMs.max.toFixed(1).padStart(8)}`,
      );
    }
    console.log('\nCPU ms per request          server main   server other   load generator   PostgreSQL    total');
    for (const { name, cpuMsPerRequest: cpu } of summary.scenarios) {
      const cell = (ms: number, width: number) => ms.toFixed(3).padStart(width);
      console.log(
        `${name.padEnd(28)}${cell(cpu.serverMainThread, 12)}${cell(cpu.serverOtherThreads, 15)}${cell(cpu.loadGenerator, 17)}${cell(cpu.postgres, 13)}${cell(cpu.total, 9)}`,
      );
    }
    for (const scenario of summary.scenarios)
      for (const sample of scenario.errorSamples) console.log(`error in "${scenario.name}": ${sample}`);
    if (summary.p99RatioWhileTraining !== undefined) {
      console.log(
        `\np99 while training / idle p99: ${summary.p99RatioWhileTraining.toFixed(2)} (training reached epoch ${trainingEpochsDuringLoad})`,
      );
    }
    console.log(`windows answered without error: ${answered}; client-window scores persisted: ${persisted}`);
    fs.mkdirSync(path.dirname(args.out!), { recursive: true });
    fs.writeFileSync(args.out!, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`wrote ${args.out}`);
    if (persisted < answered) {
      console.error('MISMATCH: some answered scores were not persisted');
      process.exitCode = 1;
    }
  } finally {
    await server?.stop();
    if (!args['keep-database']) await scratch.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
