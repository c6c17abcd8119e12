// The compiled server (dist/src/main/server.js) as a child process, for tests that need a whole process
// (its process-wide error handling, signals, kill -9). Resolves once it logs the URL it listens on.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../../src/platform/repository';

export const SERVER_ENTRY = path.join(REPOSITORY_ROOT, 'dist', 'src', 'main', 'server.js');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything it wrote on stdout and stderr. */
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process is still running. */
  alive(): boolean;
}

export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('')}`)), 60_000);
    child.stderr?.on('data', (chunk) => logs.push(String(chunk)));
    child.stdout?.on('data', (chunk) => {
      logs.push(String(chunk));
      const match = /"url":"(http:\/\/127\.0\.0\.1:(\d+))\/graphql"/.exec(logs.join(''));
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], port: Number(match[2]), logs, exited, alive });
      }
    });
    void exited.then(({ code }) => reject(new Error(`server exited with ${code}:\n${logs.join('')}`)));
  });
}
