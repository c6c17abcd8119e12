// The container stack, checked without a Docker engine:
//   - docker-compose.yml is valid for Debian's docker-compose (`docker-compose config`) and says what the
//     stack needs (health-checked PostgreSQL with a volume, the API waiting for it, auth on, the port);
//   - the Dockerfile passes a linter (dockerfile-utils, the validator of the VS Code Docker tooling) and
//     the structure production needs (multi-stage, production dependencies only, non-root, health check);
//   - the steps the image runs (its CMD: migrations, then the server in production mode; its
//     HEALTHCHECK) are run here, outside Docker, against a fresh PostgreSQL database.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { validate } from 'dockerfile-utils';
import pg from 'pg';
import { serverNodeFlags } from '../../bench/harness';
import { REPOSITORY_ROOT } from '../../src/platform/repository';
import { readMigrations } from '../../src/platform/db/migrations';
import { createEmptyDatabase } from '../support/postgres';
import { postGraphQL, request } from '../support/requests';

const run = promisify(execFile);
const DOCKERFILE = fs.readFileSync(path.join(REPOSITORY_ROOT, 'Dockerfile'), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions of the Dockerfile, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  const result: Instruction[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index];
    if (/^\s*(#|$)/.test(line)) continue;
    const start = index;
    while (line.trimEnd().endsWith('\\') && index + 1 < lines.length) line = `${line.trimEnd().slice(0, -1)} ${lines[++index].trim()}`;
    const match = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (match) result.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: start + 1 });
  }
  return result;
}

/** The instructions of each stage, by stage name. */
function stages(all: Instruction[]): Map<string, Instruction[]> {
  const byStage = new Map<string, Instruction[]>();
  let current: Instruction[] | null = null;
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') {
      const name = /\bAS\s+(\S+)$/i.exec(instruction.args)?.[1] ?? `stage${byStage.size}`;
      current = [];
      byStage.set(name, current);
    }
    current?.push(instruction);
  }
  return byStage;
}

const dockerComposeAvailable = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
if (!dockerComposeAvailable)
  console.warn('skipping the docker-compose check: docker-compose is not installed (apt-get install docker-compose)');

describe('the server command', () => {
  it('gives the container the node flags of npm start (the benchmarks start the server with them too)', () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
    const container = fs.readFileSync(path.join(REPOSITORY_ROOT, 'scripts', 'start-container.sh'), 'utf8');
    const execLine = container.split('\n').find((line) => line.startsWith('exec node'));
    expect(serverNodeFlags(scripts.start)).toEqual(['--max-semi-space-size=64']);
    expect(serverNodeFlags(execLine ?? '')).toEqual(serverNodeFlags(scripts.start));
  });
});

describe('docker-compose.yml', () => {
  (dockerComposeAvailable ? it : it.skip)(
    'is valid for docker-compose and describes PostgreSQL, API replicas and a training worker',
    async () => {
      const { stdout } = await run('docker-compose', ['-f', path.join(REPOSITORY_ROOT, 'docker-compose.yml'), 'config'], {
        cwd: REPOSITORY_ROOT,
        env: { PATH: process.env.PATH },
      });
      // docker-compose depends on PyYAML: use it to read its own output as JSON.
      const parsed = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], {
        input: stdout,
        encoding: 'utf8',
      });
      expect(parsed.status).toBe(0);
      const config = JSON.parse(parsed.stdout);
      const { postgres, api, worker } = config.services;
      expect(postgres.image).toMatch(/^postgres:15/);
      expect(postgres.healthcheck.test.join(' ')).toMatch(/pg_isready/);
      expect(postgres.volumes[0]).toMatch(/^postgres-data:\/var\/lib\/postgresql\/data/);
      expect(Object.keys(config.volumes)).toContain('postgres-data');
      expect(api.build.context).toBe(REPOSITORY_ROOT);
      expect(api.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      expect(api.environment).toMatchObject({
        NODE_ENV: 'production',
        AUTH_ENABLED: 'true',
        DATABASE_URL: expect.stringMatching(/^postgresql:\/\/engine_health:.+@postgres:5432\/engine_health$/),
      });
      // Several API replicas without a job runner, each on a host port of the range, and a worker.
      expect(api.environment.PROCESS_ROLE).toBe('api');
      expect(api.deploy.replicas).toBeGreaterThanOrEqual(2);
      expect(api.ports).toEqual([expect.objectContaining({ published: `4000-${4000 + api.deploy.replicas - 1}`, target: 4000 })]);
      expect(worker.environment).toMatchObject({ ...api.environment, PROCESS_ROLE: 'worker', LOAD_SAMPLE_DATA: 'false' });
      expect(worker.image).toBe(api.image);
      expect(worker.depends_on).toEqual(api.depends_on);
      expect(worker.ports).toBeUndefined();
      for (const service of [api, worker]) {
        const grace = Number(/^(\d+)s$/.exec(service.stop_grace_period)?.[1]);
        expect(grace * 1000).toBeGreaterThan(Number(service.environment.SHUTDOWN_TIMEOUT_MS));
      }
    },
  );
});

describe('Dockerfile', () => {
  const all = instructions(DOCKERFILE);
  const byStage = stages(all);
  const runtime = [...byStage.values()].at(-1)!;

  it('passes the dockerfile-utils linter without a diagnostic', () => {
    expect(validate(DOCKERFILE).map((diagnostic) => `${diagnostic.range.start.line + 1}: ${diagnostic.message}`)).toEqual([]);
  });

  it('builds in stages and ships production dependencies only', () => {
    expect([...byStage.keys()]).toEqual(['deps', 'build', 'runtime']);
    const deps = byStage
      .get('deps')!
      .filter((instruction) => instruction.keyword === 'RUN')
      .map((instruction) => instruction.args)
      .join(' ');
    expect(deps).toMatch(/npm ci --omit=dev\b/);
    expect(deps).toMatch(/prisma\/build\/index\.js generate/); // our postinstall, since install scripts are skipped
    const copies = runtime.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.args);
    expect(copies).toContain('--from=deps /app/node_modules ./node_modules');
    expect(copies.filter((args) => args.includes('node_modules'))).toHaveLength(1);
    expect(copies.some((args) => /\bsrc\b|\btest\b|tsconfig/.test(args))).toBe(false);
    // Every file copied from the build context exists.
    for (const args of all
      .filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.startsWith('--from'))
      .map((instruction) => instruction.args)) {
      for (const source of args.split(/\s+/).slice(0, -1))
        expect([source, fs.existsSync(path.join(REPOSITORY_ROOT, source))]).toEqual([source, true]);
    }
    for (const from of all.filter((instruction) => instruction.keyword === 'FROM')) expect(from.args).not.toMatch(/:latest\b/);
    expect(DOCKERFILE).toMatch(/^ARG NODE_IMAGE=node:20-[\w.-]+$/m);
  });

  it('runs as a non-root user in production mode, with a health check and the container entry point', () => {
    const keywords = runtime.map((instruction) => instruction.keyword);
    const user = runtime.find((instruction) => instruction.keyword === 'USER')!;
    expect(user.args).toBe('node');
    expect(keywords.lastIndexOf('USER')).toBeLessThan(keywords.indexOf('CMD'));
    expect(runtime.filter((instruction) => instruction.keyword === 'RUN').every((instruction) => instruction.line < user.line)).toBe(true);
    const env = runtime
      .filter((instruction) => instruction.keyword === 'ENV')
      .map((instruction) => instruction.args)
      .join(' ');
    expect(env).toMatch(/NODE_ENV=production/);
    expect(env).toMatch(/HOST=0\.0\.0\.0/);
    expect(runtime.find((instruction) => instruction.keyword === 'EXPOSE')?.args).toBe('4000');
    expect(runtime.find((instruction) => instruction.keyword === 'HEALTHCHECK')?.args).toMatch(
      /^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+\s+CMD \[/,
    );
    expect(JSON.parse(runtime.find((instruction) => instruction.keyword === 'CMD')!.args)).toEqual(['sh', 'scripts/start-container.sh']);
  });

  it('keeps local state and secrets out of the build context (.dockerignore)', () => {
    const ignored = fs.readFileSync(path.join(REPOSITORY_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.data', '.env', '.git']) expect(ignored).toContain(entry);
  });
});

describe('the steps the image runs, outside Docker', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await database?.drop();
  });

  it('migrates a fresh database with the migrate command, serves in production mode, passes its HEALTHCHECK and stops on SIGTERM', async () => {
    for (const built of ['dist/src/main/server.js', 'dist/src/main/cli/index.js'])
      expect([built, fs.existsSync(path.join(REPOSITORY_ROOT, built))]).toEqual([built, true]);
    const runtimeEnv = Object.fromEntries([...byStageEnv(DOCKERFILE).matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1], match[2]]));
    const [command, ...args] = JSON.parse(
      [...stages(instructions(DOCKERFILE)).values()].at(-1)!.find((instruction) => instruction.keyword === 'CMD')!.args,
    ) as string[];
    const logs: string[] = [];
    child = spawn(command, args, {
      cwd: REPOSITORY_ROOT,
      // The image's environment, with a free port and a local folder instead of the container's.
      env: {
        PATH: process.env.PATH,
        ...runtimeEnv,
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: path.join(REPOSITORY_ROOT, '.data', 'image-test'),
        DATABASE_URL: database.url,
        LOAD_SAMPLE_DATA: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.stderr!.on('data', (chunk) => logs.push(String(chunk)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no server:\n${logs.join('')}`)), 90_000);
      child!.stdout!.on('data', (chunk) => {
        logs.push(String(chunk));
        const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(logs.join(''));
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      void exited.then((code) => reject(new Error(`exited with ${code}:\n${logs.join('')}`)));
    });
    expect(logs.join('')).toMatch(/All migrations have been successfully applied/);
    expect(logs.join('')).toMatch(/"auth":"enabled"/);

    // Prisma's bookkeeping agrees with the migrations in the repository (and with our own runner).
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const applied = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name',
    );
    await client.end();
    expect(applied.rows).toEqual(readMigrations().map((migration) => ({ migration_name: migration.name, checksum: migration.checksum })));

    expect((await request(`${url}/health`)).json).toEqual({ status: 'ok' });
    const ready = await request(`${url}/ready`);
    expect([ready.status, ready.json.status, ready.json.checks.migrations]).toEqual([
      200,
      'ready',
      { ok: true, applied: readMigrations().length },
    ]);
    // Production defaults: authentication on (PostgreSQL), no IDE.
    expect((await postGraphQL(url, { query: '{ engines { totalCount } }' })).status).toBe(401);
    expect((await request(`${url}/graphql`, { headers: { accept: 'text/html' } })).headers.get('content-type')).not.toMatch(/html/);

    // The image's HEALTHCHECK command, as Docker would run it inside the container.
    const healthcheck = /CMD (\[.*\])$/.exec(
      DOCKERFILE.split('\n')
        .find((line) => line.trim().startsWith('CMD ["node"'))!
        .trim(),
    )![1];
    const [probe, ...probeArgs] = JSON.parse(healthcheck) as string[];
    const probed = spawnSync(probe === 'node' ? process.execPath : probe, probeArgs, {
      env: { PATH: process.env.PATH, PORT: new URL(url).port },
      timeout: 10_000,
    });
    expect(probed.status).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

/** ENV values of the runtime stage, as one string. */
function byStageEnv(text: string): string {
  return [...stages(instructions(text)).values()]
    .at(-1)!
    .filter((instruction) => instruction.keyword === 'ENV')
    .map((instruction) => instruction.args)
    .join(' ');
}
