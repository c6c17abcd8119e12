// README's examples run as a reader pastes them: the IDE session's operations (with the variables files
// they name), the curl commands and the Python client, against a real server on PostgreSQL holding the
// shipped FD001 and two versions trained by the real jobs (versions 1 and 2, as the session assumes).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPOSITORY_ROOT, SHIPPED_DATASET_DIR } from '../../src/platform/repository';
import { importSubset } from '../../src/modules/datasets/import-service';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';

const run = promisify(execFile);
const README = fs.readFileSync(path.join(REPOSITORY_ROOT, 'README.md'), 'utf8');

/** The body of the first fenced block of `language` after `heading`. */
function blockAfter(heading: string, language: string): string {
  const start = README.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const open = README.indexOf('```' + language + '\n', start);
  const close = README.indexOf('\n```', open + 4 + language.length);
  return README.slice(open + 4 + language.length, close);
}

interface Operation {
  document: string;
  variablesFile: string | null;
}

/** Each top-level operation of a GraphQL block, with the variables file its comments name. */
function operationsOf(block: string): Operation[] {
  const operations: Operation[] = [];
  let pendingVariables: string | null = null;
  for (const line of block.split('\n')) {
    if (line.startsWith('#')) {
      pendingVariables = /Variables: (\S+)/.exec(line)?.[1] ?? pendingVariables;
    } else if (/^(query|mutation)\b/.test(line)) {
      operations.push({ document: line, variablesFile: pendingVariables });
      pendingVariables = null;
    } else if (line.trim() !== '') {
      operations[operations.length - 1].document += `\n${line}`;
    }
  }
  return operations;
}

/** Each command of a shell block, continuation lines joined, comments dropped. */
function commandsOf(block: string): string[] {
  return block
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

describe("README's examples, as pasted", () => {
  let testDatabase: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    await importSubset(testDatabase.database.prisma, 'FD001', SHIPPED_DATASET_DIR);
    // No job runner: the jobs the session queues stay queued; versions 1 and 2 are trained here first.
    server = await startTestServer(testDatabase.database);
    for (const kind of ['z-score', 'isolation-forest']) {
      const job = await server.services.jobs.enqueue({ kind });
      expect(await server.services.runner.runNext(job.id)).toMatchObject({ status: 'SUCCEEDED' });
    }
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  it('runs every operation of the IDE session without an error', async () => {
    const operations = operationsOf(blockAfter('A session from the IDE', 'graphql'));
    expect(operations.length).toBeGreaterThanOrEqual(6);
    for (const { document, variablesFile } of operations) {
      const variables = variablesFile ? JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, variablesFile), 'utf8')) : undefined;
      const response = await server.graphql(document, variables);
      expect({ document, errors: response.errors }).toEqual({ document, errors: undefined });
      expect(Object.values(response.data as object).every((value) => value !== null)).toBe(true);
    }
  });

  it('runs every curl command from the repository root, each answering data and no error', async () => {
    const commands = commandsOf(blockAfter('### From a program', 'sh'));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const command of commands) {
      expect(command).toMatch(/^curl -s '?http:\/\/127\.0\.0\.1:4000\/graphql/);
      const { stdout } = await run('bash', ['-c', command.replaceAll('http://127.0.0.1:4000', server.url)], { cwd: REPOSITORY_ROOT });
      const answer = JSON.parse(stdout);
      expect({ command, errors: answer.errors }).toEqual({ command, errors: undefined });
      expect(Object.values(answer.data).every((value) => value !== null)).toBe(true);
    }
  });

  it('ships the same window for the IDE and for curl', () => {
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, 'examples', file), 'utf8'));
    expect(read('score-window-request.json').variables).toEqual(read('window-variables.json'));
  });

  it('shows the Python client file as it is, and the client scores a window and reads a trajectory', async () => {
    const source = fs.readFileSync(path.join(REPOSITORY_ROOT, 'examples', 'client.py'), 'utf8').trimEnd();
    expect(blockAfter('In Python', 'python')).toBe(source);
    const { stdout } = await run('python3', ['examples/client.py', `${server.url}/graphql`], { cwd: REPOSITORY_ROOT });
    expect(stdout).toMatch(/^score \d+\.\d{4} \(threshold \d+\.\d{4}\), anomalous: (True|False); top sensors: (sensor\d+ \d+%(, )?){3}$/m);
    expect(stdout).toMatch(/^engine 1: 163 windows, first alarm at cycle (\d+|None), last score -?\d+\.\d{4} at RUL 0$/m);
  });
});
