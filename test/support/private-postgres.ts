// A private PostgreSQL 15 cluster for tests that stop and start the database server. The machine's shared
// PostgreSQL on port 5432 must never be stopped (other test files run against it at the same time).
// initdb refuses to run as root, so the cluster belongs to the `postgres` user when the tests run as root.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const POSTGRES_BIN = process.env.TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

/** Whether this machine can run a private cluster (binaries present, and a non-root user when root). */
export function privatePostgresAvailable(): { ok: true } | { ok: false; reason: string } {
  if (!fs.existsSync(path.join(POSTGRES_BIN, 'initdb')))
    return { ok: false, reason: `no PostgreSQL binaries in ${POSTGRES_BIN} (set TEST_POSTGRES_BIN)` };
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      return { ok: false, reason: 'running as root and there is no `postgres` user to own the cluster' };
    }
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
  /** postgresql:// URL of `database` on this cluster (user postgres, trust authentication). */
  url(database?: string): string;
  start(): Promise<void>;
  /** Fast shutdown: open connections are terminated. */
  stop(): Promise<void>;
  /** Stops the cluster and removes its files. */
  destroy(): Promise<void>;
}

export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const asRoot = process.getuid?.() === 0;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-health-pg-'));
  const dataDir = path.join(base, 'data');
  const socketDir = path.join(base, 'socket');
  fs.mkdirSync(socketDir);
  if (asRoot) await run('chown', ['-R', 'postgres:postgres', base]);
  const as = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(POSTGRES_BIN, command), ...args])
      : run(path.join(POSTGRES_BIN, command), args);
  await as('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const logFile = path.join(base, 'server.log');
  let running = false;
  const cluster: PrivatePostgres = {
    port,
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
