// Many subscribers to one live engine's scores: the compiled server (started as `npm start` starts it, with
// --inspect added so that the benchmark can collect its garbage and read its memory) on a scratch
// PostgreSQL database holding FD001 and a freshly trained version (1 epoch: the network's size, not its
// training, sets what scoring costs), events through LISTEN/NOTIFY as between replicas, and real graphql-ws
// clients, one WebSocket connection each, spread over worker threads (as separate machines would be).
//
//   node dist/bench/subscribers.js [--subscribers 1000] [--events 100] [--client-threads 2]
//                                  [--out results/bench-subscribers.json] [--keep-database]
//                                  [--cpu-profile FILE.cpuprofile] [--alloc-profile FILE.heapprofile]
//
// Latency: from just before an appendCycles(score: true) of one cycle is sent to the arrival of its score
// at each subscriber (every subscriber, every event: subscribers x events samples); appends are sent one
// at a time, the next once every subscriber has the previous score. Memory: the server's heap and RSS
// after a full GC, before the clients connect and once every subscriber has received a first score,
// divided by the subscribers.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { SHIPPED_DATASET_DIR } from '../src/platform/repository';
import { openPostgres } from '../src/platform/db/database';
import { applyMigrations } from '../src/platform/db/migrations';
import { importSubset } from '../src/modules/datasets/import-service';
import { readSubsetFiles } from '../src/modules/datasets/cmapss-files';
import {
  cpuPerRequest,
  cpuSnapshot,
  createScratchDatabase,
  graphql,
  startCompiledServer,
  waitForJob,
  type CompiledServer,
} from './harness';

const TARGET_P99_MS = 100;
const TARGET_BYTES_PER_SUBSCRIPTION = 50 * 1024;
const SUBSCRIPTION = 'subscription ($id: Int!) { engineScores(engineId: $id) { endCycle score isAnomaly } }';

/** Wall-clock milliseconds with sub-millisecond precision, comparable between threads. */
const now = () => performance.timeOrigin + performance.now();

interface ClientThreadData {
  url: string;
  engineId: number;
  subscribers: number;
}

/** What a client thread reports: every subscriber connected, or the arrival times of one end cycle's score. */
type ClientThreadMessage =
  { kind: 'connected' } | { kind: 'received'; endCycle: number; arrivals: number[] } | { kind: 'failed'; message: string };

/** A close event's or an error's description. */
function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const { code, reason, message } = error as { code?: number; reason?: string; message?: string };
  return message ?? `closed with ${code}: ${reason}`;
}

/** Connections a client thread opens at once: all of them at once would overflow the server's listen backlog. */
const CONNECT_BATCH = 50;

/** A client thread: `subscribers` connections, one subscription each; reports an end cycle once all have it. */
async function runClientThread({ url, engineId, subscribers }: ClientThreadData): Promise<void> {
  const arrivals = new Map<number, number[]>();
  const fail = (message: string) => parentPort!.postMessage({ kind: 'failed', message } satisfies ClientThreadMessage);
  const subscribe = () =>
    new Promise<void>((connected) => {
      const client = createClient({
        url,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: (error) => fail(`connection failed: ${describe(error)}`),
        on: { connected: () => connected() },
      });
      client.subscribe<{ engineScores: { endCycle: number } }>(
        { query: SUBSCRIPTION, variables: { id: engineId } },
        {
          next: (result) => {
            const at = now();
            if (result.errors || !result.data) {
              fail(`subscription error: ${JSON.stringify(result.errors)}`);
              return;
            }
            const { endCycle } = result.data.engineScores;
            const times = arrivals.get(endCycle) ?? [];
            times.push(at);
            arrivals.set(endCycle, times);
            if (times.length === subscribers) {
              arrivals.delete(endCycle);
              parentPort!.postMessage({ kind: 'received', endCycle, arrivals: times } satisfies ClientThreadMessage);
            }
          },
          error: (error) => fail(`subscription ended: ${describe(error)}`),
          complete: () => undefined,
        },
      );
    });
  for (let opened = 0; opened < subscribers; opened += CONNECT_BATCH) {
    await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, subscribers - opened) }, subscribe));
  }
  parentPort!.postMessage({ kind: 'connected' } satisfies ClientThreadMessage);
}

/** The server's V8 inspector: full garbage collections and memory readings of the running process. */
class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result);
    });
  }

  static async open(logFile: string): Promise<Inspector> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(fs.readFileSync(logFile, 'utf8'))?.[1];
    if (!url) throw new Error(`the server did not start its inspector: see ${logFile}`);
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new Inspector(socket);
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Heap used and resident set size in bytes, after two full collections. */
  async memoryAfterGc(): Promise<{ heapUsed: number; rss: number }> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    const result = (await this.call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result: { value: string } };
    const usage = JSON.parse(result.result.value) as { heapUsed: number; rss: number };
    return { heapUsed: usage.heapUsed, rss: usage.rss };
  }

  /** Starts V8's sampling profiler (every `intervalUs` microseconds of the main thread). */
  async startProfiler(intervalUs: number): Promise<void> {
    await this.call('Profiler.enable');
    await this.call('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.call('Profiler.start');
  }

  /** Stops the profiler: the profile since startProfiler, as a .cpuprofile file holds it. */
  async stopProfiler(): Promise<unknown> {
    const { profile } = (await this.call('Profiler.stop')) as { profile: unknown };
    await this.call('Profiler.disable');
    return profile;
  }

  /** Starts V8's sampling heap profiler, keeping the samples of collected objects too: what is allocated. */
  async startAllocations(): Promise<void> {
    await this.call('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }

  /** Stops it: the allocations since startAllocations, as a .heapprofile file holds them. */
  async stopAllocations(): Promise<unknown> {
    const { profile } = (await this.call('HeapProfiler.stopSampling')) as { profile: unknown };
    return profile;
  }

  close(): void {
    this.socket.close();
  }
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '1000' },
      events: { type: 'string', default: '100' },
      'client-threads': { type: 'string', default: '2' },
      'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
      'keep-database': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join('results', 'bench-subscribers.json') },
      // The server's main thread over the measured events only (not the set-up's training and imports):
      // its CPU samples, and what it allocates (garbage included).
      'cpu-profile': { type: 'string' },
      'alloc-profile': { type: 'string' },
    },
  });
  const subscribers = Number(args.subscribers);
  const threads = Math.min(Number(args['client-threads']), subscribers);
  // The longest FD001 training engine supplies the cycles: the first window's, two warm-up events, then the events.
  const unit = readSubsetFiles(SHIPPED_DATASET_DIR, 'FD001').train.reduce((a, b) => (b.records.length > a.records.length ? b : a));
  const cycles = unit.records.map((record) => ({ settings: record.settings, sensors: record.sensors }));
  const warmUps = 2;
  const events = Math.min(Number(args.events), cycles.length - 31 - warmUps);

  const scratch = await createScratchDatabase(args['admin-url']!, `engine_health_bench_subscribers_${process.pid}`);
  let server: CompiledServer | undefined;
  let inspector: Inspector | undefined;
  const workers: Worker[] = [];
  try {
    const database = await openPostgres(scratch.url, 2);
    await applyMigrations(database.execScript, database.query);
    await importSubset(database.prisma, 'FD001', SHIPPED_DATASET_DIR);
    await database.close();
    server = await startCompiledServer(
      { DATABASE_URL: scratch.url, LOG_LEVEL: 'info', NODE_ENV: 'production', AUTH_ENABLED: 'false', LOAD_SAMPLE_DATA: 'false' },
      path.join(path.dirname(args.out!), 'bench-subscribers-server.log'),
      ['--inspect=127.0.0.1:0'],
    );
    const endpoint = `${server.url}/graphql`;
    const { trainModel } = await graphql<{ trainModel: { id: number } }>(
      endpoint,
      'mutation { trainModel(input: { epochs: 1, name: "bench-subscribers", activate: true }) { id } }',
    );
    const job = await waitForJob(endpoint, trainModel.id, (status) => status === 'SUCCEEDED' || status === 'FAILED');
    if (job.status !== 'SUCCEEDED') throw new Error(`benchmark model training ${job.status}`);
    const { createEngine } = await graphql<{ createEngine: { id: number } }>(
      endpoint,
      'mutation { createEngine(input: { externalId: "bench-subscribers" }) { id } }',
    );
    const engineId = createEngine.id;
    const append = (cycle: number) =>
      graphql<{ appendCycles: { scored: { points: { endCycle: number }[] } } }>(
        endpoint,
        'mutation ($id: Int!, $cycles: [CycleInput!]!) { appendCycles(engineId: $id, cycles: $cycles, score: true) { scored { points { endCycle } } } }',
        { id: engineId, cycles: cycles.slice(cycle - 1, cycle) },
      );
    await graphql(
      endpoint,
      'mutation ($id: Int!, $cycles: [CycleInput!]!) { appendCycles(engineId: $id, cycles: $cycles) { appendedCycles } }',
      {
        id: engineId,
        cycles: cycles.slice(0, 29),
      },
    );
    await append(30); // the first window: the model is loaded before memory is read

    inspector = await Inspector.open(server.logFile);
    const before = await inspector.memoryAfterGc();

    // Every client thread's reports, by end cycle: resolved once each thread has reported that cycle.
    const waiting = new Map<number, { arrivals: number[]; threads: number; resolve: (arrivals: number[]) => void }>();
    const expect = (endCycle: number) => new Promise<number[]>((resolve) => waiting.set(endCycle, { arrivals: [], threads: 0, resolve }));
    const failure: { reject(error: Error): void } = { reject: () => undefined };
    const failed = new Promise<never>((_, reject) => (failure.reject = reject));
    failed.catch(() => undefined);
    let connectedThreads = 0;
    const allConnected = new Promise<void>((resolve) => {
      for (let index = 0; index < threads; index++) {
        const share = Math.floor(subscribers / threads) + (index < subscribers % threads ? 1 : 0);
        const worker = new Worker(__filename, {
          workerData: { url: `${server!.url.replace('http', 'ws')}/graphql`, engineId, subscribers: share } satisfies ClientThreadData,
        });
        workers.push(worker);
        worker.on('error', (error) => failure.reject(error));
        worker.on('message', (message: ClientThreadMessage) => {
          if (message.kind === 'failed') failure.reject(new Error(message.message));
          else if (message.kind === 'connected') {
            if (++connectedThreads === threads) resolve();
          } else {
            const entry = waiting.get(message.endCycle);
            if (!entry) return;
            entry.arrivals.push(...message.arrivals);
            if (++entry.threads === threads) {
              waiting.delete(message.endCycle);
              entry.resolve(entry.arrivals);
            }
          }
        });
      }
    });
    const connectStarted = performance.now();
    await Promise.race([allConnected, failed]);
    const connectSeconds = (performance.now() - connectStarted) / 1000;

    // A subscription is live once it has received an event: warm-up appends until every subscriber has one.
    let cycle = 31;
    for (let warmUp = 0; warmUp < warmUps; warmUp++, cycle++) {
      const heard = expect(cycle);
      await append(cycle);
      await Promise.race([
        heard,
        failed,
        new Promise((_, reject) => setTimeout(() => reject(new Error('warm-up event not heard')), 60_000)),
      ]);
    }
    const withSubscribers = await inspector.memoryAfterGc();

    const latencies: number[] = [];
    const appendMs: number[] = [];
    if (args['cpu-profile']) await inspector.startProfiler(100);
    if (args['alloc-profile']) await inspector.startAllocations();
    const cpuBefore = cpuSnapshot(server.child.pid!);
    for (let event = 0; event < events; event++, cycle++) {
      const heard = expect(cycle);
      const sent = now();
      await append(cycle);
      appendMs.push(now() - sent);
      const arrivals = await Promise.race([heard, failed]);
      for (const at of arrivals) latencies.push(at - sent);
    }

    const cpuAfter = cpuSnapshot(server.child.pid!);
    if (args['alloc-profile']) fs.writeFileSync(args['alloc-profile'], JSON.stringify(await inspector.stopAllocations()));
    if (args['cpu-profile']) fs.writeFileSync(args['cpu-profile'], JSON.stringify(await inspector.stopProfiler()));
    latencies.sort((a, b) => a - b);
    appendMs.sort((a, b) => a - b);
    const result = {
      subscribers,
      clientThreads: threads,
      events,
      samples: latencies.length,
      connectSeconds,
      latencyMs: {
        p50: percentile(latencies, 0.5),
        p90: percentile(latencies, 0.9),
        p99: percentile(latencies, 0.99),
        max: latencies[latencies.length - 1],
      },
      appendResponseMs: { p50: percentile(appendMs, 0.5), p99: percentile(appendMs, 0.99) },
      // What the server's event loop spends per event (the append, its scoring and the fan-out): what the
      // machine's load does not change, unlike the latencies.
      serverMainThreadCpuMsPerEvent: ((cpuAfter.serverMainThread - cpuBefore.serverMainThread) * 1000) / events,
      // Where the rest of the 2 cores went per event: the server's other threads, the benchmark (its
      // clients, mostly) and PostgreSQL.
      cpuMsPerEvent: cpuPerRequest(cpuBefore, cpuAfter, events),
      memory: {
        before,
        withSubscribers,
        heapBytesPerSubscription: (withSubscribers.heapUsed - before.heapUsed) / subscribers,
        rssBytesPerSubscription: (withSubscribers.rss - before.rss) / subscribers,
      },
    };
    const ms = (value: number) => `${value.toFixed(1)} ms`;
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log(`${subscribers} subscribers (${threads} client threads) connected in ${connectSeconds.toFixed(1)} s; ${events} events`);
    console.log(
      `score to every subscriber, from the appendCycles call: p50 ${ms(result.latencyMs.p50)}, p90 ${ms(result.latencyMs.p90)}, ` +
        `p99 ${ms(result.latencyMs.p99)} (target <= ${TARGET_P99_MS} ms), max ${ms(result.latencyMs.max)}`,
    );
    console.log(
      `appendCycles answer: p50 ${ms(result.appendResponseMs.p50)}, p99 ${ms(result.appendResponseMs.p99)}; ` +
        `server main thread CPU per event ${ms(result.serverMainThreadCpuMsPerEvent)}`,
    );
    console.log(
      `CPU per event: server other threads ${ms(result.cpuMsPerEvent.serverOtherThreads)}, ` +
        `benchmark (its clients) ${ms(result.cpuMsPerEvent.loadGenerator)}, PostgreSQL ${ms(result.cpuMsPerEvent.postgres)}`,
    );
    console.log(
      `server memory per subscription (connection + subscription, after GC): heap ${kb(result.memory.heapBytesPerSubscription)}, ` +
        `RSS ${kb(result.memory.rssBytesPerSubscription)} (target <= ${kb(TARGET_BYTES_PER_SUBSCRIPTION)})`,
    );
    fs.mkdirSync(path.dirname(args.out!), { recursive: true });
    fs.writeFileSync(args.out!, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${args.out}`);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
    inspector?.close();
    await server?.stop();
    if (!args['keep-database']) await scratch.drop();
  }
}

if (isMainThread) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  void runClientThread(workerData as ClientThreadData);
}
