// Spawns the compiled service (dist/src/main/server.js or worker.js) as a child process on a free port and
// resolves once it listens, with the URL its log announces and every log line kept.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../../src/platform/repository';

export const SERVER_ENTRY = path.join(REPOSITORY_ROOT, 'dist', 'src', 'main', 'server.js');
export const WORKER_ENTRY = path.join(REPOSITORY_ROOT, 'dist', 'src', 'main', 'worker.js');

export interface CompiledProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> */
  url: string;
  /** The job runner's instance id (workers). */
  runnerId: string | null;
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Parsed JSON log lines so far. */
  lines(): Record<string, unknown>[];
}

export function startCompiledProcess(entry: string, env: Record<string, string>): Promise<CompiledProcess> {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = () =>
    logs
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${logs.join('')}`)), 90_000);
    child.stderr?.on('data', (chunk) => logs.push(String(chunk)));
    child.stdout?.on('data', (chunk) => {
      logs.push(String(chunk));
      const text = logs.join('');
      const api = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(text);
      const worker = /"healthUrl":"(http:\/\/127\.0\.0\.1:\d+)\/health","runnerId":"([^"]+)"/.exec(text);
      const match = api ?? worker;
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], runnerId: worker?.[2] ?? null, logs, exited, lines });
      }
    });
    void exited.then(({ code }) => reject(new Error(`${entry} exited with ${code}:\n${logs.join('')}`)));
  });
}
