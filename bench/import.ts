// Import benchmark, in two parts.
//
// 1. C-MAPSS: FD001 (train + test, 33,727 cycles) into a fresh PostgreSQL database and a fresh embedded
//    database, then the same import again (which must change nothing), `--repeat` times each.
// 2. CSV over HTTP: a generated CSV of 24 columns (asset, cycle, 3 settings, 19 sensors; 200 cycles per
//    asset) of each size of `--rows` is uploaded to POST /imports of the compiled server (`npm start`'s
//    node flags) on a scratch PostgreSQL database, one fresh server and database per size; prints rows/s
//    of the upload and of the import job (parse, validate, COPY and write), the server's peak RSS
//    (VmHWM) beside the smaller size's, to show that memory does not grow with the file, and the CPU
//    time the job took in the server and in PostgreSQL's backends (a shared machine's load moves the
//    rate; CPU time per row much less).
//
//   node dist/bench/import.js [--repeat 3] [--dir ../shared/data/cmapss] [--rows 1000000,100000] [--skip-cmapss]
//                             [--out results/bench-import.json]
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { SHIPPED_DATASET_DIR } from '../src/platform/repository';
import { openDatabase, openPostgres, type Database } from '../src/platform/db/database';
import { applyMigrations } from '../src/platform/db/migrations';
import { importSubset } from '../src/modules/datasets/import-service';
import { createScratchDatabase, startCompiledServer, type ScratchDatabase } from './harness';

const { values: args } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    dir: { type: 'string', default: SHIPPED_DATASET_DIR },
    rows: { type: 'string', default: '1000000,100000' },
    'skip-cmapss': { type: 'boolean', default: false },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    out: { type: 'string', default: path.join('results', 'bench-import.json') },
  },
});

async function timeImports(open: () => Promise<Database>): Promise<{ importMs: number; reimportMs: number; cycles: number }> {
  const database = await open();
  try {
    const first = await importSubset(database.prisma, 'FD001', args.dir!);
    const again = await importSubset(database.prisma, 'FD001', args.dir!);
    if (again.cyclesInserted !== 0 || again.enginesCreated !== 0) throw new Error('re-import changed the database');
    return { importMs: first.durationMs, reimportMs: again.durationMs, cycles: first.cyclesInserted };
  } finally {
    await database.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function cmapssPart(): Promise<unknown> {
  const runs: { postgresql: Awaited<ReturnType<typeof timeImports>>; embedded: Awaited<ReturnType<typeof timeImports>> }[] = [];
  const name = `engine_health_import_bench_${process.pid}`;
  let scratch: ScratchDatabase | undefined;
  for (let run = 0; run < Number(args.repeat); run++) {
    scratch = await createScratchDatabase(args['admin-url']!, name);
    const { url } = scratch;
    const postgresql = await timeImports(async () => {
      const database = await openPostgres(url, 4);
      await applyMigrations(database.execScript, database.query);
      return database;
    });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-bench-'));
    const embedded = await timeImports(() => openDatabase({ kind: 'embedded', dataDir }));
    fs.rmSync(dataDir, { recursive: true, force: true });
    runs.push({ postgresql, embedded });
    console.log(
      `FD001 run ${run + 1}: PostgreSQL ${postgresql.importMs} ms (re-import ${postgresql.reimportMs} ms), embedded ${embedded.importMs} ms (re-import ${embedded.reimportMs} ms), ${postgresql.cycles} cycles`,
    );
  }
  await scratch?.drop();
  const summary = {
    dataset: 'FD001 train + test',
    cycles: runs[0].postgresql.cycles,
    medianMs: {
      postgresql: median(runs.map((run) => run.postgresql.importMs)),
      postgresqlReimport: median(runs.map((run) => run.postgresql.reimportMs)),
      embedded: median(runs.map((run) => run.embedded.importMs)),
      embeddedReimport: median(runs.map((run) => run.embedded.reimportMs)),
    },
    runs,
  };
  console.log(`FD001 median: PostgreSQL ${summary.medianMs.postgresql} ms, embedded ${summary.medianMs.embedded} ms (parsing included)`);
  return summary;
}

const SENSORS = 19;
const CYCLES_PER_ASSET = 200;

/** Writes a CSV of `rows` rows and 24 columns with values written like C-MAPSS readings; returns its size. */
async function writeCsv(file: string, rows: number): Promise<number> {
  const out = fs.createWriteStream(file);
  const header = ['asset', 'cycle', 'setting1', 'setting2', 'setting3', ...Array.from({ length: SENSORS }, (_, index) => `s${index + 1}`)];
  let chunk = `${header.join(',')}\n`;
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let row = 0; row < rows; row++) {
    const asset = Math.floor(row / CYCLES_PER_ASSET) + 1;
    const cycle = (row % CYCLES_PER_ASSET) + 1;
    const values = [
      `A${String(asset).padStart(6, '0')}`,
      String(cycle),
      (random() * 0.01 - 0.005).toFixed(4),
      (random() * 0.001).toFixed(4),
      '100.0',
    ];
    for (let sensor = 0; sensor < SENSORS; sensor++) values.push((100 * (sensor + 1) + random() * 10 + cycle / 100).toFixed(2));
    chunk += `${values.join(',')}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return fs.statSync(file).size;
}

/** CPU time (user + system) a process has used, in ms (Linux; clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN; // gone
  }
}

/**
 * CPU time of the PostgreSQL backends serving `database`, sampled: on a machine shared with other work
 * the wall-clock rate says little, CPU time per row says what the import costs. A backend's time is
 * counted from its first sample to its last (the import's own connection lives through the import).
 */
class BackendCpu {
  private readonly seen = new Map<number, { first: number; last: number }>();
  constructor(
    private readonly admin: Database,
    private readonly database: string,
  ) {}

  async sample(): Promise<void> {
    const backends = await this.admin.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [this.database],
    );
    for (const { pid } of backends) {
      const now = cpuMsOf(pid);
      if (Number.isNaN(now)) continue;
      const entry = this.seen.get(pid);
      if (entry) entry.last = now;
      else this.seen.set(pid, { first: now, last: now });
    }
  }

  totalMs(): number {
    return [...this.seen.values()].reduce((sum, entry) => sum + entry.last - entry.first, 0);
  }
}

/** VmHWM (peak resident set) and VmRSS of a process, in MB (Linux). */
function memoryOf(pid: number): { peakRssMb: number; rssMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { peakRssMb: Math.round(kb('VmHWM') / 1024), rssMb: Math.round(kb('VmRSS') / 1024) };
}

function upload(url: string, file: string): Promise<{ status: number; body: { id: number } }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/imports?dataset=bench&labels=run-to-failure&filename=${path.basename(file)}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'content-length': fs.statSync(file).size },
    });
    request.on('response', (response) => {
      let text = '';
      response.on('data', (data: Buffer) => (text += data.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as { id: number } }));
    });
    request.on('error', reject);
    fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(request);
  });
}

interface ImportRecord {
  status: string;
  rowsRead: number;
  rowsWritten: number;
  startedAt: string;
  finishedAt: string | null;
  error: { message: string } | null;
}

async function csvRun(rows: number): Promise<Record<string, number>> {
  const file = path.join(os.tmpdir(), `bench-import-${process.pid}-${rows}.csv`);
  const bytes = await writeCsv(file, rows);
  const scratch = await createScratchDatabase(args['admin-url']!, `engine_health_import_bench_csv_${process.pid}`);
  const migrated = await openPostgres(scratch.url, 2);
  await applyMigrations(migrated.execScript, migrated.query);
  await migrated.close();
  const server = await startCompiledServer(
    {
      DATABASE_URL: scratch.url,
      NODE_ENV: 'production',
      AUTH_ENABLED: 'false',
      LOAD_SAMPLE_DATA: 'false',
      TRAINING_RUNNER: 'false',
      INFERENCE_THREAD: 'false',
      LOG_LEVEL: 'info',
      IMPORT_BODY_LIMIT_BYTES: String(2 * bytes),
    },
    path.join(path.dirname(args.out!), `bench-import-server-${rows}.log`),
  );
  const admin = await openPostgres(scratch.url, 1);
  try {
    const idle = memoryOf(server.child.pid!);
    const started = performance.now();
    const answer = await upload(server.url, file);
    const uploadMs = performance.now() - started;
    if (answer.status !== 202) throw new Error(`upload answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const serverCpuBefore = cpuMsOf(server.child.pid!);
    const backends = new BackendCpu(admin, scratch.name);
    let record: ImportRecord;
    for (;;) {
      await backends.sample();
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `{ datasetImport(id: ${answer.body.id}) { status rowsRead rowsWritten startedAt finishedAt error { message } } }`,
        }),
      });
      record = ((await response.json()) as { data: { datasetImport: ImportRecord } }).data.datasetImport;
      if (record.status === 'SUCCEEDED' || record.status === 'FAILED') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (record.status !== 'SUCCEEDED' || record.rowsWritten !== rows) throw new Error(`import ${record.status}: ${JSON.stringify(record)}`);
    await backends.sample();
    const jobMs = Date.parse(record.finishedAt!) - Date.parse(record.startedAt);
    const memory = memoryOf(server.child.pid!);
    const serverCpuMs = cpuMsOf(server.child.pid!) - serverCpuBefore;
    const postgresCpuMs = backends.totalMs();
    return {
      rows,
      megabytes: Math.round(bytes / 1e5) / 10,
      uploadMs: Math.round(uploadMs),
      uploadRowsPerSecond: Math.round(rows / (uploadMs / 1000)),
      importMs: jobMs,
      importRowsPerSecond: Math.round(rows / (jobMs / 1000)),
      idleRssMb: idle.rssMb,
      peakRssMb: memory.peakRssMb,
      serverCpuMs,
      postgresCpuMs,
      cpuMicrosecondsPerRow: Math.round(((serverCpuMs + postgresCpuMs) / rows) * 10000) / 10,
    };
  } finally {
    await admin.close();
    await server.stop();
    await scratch.drop();
    fs.rmSync(file, { force: true });
  }
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { cpus: os.cpus().length, loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))) };
  if (!args['skip-cmapss']) results.cmapss = await cmapssPart();
  const csv: Record<string, number>[] = [];
  for (const rows of args.rows!.split(',').map(Number)) {
    const run = await csvRun(rows);
    csv.push(run);
    console.log(
      `CSV ${run.rows.toLocaleString('en')} rows (${run.megabytes} MB): upload ${run.uploadMs} ms (${run.uploadRowsPerSecond.toLocaleString('en')} rows/s), ` +
        `import job ${run.importMs} ms (${run.importRowsPerSecond.toLocaleString('en')} rows/s, target 200,000), ` +
        `server RSS ${run.idleRssMb} MB idle, peak ${run.peakRssMb} MB; CPU during the job: server ${run.serverCpuMs} ms, ` +
        `PostgreSQL ${run.postgresCpuMs} ms, ${run.cpuMicrosecondsPerRow} µs a row`,
    );
  }
  results.csv = csv;
  console.log(
    `load average during the runs (1, 5, 15 min): ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(', ')} on ${os.cpus().length} cores`,
  );
  fs.mkdirSync(path.dirname(args.out!), { recursive: true });
  fs.writeFileSync(args.out!, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${args.out}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
