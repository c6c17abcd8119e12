// What the benchmarks that measure a running service share: a throw-away PostgreSQL database and the
// compiled server started on it as its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { REPOSITORY_ROOT, SHIPPED_DATASET_DIR } from '../src/platform/repository';
import { readSubsetFiles } from '../src/modules/datasets/cmapss-files';

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function runAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** An empty database named `name` on the server of `adminUrl` (one left by an earlier run is dropped first). */
export async function createScratchDatabase(adminUrl: string, name: string): Promise<ScratchDatabase> {
  await runAdmin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await runAdmin(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => runAdmin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export interface CompiledServer {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:41234 (GraphQL at /graphql). */
  url: string;
  logFile: string;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

/** The node flags of a command line that starts dist/src/main/server.js (none if it starts something else). */
export function serverNodeFlags(command: string): string[] {
  const flags = /\bnode((?:\s+--\S+)*)\s+dist\/src\/main\/server\.js\b/.exec(command)?.[1] ?? '';
  return flags.split(/\s+/).filter(Boolean);
}

/**
 * Starts dist/src/main/server.js with `env` added to this process's environment, on a free port, with the
 * node flags of `npm start`. Its output goes to `logFile`, read until the server says where it listens: a
 * pipe would have to be drained by the benchmark, which is also the load generator.
 * BENCH_SERVER_NODE_OPTIONS adds flags to the server's node (e.g. --cpu-prof to profile it; a later V8
 * flag overrides an earlier one); `extraFlags` are a benchmark's own (e.g. --inspect, to read the heap).
 */
export function startCompiledServer(env: Record<string, string>, logFile: string, extraFlags: string[] = []): Promise<CompiledServer> {
  const packageJson = JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const nodeFlags = [
    ...serverNodeFlags(packageJson.scripts.start),
    ...extraFlags,
    ...(process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean),
  ];
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeFlags, path.join(REPOSITORY_ROOT, 'dist', 'src', 'main', 'server.js')], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(fs.readFileSync(logFile, 'utf8'));
      if (!match) return;
      clearInterval(poll);
      resolve({ child, url: match[1], logFile, stop });
    }, 100);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`server exited with ${code} before listening: see ${logFile}`));
    });
  });
}

/** The server's log lines at error level or worse (pino levels 50 and 60). */
export function serverErrorLines(server: CompiledServer): string[] {
  return fs
    .readFileSync(server.logFile, 'utf8')
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line));
}

/**
 * CPU seconds used so far, split the way a scoring benchmark needs it (Linux /proc; zeros elsewhere).
 * PostgreSQL by process, so that processes that come or go are told apart.
 */
export interface CpuReading {
  serverMainThread: number;
  serverOtherThreads: number;
  loadGenerator: number;
  postgresByPid: Map<string, number>;
}

/** CPU milliseconds per request, by where they were spent. */
export interface CpuMsPerRequest {
  serverMainThread: number;
  serverOtherThreads: number;
  loadGenerator: number;
  postgres: number;
  total: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node runs on

/** utime + stime of a /proc stat line, in seconds (fields 14 and 15; the name in parentheses may hold spaces). */
function cpuSecondsOf(statPath: string): number {
  try {
    const stat = fs.readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0; // gone, or not Linux
  }
}

export function cpuSnapshot(serverPid: number): CpuReading {
  const serverTotal = cpuSecondsOf(`/proc/${serverPid}/stat`);
  const serverMainThread = cpuSecondsOf(`/proc/${serverPid}/task/${serverPid}/stat`);
  const postgresByPid = new Map<string, number>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    // not Linux
  }
  for (const pid of entries) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') postgresByPid.set(pid, cpuSecondsOf(`/proc/${pid}/stat`));
    } catch {
      // exited meanwhile
    }
  }
  const own = process.cpuUsage();
  return {
    serverMainThread,
    serverOtherThreads: serverTotal - serverMainThread,
    loadGenerator: (own.user + own.system) / 1e6,
    postgresByPid,
  };
}

/**
 * CPU milliseconds per request between two readings. PostgreSQL: the postgres processes on the machine at
 * the end (one started meanwhile counts whole; one that exited meanwhile is missed, as its time cannot be
 * read any more).
 */
export function cpuPerRequest(before: CpuReading, after: CpuReading, requests: number): CpuMsPerRequest {
  const perRequest = (seconds: number) => (requests > 0 ? (seconds * 1000) / requests : 0);
  let postgresSeconds = 0;
  for (const [pid, seconds] of after.postgresByPid) {
    postgresSeconds += seconds - (before.postgresByPid.get(pid) ?? 0);
  }
  const split = {
    serverMainThread: perRequest(after.serverMainThread - before.serverMainThread),
    serverOtherThreads: perRequest(after.serverOtherThreads - before.serverOtherThreads),
    loadGenerator: perRequest(after.loadGenerator - before.loadGenerator),
    postgres: perRequest(postgresSeconds),
  };
  return { ...split, total: split.serverMainThread + split.serverOtherThreads + split.loadGenerator + split.postgres };
}

/** One GraphQL request; throws on errors. */
export async function graphql<T>(endpoint: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors.map((error) => error.message).join('; '));
  return body.data;
}

/** Polls a training job until `accept` says yes. */
export async function waitForJob(
  endpoint: string,
  id: number,
  accept: (status: string) => boolean,
): Promise<{ status: string; modelVersionId: number | null }> {
  for (;;) {
    const { trainingJob } = await graphql<{ trainingJob: { status: string; modelVersionId: number | null } }>(
      endpoint,
      'query ($id: Int!) { trainingJob(id: $id) { status modelVersionId } }',
      { id },
    );
    if (accept(trainingJob.status)) return trainingJob;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Rows of real FD001 windows in the version's sensor order, and a counter that makes each one unique. */
export function windowSource(sensors: string[]) {
  const units = readSubsetFiles(SHIPPED_DATASET_DIR, 'FD001').train;
  const windows = units.flatMap((unit) =>
    Array.from({ length: Math.floor(unit.records.length / 30) }, (_, k) =>
      unit.records.slice(k * 30, k * 30 + 30).map((record) => sensors.map((sensor) => record.sensors[Number(sensor.slice(6)) - 1])),
    ),
  );
  let counter = 0;
  return () => {
    counter++;
    const rows = windows[counter % windows.length].map((row) => [...row]);
    rows[0][0] += counter * 1e-9; // unique window, same physics
    return rows;
  };
}
