// Scoring benchmark over HTTP on loopback: the compiled server in its own process on PostgreSQL, driven
// by autocannon from this process. Every request scores a window never seen before (one reading is made
// unique), so every score is computed and persisted; the row count is checked against the responses.
//
//   node dist/bench/score.js [--duration 10] [--scenarios single,concurrent,batch,training,trajectory,floor]
//                            [--rate-limit-store none|memory|database] [--keep-database] [--out results/bench-score.json]
//   node dist/bench/score.js --kinds lstm-autoencoder,z-score,pca-reconstruction,isolation-forest,local-outlier-factor,ensemble
//                            [--rounds 3] [--duration 5] [--out results/bench-score-kinds.json]
//   (the server's log goes to bench-score-server.log beside --out)
//
// Scenarios: scoreWindow at concurrency 1 and 64, scoreWindows with 256-window batches, the concurrency-64
// load again while a reference training job runs, engine.trajectory of the longest FD001 engine, and the
// floor: `{ __typename }` at concurrency 64, what the HTTP and GraphQL layers cost without any scoring.
// --rate-limit-store memory|database counts every window against a scoring limit too high to refuse any
// (what the limit's bookkeeping costs, in memory or shared through PostgreSQL); none (default) turns it off.
//
// --kinds compares detector kinds over HTTP instead (issue 17: scoring "at least as fast as the
// autoencoder's"): each kind is trained through trainModel (the autoencoder with the default architecture
// and 3 epochs: its sizes, not its training, set what scoring costs; an ensemble votes among the isolation
// forest, LOF and z-score versions, as README's does), then scoreWindow at concurrency 1 and 64 and scoreWindows of 256 run against
// each version by modelVersionId, the kinds alternating within each of --rounds rounds (A B C A B C) so
// that the machine's load drift falls on all alike. One table: windows/s and p50/p99 per kind beside the
// first kind's (the autoencoder's) and the ratio to it.
import fs from 'node:fs';
import os from 'node:os';
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
    kinds: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});
const DURATION_S = Number(args.duration);
const OUT = args.out ?? path.join('results', args.kinds ? 'bench-score-kinds.json' : 'bench-score.json');
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

const KIND_KEYS = ['lstm-autoencoder', 'z-score', 'pca-reconstruction', 'isolation-forest', 'local-outlier-factor', 'ensemble'] as const;
type KindKey = (typeof KIND_KEYS)[number];

/** trainModel's input for a kind; an ensemble's members are the versions trained before it. */
function trainingInput(kind: KindKey, earlier: ReadonlyMap<KindKey, number>): Record<string, unknown> {
  const input: Record<string, unknown> = { kind, name: `bench-${kind}` };
  if (kind === 'lstm-autoencoder') input.lstmAutoencoder = { epochs: 3 };
  if (kind === 'ensemble') {
    // README's ensemble (isolation forest, LOF and z-score, 2 of 3 votes) when they were trained, else every
    // classic kind trained before it (the autoencoder's version too when fewer than two were).
    const readme = (['isolation-forest', 'local-outlier-factor', 'z-score'] as const).map((name) => earlier.get(name));
    const classic = [...earlier].filter(([name]) => name !== 'lstm-autoencoder').map(([, id]) => id);
    const members = readme.every((id) => id !== undefined) ? readme : classic.length >= 2 ? classic : [...earlier.values()];
    if (members.length < 2) throw new Error('an ensemble needs two other kinds in --kinds before it');
    input.ensemble = { members };
  }
  return input;
}

interface KindRow {
  kind: KindKey;
  modelVersionId: number;
  /** One entry per round, per scenario. */
  rounds: Record<string, Scenario[]>;
}

/** Trains every kind of --kinds, then scores against each in alternation; returns the windows answered. */
async function compareKinds(server: CompiledServer, endpoint: string): Promise<number> {
  const kinds = args.kinds!.split(',').map((key) => key.trim()) as KindKey[];
  for (const kind of kinds) if (!KIND_KEYS.includes(kind)) throw new Error(`unknown kind "${kind}" (known: ${KIND_KEYS.join(', ')})`);
  const rounds = Number(args.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${args.rounds}`);
  const trained = new Map<KindKey, number>();
  for (const kind of kinds) {
    const startedAt = performance.now();
    const { trainModel } = await graphql<{ trainModel: { id: number } }>(
      endpoint,
      'mutation ($input: TrainModelInput) { trainModel(input: $input) { id } }',
      { input: trainingInput(kind, trained) },
    );
    const job = await waitForJob(endpoint, trainModel.id, (status) => status === 'SUCCEEDED' || status === 'FAILED');
    if (job.status !== 'SUCCEEDED' || job.modelVersionId === null) throw new Error(`training ${kind} ${job.status}`);
    trained.set(kind, job.modelVersionId);
    console.log(`[train] ${kind}: version ${job.modelVersionId} in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  }
  const { modelVersion } = await graphql<{ modelVersion: { sensors: string[] } }>(
    endpoint,
    'query ($id: Int!) { modelVersion(id: $id) { sensors } }',
    { id: trained.get(kinds[0]) },
  );
  const next = windowSource(modelVersion.sensors);
  const single = (id: number) => () =>
    JSON.stringify({
      query: 'mutation ($w: WindowInput!, $v: Int) { scoreWindow(window: $w, modelVersionId: $v) { score isAnomaly } }',
      variables: { w: { values: next() }, v: id },
    });
  const batch = (id: number) => () =>
    JSON.stringify({
      query: 'mutation ($ws: [WindowInput!]!, $v: Int) { scoreWindows(windows: $ws, modelVersionId: $v) { score isAnomaly } }',
      variables: { ws: Array.from({ length: 256 }, () => ({ values: next() })), v: id },
    });
  const loads = [
    { name: 'scoreWindow c=1', connections: 1, windows: 1, body: single },
    { name: 'scoreWindow c=64', connections: 64, windows: 1, body: single },
    { name: 'scoreWindows 256 c=4', connections: 4, windows: 256, body: batch },
  ];
  const rows: KindRow[] = kinds.map((kind) => ({
    kind,
    modelVersionId: trained.get(kind)!,
    rounds: Object.fromEntries(loads.map((load) => [load.name, []])),
  }));
  for (const row of rows) await run(server, `warm-up ${row.kind}`, 8, 1, single(row.modelVersionId), 2);
  for (let round = 1; round <= rounds; round++) {
    for (const load of loads) {
      for (const row of rows) {
        const result = await run(server, `${load.name} ${row.kind}`, load.connections, load.windows, load.body(row.modelVersionId));
        row.rounds[load.name].push(result);
        console.log(
          `[round ${round}] ${result.name}: ${result.windowsPerSecond.toFixed(0)} windows/s, p50 ${result.latencyMs.p50} ms, ` +
            `p99 ${result.latencyMs.p99} ms, ${result.errors} errors`,
        );
      }
    }
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const range = (values: number[], digits: number) => `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
  const reference = rows[0];
  console.log(
    `
Median of ${rounds} round(s) of ${DURATION_S} s, kinds alternating; ratio: the median of each round's rate over ${reference.kind}'s in the same round`,
  );
  console.log(
    `| load | kind | windows/s (range) | p50 ms | p99 ms | ratio to ${reference.kind} (range) | server CPU ms per window | errors |`,
  );
  console.log('|---|---|---|---|---|---|---|---|');
  const table = [];
  for (const load of loads) {
    for (const row of rows) {
      const results = row.rounds[load.name];
      const rates = results.map((result) => result.windowsPerSecond);
      const ratios = results.map((result, index) => result.windowsPerSecond / reference.rounds[load.name][index].windowsPerSecond);
      const entry = {
        load: load.name,
        kind: row.kind,
        modelVersionId: row.modelVersionId,
        windowsPerSecond: median(rates),
        p50Ms: median(results.map((result) => result.latencyMs.p50)),
        p99Ms: median(results.map((result) => result.latencyMs.p99)),
        ratio: median(ratios),
        // Less sensitive to the machine's load than rates: the server's CPU (all threads) per window.
        serverCpuMsPerWindow: median(
          results.map(
            (result) => (result.cpuMsPerRequest.serverMainThread + result.cpuMsPerRequest.serverOtherThreads) / result.windowsPerRequest,
          ),
        ),
        errors: results.reduce((sum, result) => sum + result.errors, 0),
      };
      table.push(entry);
      console.log(
        `| ${load.name} | ${row.kind} | ${entry.windowsPerSecond.toFixed(0)} (${range(rates, 0)}) | ${entry.p50Ms} | ${entry.p99Ms} | ` +
          `${entry.ratio.toFixed(2)} (${range(ratios, 2)}) | ${entry.serverCpuMsPerWindow.toFixed(3)} | ${entry.errors} |`,
      );
      for (const result of results) for (const sample of result.errorSamples) console.log(`error in "${result.name}": ${sample}`);
    }
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const summary = {
    machine: { cpus: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
    durationS: DURATION_S,
    rounds,
    table,
    runs: rows,
  };
  fs.writeFileSync(OUT, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
  return rows.reduce(
    (sum, row) =>
      sum +
      Object.values(row.rounds)
        .flat()
        .reduce((windows, result) => windows + (result.requests - result.errors) * result.windowsPerRequest, 0),
    0,
  );
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
      path.join(path.dirname(OUT), 'bench-score-server.log'),
    );
    const endpoint = `${server.url}/graphql`;
    if (args.kinds) {
      const before = await scoreCount();
      const answered = await compareKinds(server, endpoint);
      const persisted = (await scoreCount()) - before;
      await database.close();
      console.log(`windows answered without error: ${answered}; client-window scores persisted: ${persisted}`);
      if (persisted < answered) {
        console.error('MISMATCH: some answered scores were not persisted');
        process.exitCode = 1;
      }
      return;
    }
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
      machine: { cpus: os.cpus().length, node: process.version },
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
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, `${JSON.stringify(summary, null, 2)}\n`);
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
