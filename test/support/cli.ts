// The built command line (dist/src/main/cli/index.js) as a child process against a test database.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPOSITORY_ROOT } from '../../src/platform/repository';

const run = promisify(execFile);
export const CLI_ENTRY = path.join(REPOSITORY_ROOT, 'dist', 'src', 'main', 'cli', 'index.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command on `databaseUrl`; a failing command resolves with its exit code (-1 when it was killed). */
export async function runCli(databaseUrl: string, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_ENTRY, ...args], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: '' },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
