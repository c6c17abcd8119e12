// Quality benchmark: the reference configuration end to end on FD001, for several seeds. Each seed trains
// once (worker threads, as bench/train.ts), then the same trained model is scored two ways:
//  - the default scoring ('reconstruction-error', threshold = 99th percentile of the healthy calibration
//    windows: the reference's), and
//  - the two other scoring methods of src/detectors/lstm-autoencoder/scoring-methods.ts, 'normalised-error' and
//    'degradation-logistic', fitted on the training engines, their thresholds calibrated on the
//    calibration engines' labelled run-to-failure trajectories.
// Both are evaluated on all windows of the test engines. Prints ROC-AUC, PR-AUC, precision, recall, F1,
// threshold, confusion matrix, training time and windows/s per seed and scoring; writes JSON into results/.
//
//   node dist/bench/quality.js [--seeds 0,1,2] [--epochs 80] [--threads 2] [--data DIR] [--out FILE]
//                              [--dump DIR]   (per-window per-sensor errors of every window set, per seed)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSubsetFiles } from '../src/modules/datasets/cmapss-files';
import { seriesFromTrajectories } from '../src/domain/data/series';
import { labelledTrajectories, prepareDataset, REFERENCE_SPLIT } from '../src/domain/data/splits';
import type { WindowSet } from '../src/domain/data/windows';
import { evaluateScores, type Evaluation } from '../src/domain/evaluation/metrics';
import {
  applyScoringMethod,
  calibrateMethodThreshold,
  fitScoringMethod,
  type ScoringBatch,
  type ScoringMethodKind,
} from '../src/detectors/lstm-autoencoder/scoring-methods';
import { describeSelection, selectBackend } from '../src/detectors/lstm-autoencoder/engine/backend';
import { reconstructionErrors, type ReconstructionErrors } from '../src/detectors/lstm-autoencoder/engine/inference';
import { trainAutoencoder } from '../src/detectors/lstm-autoencoder/engine/parallel-training';
import { resolveTrainingConfig } from '../src/detectors/lstm-autoencoder/engine/training-config';
import { defaultDataDir } from './data-dir';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '0,1,2' },
    epochs: { type: 'string', default: '80' },
    threads: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    dump: { type: 'string' },
  },
});

function batchOf(windows: WindowSet, errors: ReconstructionErrors): ScoringBatch {
  return { ...errors, features: windows.features, count: windows.count };
}

const SCORINGS: readonly ScoringMethodKind[] = ['reconstruction-error', 'normalised-error', 'degradation-logistic'];

function summarise(evaluation: Evaluation) {
  const { threshold, rocAuc, prAuc, precision, recall, f1, accuracy, confusion } = evaluation;
  return { threshold, rocAuc, prAuc, precision, recall, f1, accuracy, confusion };
}

const fixed = (value: number | null, digits = 4) => (value === null ? 'n/a' : value.toFixed(digits));

async function main(): Promise<void> {
  const seeds = args.seeds.split(',').map((text) => {
    const seed = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(seed))
      throw new Error(`--seeds must be a comma-separated list of integers, got "${args.seeds}"`);
    return seed;
  });
  const dataDir = args.data ?? defaultDataDir();
  const series = seriesFromTrajectories(readSubsetFiles(dataDir, 'FD001').train);
  const dataset = prepareDataset(series, REFERENCE_SPLIT, { windowLength: 30, stride: 1 });
  // The calibration engines' full run-to-failure trajectories (not only their healthy windows), with RUL:
  // what the alternative scoring may tune on besides the training windows.
  const calibration = labelledTrajectories(series, REFERENCE_SPLIT.calibrationUnits, dataset);
  const calibrationTrajectories = calibration.windows;
  const training = labelledTrajectories(series, REFERENCE_SPLIT.trainUnits, dataset);
  const trainTrajectories = training.windows;
  const features = dataset.sensors.length;
  console.log(
    `[data] ${dataDir}: ${dataset.counts.trainWindows} training, ${dataset.counts.calibrationWindows} healthy calibration ` +
      `(${calibrationTrajectories.count} along the calibration trajectories), ${dataset.counts.testWindows} test windows ` +
      `(${dataset.counts.testAnomalous} anomalous), ${features} sensors`,
  );
  const backend = await selectBackend({ log: (line) => console.log(`[backend] main thread ${line}`) });
  const threads = args.threads === undefined ? undefined : Number(args.threads);

  const runs = [];
  for (const seed of seeds) {
    const config = resolveTrainingConfig({
      architecture: { features, windowLength: dataset.windowLength },
      epochs: Number(args.epochs),
      seed,
    });
    const trained = await trainAutoencoder({ train: dataset.train.x, validation: null }, config, {
      threads,
      onEpoch: (p) => {
        if (p.epoch === 1 || p.epoch === p.epochs || p.epoch % 20 === 0) {
          console.log(
            `[seed ${seed} epoch ${String(p.epoch).padStart(3)}/${p.epochs}] loss ${p.loss.toFixed(5)} ${(p.elapsedMs / 1000).toFixed(1)} s`,
          );
        }
      },
    });
    const trainingSeconds = trained.elapsedMs / 1000;
    const windowsPerSecond = (dataset.counts.trainWindows * trained.history.length) / trainingSeconds;

    const errors = {
      train: reconstructionErrors(trained.model, dataset.train.x, dataset.train.count),
      calibration: reconstructionErrors(trained.model, dataset.calibration.x, dataset.calibration.count),
      calibrationTrajectories: reconstructionErrors(trained.model, calibrationTrajectories.x, calibrationTrajectories.count),
      trainTrajectories: reconstructionErrors(trained.model, trainTrajectories.x, trainTrajectories.count),
      test: reconstructionErrors(trained.model, dataset.test.x, dataset.test.count),
    };
    if (args.dump) dumpErrors(args.dump, seed, { dataset, calibrationTrajectories, trainTrajectories, errors });

    // Every scoring fits on the healthy training windows and calibrates on the calibration engines only.
    const scorings = SCORINGS.map((kind) => {
      const method = fitScoringMethod(kind, {
        features,
        train: errors.train,
        trainTrajectories: { ...errors.trainTrajectories, labels: training.labels },
      });
      const threshold = calibrateMethodThreshold(
        method,
        {
          healthy: applyScoringMethod(method, batchOf(dataset.calibration, errors.calibration)),
          trajectories: {
            scores: applyScoringMethod(method, batchOf(calibrationTrajectories, errors.calibrationTrajectories)),
            labels: calibration.labels,
          },
        },
        0.99,
      );
      const evaluation = evaluateScores(dataset.testLabels, applyScoringMethod(method, batchOf(dataset.test, errors.test)), threshold);
      return { name: kind, method, threshold, evaluation };
    });
    for (const scoring of scorings) {
      const e = scoring.evaluation;
      console.log(
        `seed ${seed} ${scoring.name.padEnd(22)} ROC-AUC ${fixed(e.rocAuc)}  PR-AUC ${fixed(e.prAuc)}  precision ${fixed(e.precision)}  ` +
          `recall ${fixed(e.recall)}  F1 ${fixed(e.f1)}  threshold ${e.threshold.toPrecision(6)}  ` +
          `tp ${e.confusion.tp} fp ${e.confusion.fp} tn ${e.confusion.tn} fn ${e.confusion.fn}`,
      );
    }
    console.log(
      `seed ${seed} training ${trainingSeconds.toFixed(1)} s, ${windowsPerSecond.toFixed(0)} windows/s on ${trained.backend} (${trained.threads} thread(s))`,
    );
    runs.push({
      seed,
      training: {
        epochs: trained.history.length,
        seconds: trainingSeconds,
        windowsPerSecond,
        finalLoss: trained.history[trained.history.length - 1].loss,
        backend: trained.backend,
        threads: trained.threads,
      },
      scorings: scorings.map((scoring) => ({ name: scoring.name, method: scoring.method, ...summarise(scoring.evaluation) })),
    });
  }

  const summary = {
    benchmark: 'quality',
    createdAt: new Date().toISOString(),
    machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    backend: describeSelection(backend),
    dataDir,
    counts: { ...dataset.counts, calibrationTrajectoryWindows: calibrationTrajectories.count },
    split: REFERENCE_SPLIT,
    runs,
  };
  const out = args.out ?? path.resolve('results', `bench-quality-seeds${seeds.join('-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);

  console.log('\nseed  scoring                 ROC-AUC  PR-AUC  precision  recall  F1      threshold   train s');
  for (const run of runs) {
    for (const s of run.scorings) {
      console.log(
        `${String(run.seed).padEnd(5)} ${s.name.padEnd(23)} ${fixed(s.rocAuc)}   ${fixed(s.prAuc)}  ${fixed(s.precision)}     ${fixed(s.recall)}  ` +
          `${fixed(s.f1)}  ${s.threshold.toPrecision(6).padEnd(10)}  ${run.training.seconds.toFixed(1)}`,
      );
    }
  }
  console.log(`wrote ${out}`);
}

/** Per-window per-sensor errors with their engines, end cycles and RUL, to study scorings without retraining. */
function dumpErrors(
  dir: string,
  seed: number,
  data: {
    dataset: ReturnType<typeof prepareDataset>;
    calibrationTrajectories: WindowSet;
    trainTrajectories: WindowSet;
    errors: Record<string, ReconstructionErrors>;
  },
): void {
  fs.mkdirSync(dir, { recursive: true });
  const sets: Record<string, WindowSet> = {
    train: data.dataset.train,
    calibration: data.dataset.calibration,
    calibrationTrajectories: data.calibrationTrajectories,
    trainTrajectories: data.trainTrajectories,
    test: data.dataset.test,
  };
  const dump = Object.fromEntries(
    Object.entries(sets).map(([name, windows]) => [
      name,
      {
        count: windows.count,
        features: windows.features,
        engineIds: windows.engineIds,
        endCycles: windows.endCycles,
        ruls: windows.ruls,
        sensorErrors: Array.from(data.errors[name].sensorErrors),
      },
    ]),
  );
  fs.writeFileSync(path.join(dir, `errors-seed${seed}.json`), JSON.stringify(dump));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
