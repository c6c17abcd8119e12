// Import benchmark: FD001 (train + test, 33,727 cycles) into a fresh PostgreSQL database and a fresh
// embedded database, then the same import again (which must change nothing), a few times each.
//
//   node dist/bench/import.js [--repeat 3] [--dir ../shared/data/cmapss] [--out results/bench-import.json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SHIPPED_DATASET_DIR } from '../src/platform/repository';
import { openDatabase, openPostgres, type Database } from '../src/platform/db/database';
import { applyMigrations } from '../src/platform/db/migrations';
import { importSubset } from '../src/modules/datasets/import-service';
import { createScratchDatabase, type ScratchDatabase } from './harness';

const { values: args } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    dir: { type: 'string', default: SHIPPED_DATASET_DIR },
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

async function main(): Promise<void> {
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
      `run ${run + 1}: PostgreSQL ${postgresql.importMs} ms (re-import ${postgresql.reimportMs} ms), embedded ${embedded.importMs} ms (re-import ${embedded.reimportMs} ms), ${postgresql.cycles} cycles`,
    );
  }
  await scratch?.drop();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
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
  console.log(`median: PostgreSQL ${summary.medianMs.postgresql} ms, embedded ${summary.medianMs.embedded} ms (parsing included)`);
  fs.mkdirSync(path.dirname(args.out!), { recursive: true });
  fs.writeFileSync(args.out!, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`wrote ${args.out}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
