// Quality benchmark: the product's own training jobs (the trainModel code path: queued, prepared, fitted,
// calibrated, evaluated on the test engines and registered) on a scratch PostgreSQL database, for every
// requested data set, detector kind, scoring method and seed, on the reference split (train units 1-70,
// calibration 71-80, test 81-100 of train_FD00x.txt). Prints each data set's table of the registered
// versions' metrics side by side and writes JSON into results/.
//
//   node dist/bench/quality.js [--datasets FD001,FD002] [--seeds 0,1,2] [--kinds lstm-autoencoder,...]
//                              [--scorings reconstruction-error,...] [--epochs 80] [--threads 2] [--data DIR] [--out FILE]
//                              [--ensembles vote:isolation-forest+local-outlier-factor+z-score,...]
//
// Every lstm-autoencoder scoring method is its own training job (the network is trained once per job).
// Each ensemble (rule:member+member+..., members named by kind or autoencoder scoring method) is one more
// training job per data set and seed over the versions those runs registered; it runs when all its
// members did.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DETECTOR_KINDS } from '../src/detectors/registry';
import { SCORING_METHODS } from '../src/detectors/lstm-autoencoder/scoring';
import { selectBackend, describeSelection } from '../src/detectors/lstm-autoencoder/engine';
import { createServices } from '../src/main/services';
import { importSubset, parseSubset } from '../src/modules/datasets/import-service';
import type { PrPoint } from '../src/domain/evaluation/curves';
import type { CurvesRecord, MetricsRecord } from '../src/modules/evaluation/evaluation-records';
import { openPostgres } from '../src/platform/db/database';
import { applyMigrations } from '../src/platform/db/migrations';
import { createLogger } from '../src/platform/observability/logger';
import { defaultDataDir } from './data-dir';
import { createScratchDatabase } from './harness';

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'FD001' },
    seeds: { type: 'string', default: '0,1,2' },
    kinds: {
      type: 'string',
      default: DETECTOR_KINDS.filter((kind) => kind.name !== 'ensemble')
        .map((kind) => kind.name)
        .join(','),
    },
    ensembles: {
      type: 'string',
      default: 'vote:isolation-forest+local-outlier-factor+z-score,calibrated-mean:degradation-logistic+isolation-forest+z-score',
    },
    scorings: { type: 'string', default: SCORING_METHODS.join(',') },
    epochs: { type: 'string', default: '80' },
    threads: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

interface Run {
  dataset: string;
  seed: number;
  kind: string;
  scoring: string;
  modelVersionId: number;
  trainingSeconds: number;
  metrics: MetricsRecord;
  /** The best precision at recall >= RECALL_TARGET on the test engines' PR curve (stored, 200 points). */
  precisionAtRecallTarget: number | null;
}

/** Issue 16's operating point: precision is read where recall reaches this on the test engines. */
const RECALL_TARGET = 0.93;

/** The best precision among the curve's points with recall >= target (a lower bound of the exact one). */
function precisionAtRecall(points: readonly PrPoint[], target: number): number | null {
  const reaching = points.filter((point) => point.recall >= target);
  return reaching.length === 0 ? null : Math.max(...reaching.map((point) => point.precision));
}

const fixed = (value: number | null, digits = 4) => (value === null ? 'n/a' : value.toFixed(digits));

/** `rule:member+member` as the ensemble's rule and its members' run names. */
function parseEnsemble(text: string): { name: string; rule: string; members: string[] } {
  const [rule, members] = text.split(':');
  if (!rule || !members) throw new Error(`--ensembles takes rule:member+member,..., got "${text}"`);
  return { name: `${rule}(${members.split('+').join(', ')})`, rule, members: members.split('+') };
}

/** The jobs to run for one seed: each kind once, the autoencoder once per scoring method. */
function jobsOf(kinds: readonly string[], scorings: readonly string[], seed: number, epochs: number) {
  return kinds.flatMap((kind) => {
    if (kind !== 'lstm-autoencoder') {
      const options = DETECTOR_KINDS.find((candidate) => candidate.name === kind)?.options.some((option) => option.name === 'seed')
        ? { seed }
        : {};
      return [{ kind, scoring: kind, options }];
    }
    return scorings.map((scoringMethod) => ({ kind, scoring: scoringMethod, options: { seed, epochs, scoringMethod } }));
  });
}

async function main(): Promise<void> {
  const seeds = list(args.seeds).map((text) => {
    const seed = Number(text);
    if (!Number.isSafeInteger(seed)) throw new Error(`--seeds must be a comma-separated list of integers, got "${args.seeds}"`);
    return seed;
  });
  const datasets = list(args.datasets).map(parseSubset);
  const kinds = list(args.kinds);
  for (const kind of kinds) if (!DETECTOR_KINDS.some((known) => known.name === kind)) throw new Error(`unknown kind ${kind}`);
  if (kinds.includes('ensemble')) throw new Error('ensembles are built from the other runs: give them with --ensembles');
  const ensembles = list(args.ensembles).map(parseEnsemble);
  const scorings = list(args.scorings);
  const epochs = Number(args.epochs);
  const dataDir = args.data ?? defaultDataDir();
  const backend = await selectBackend({ log: (line) => console.log(`[backend] ${line}`) });

  const scratch = await createScratchDatabase(args['admin-url']!, `engine_health_bench_quality_${process.pid}`);
  const runs: Run[] = [];
  try {
    const database = await openPostgres(scratch.url, 4);
    try {
      await applyMigrations(database.execScript, database.query);
      const threads = args.threads === undefined ? undefined : Number(args.threads);
      const services = createServices(database, createLogger('warn'), { lstmAutoencoder: { threads } });
      for (const dataset of datasets) {
        const imported = await importSubset(database.prisma, dataset, dataDir);
        console.log(`[data] ${dataset} from ${dataDir}: ${imported.enginesCreated} engines, ${imported.cyclesInserted} cycles`);
        for (const seed of seeds) {
          const registered = new Map<string, number>();
          const ensembleJobs = ensembles
            .filter((ensemble) =>
              ensemble.members.every((member) => jobsOf(kinds, scorings, seed, epochs).some((job) => job.scoring === member)),
            )
            .map((ensemble) => ({ kind: 'ensemble', scoring: ensemble.name, ensemble }));
          for (const job of [...jobsOf(kinds, scorings, seed, epochs), ...ensembleJobs]) {
            const options =
              'ensemble' in job
                ? { members: job.ensemble.members.map((member) => registered.get(member)!), rule: job.ensemble.rule }
                : job.options;
            const queued = await services.jobs.enqueue({
              name: `${dataset} ${job.scoring} seed ${seed}`,
              dataset,
              kind: job.kind,
              kindOptions: { [job.kind]: options },
            });
            const finished = await services.runner.runNext(queued.id);
            if (finished?.status !== 'SUCCEEDED' || finished.modelVersionId === null) {
              throw new Error(`${dataset} ${job.scoring} seed ${seed}: job ${queued.id} ${finished?.status}: ${finished?.error}`);
            }
            registered.set(job.scoring, finished.modelVersionId);
            const version = await services.models.get(finished.modelVersionId);
            const metrics = version.metrics as unknown as MetricsRecord;
            const [registration] = await database.query<{ curves: CurvesRecord }>(
              'SELECT curves FROM evaluations WHERE model_version_id = $1 ORDER BY id LIMIT 1',
              [version.id],
            );
            const precisionAtRecallTarget = registration ? precisionAtRecall(registration.curves.pr, RECALL_TARGET) : null;
            const run = {
              dataset,
              seed,
              kind: job.kind,
              scoring: job.scoring,
              modelVersionId: version.id,
              trainingSeconds: version.trainingMs / 1000,
              metrics,
              precisionAtRecallTarget,
            };
            runs.push(run);
            console.log(
              `${dataset} seed ${seed} ${job.scoring.padEnd(24)} ROC-AUC ${fixed(metrics.rocAuc)}  PR-AUC ${fixed(metrics.prAuc)}  ` +
                `precision ${fixed(metrics.precision)}  recall ${fixed(metrics.recall)}  ` +
                `precision@recall${RECALL_TARGET} ${fixed(precisionAtRecallTarget)}  ` +
                `alerted ${metrics.engineLevel?.alertedBeforeFailure ?? 'n/a'}/${metrics.engineLevel?.failingEngines ?? 'n/a'}  ` +
                `lead p50 ${fixed(metrics.engineLevel?.medianLeadTime ?? null, 1)}  ${run.trainingSeconds.toFixed(1)} s`,
            );
          }
        }
      }
    } finally {
      await database.close();
    }
  } finally {
    await scratch.drop();
  }

  for (const dataset of datasets) {
    console.log(`\n${dataset} (test engines 81-100, every window; anomalous when RUL <= 30)`);
    console.log(
      `seed  kind / scoring                                          ROC-AUC  PR-AUC  precision  recall  F1      tp / fp / tn / fn          P@R${RECALL_TARGET}  fit s`,
    );
    for (const run of runs.filter((candidate) => candidate.dataset === dataset)) {
      const { metrics: m } = run;
      const confusion = `${m.confusion.tp} / ${m.confusion.fp} / ${m.confusion.tn} / ${m.confusion.fn}`;
      console.log(
        `${String(run.seed).padEnd(5)} ${run.scoring.padEnd(58)} ${fixed(m.rocAuc)}   ${fixed(m.prAuc)}  ${fixed(m.precision)}     ` +
          `${fixed(m.recall)}  ${fixed(m.f1)}  ${confusion.padEnd(25)}  ${fixed(run.precisionAtRecallTarget)}   ${run.trainingSeconds.toFixed(1)}`,
      );
    }
  }
  for (const dataset of datasets) {
    console.log(
      `\n${dataset} engine level (test engines 81-100 with the default alert rule; healthy when RUL > 100, failing within 30 cycles of failure)`,
    );
    console.log(
      `seed  kind / scoring                                          alerted  lead p50  lead p10  false alerts / 1000 healthy cycles  never alerted`,
    );
    for (const run of runs.filter((candidate) => candidate.dataset === dataset)) {
      const level = run.metrics.engineLevel;
      if (!level) continue;
      console.log(
        `${String(run.seed).padEnd(5)} ${run.scoring.padEnd(58)} ${`${level.alertedBeforeFailure}/${level.failingEngines}`.padEnd(8)} ` +
          `${fixed(level.medianLeadTime, 1).padEnd(9)} ${fixed(level.p10LeadTime, 1).padEnd(9)} ` +
          `${fixed(level.falseAlertsPer1000HealthyCycles, 2).padEnd(35)} ${level.neverAlertedEngineIds.length}`,
      );
    }
  }

  const summary = {
    benchmark: 'quality',
    createdAt: new Date().toISOString(),
    machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    backend: describeSelection(backend),
    dataDir,
    epochs,
    runs,
  };
  const out = args.out ?? path.resolve('results', `bench-quality-${datasets.join('-')}-seeds${seeds.join('-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
