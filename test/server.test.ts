// The quick start: `npm start` on a fresh machine runs the compiled server on the embedded database,
// which loads the shipped FD001 at first start. This runs the very same compiled entry point.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../src/platform/repository';

const SERVER_ENTRY = path.join(REPOSITORY_ROOT, 'dist', 'src', 'main', 'server.js');

function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string; logs: string[] }> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('')}`)), 60_000);
    child.stderr?.on('data', (chunk) => logs.push(String(chunk)));
    child.stdout?.on('data', (chunk) => {
      logs.push(String(chunk));
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(logs.join(''));
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], logs });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${logs.join('')}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('the compiled server on the embedded default', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-health-data-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('starts on an empty data folder, loads FD001, answers /health and GraphQL, and keeps the data across restarts', async () => {
    expect(fs.existsSync(SERVER_ENTRY)).toBe(true);
    const first = await startServer(path.join(dataDir, 'nested', 'folder'));
    try {
      expect(first.logs.join('')).toMatch(/"enginesCreated":200,"enginesUnchanged":0,"cyclesInserted":33727/);
      const health = await fetch(`${first.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
    } finally {
      expect(await stop(first.child)).toBe(0);
    }

    const second = await startServer(path.join(dataDir, 'nested', 'folder'));
    try {
      expect(second.logs.join('')).not.toMatch(/loading the C-MAPSS FD001 sample/);
      const response = await fetch(`${second.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ engines(filter: { dataset: "FD001", role: TRAIN }) { totalCount } }' }),
      });
      expect(await response.json()).toEqual({ data: { engines: { totalCount: 100 } } });
    } finally {
      expect(await stop(second.child)).toBe(0);
    }
  });
});
