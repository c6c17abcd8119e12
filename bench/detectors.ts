// Detector benchmark: each classic kind fitted on FD001's 5,032 healthy training windows and scored on
// its 3,913 test windows in process, through the kinds' own fit/load/score (the windows come from the
// product's pipeline: readSubsetFiles, prepareDataset with the reference split). Prints, per kind, fit
// time (target <= 3 s), scoring rate in batches of all test windows and one window per call (target
// >= 20,000 windows/s in batches), ROC-AUC and PR-AUC, precision/recall at the calibrated threshold,
// beside scikit-learn's figures on the same windows (bench/anchors/sklearn-detectors.json, measured by
// bench/anchors/sklearn-detectors.py on this machine type). Writes JSON into results/.
//
//   node dist/bench/detectors.js [--data DIR] [--repeats 3] [--kinds z-score,pca-reconstruction,...] [--out FILE]
//                                [--sklearn]   (runs the scikit-learn script first, for timings taken side by side)

import { windowBatch } from '../src/detectors/detector';
import { fitDataOf } from '../src/modules/training/training-pipeline';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSubsetFiles } from '../src/modules/datasets/cmapss-files';
import { seriesFromTrajectories } from '../src/domain/data/series';
import { prepareDataset, REFERENCE_SPLIT } from '../src/domain/data/splits';
import { evaluateScores } from '../src/domain/evaluation/metrics';
import type { DetectorKind, FitContext, FitData } from '../src/detectors/detector';
import { isolationForestKind } from '../src/detectors/isolation-forest';
import { localOutlierFactorKind } from '../src/detectors/local-outlier-factor';
import { pcaReconstructionKind } from '../src/detectors/pca-reconstruction';
import { zScoreKind } from '../src/detectors/z-score';
import committedAnchors from './anchors/sklearn-detectors.json';
import { defaultDataDir } from './data-dir';

interface Case {
  label: string;
  kind: DetectorKind<any>;
  options: Record<string, unknown>;
  /** Key of scikit-learn's figures in the anchors file, if it has them. */
  anchor: keyof typeof committedAnchors.detectors | null;
}

const CASES: Case[] = [
  { label: 'z-score', kind: zScoreKind, options: {}, anchor: 'z-score' },
  { label: 'pca-reconstruction', kind: pcaReconstructionKind, options: {}, anchor: 'pca-reconstruction' },
  { label: 'isolation-forest (flattened)', kind: isolationForestKind, options: {}, anchor: 'isolation-forest/flattened' },
  { label: 'isolation-forest (summary)', kind: isolationForestKind, options: { features: 'summary' }, anchor: 'isolation-forest/summary' },
  { label: 'local-outlier-factor (summary)', kind: localOutlierFactorKind, options: {}, anchor: 'local-outlier-factor/summary' },
];

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    repeats: { type: 'string', default: '3' },
    kinds: { type: 'string' },
    out: { type: 'string' },
    sklearn: { type: 'boolean', default: false },
  },
});

interface SklearnFigures {
  rocAuc: number;
  prAuc: number;
  fitSeconds?: number;
  scoreSeconds?: number;
}

/** scikit-learn's figures: measured now by its script (--sklearn), else the committed ones. */
function sklearnAnchors(): { environment: unknown; detectors: Record<string, SklearnFigures>; measuredNow: boolean } {
  if (!args.sklearn) return { ...committedAnchors, measuredNow: false };
  const out = path.resolve('results', 'sklearn-detectors.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  execFileSync('/usr/bin/python3', [path.resolve('bench', 'anchors', 'sklearn-detectors.py'), '--no-fixtures', '--out', out], {
    stdio: 'inherit',
  });
  return {
    ...(JSON.parse(fs.readFileSync(out, 'utf8')) as { environment: unknown; detectors: Record<string, SklearnFigures> }),
    measuredNow: true,
  };
}

function context(): FitContext {
  return { signal: new AbortController().signal, onProgress: async () => undefined, runtime: {}, cacheKey: 'bench' };
}

/** Wall and CPU milliseconds of `run` (the CPU time is this process's, all threads: the kinds use one). */
async function timed<T>(run: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await run();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

const fixed = (value: number | null | undefined, digits = 4) => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));
const rate = (windows: number, ms: number) => Math.round((windows / ms) * 1000);

async function main(): Promise<void> {
  const repeats = Number(args.repeats);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats must be a positive integer, got ${args.repeats}`);
  const wanted = args.kinds?.split(',');
  const cases = wanted ? CASES.filter((c) => wanted.some((name) => c.label.startsWith(name))) : CASES;
  const dataDir = args.data ?? defaultDataDir();
  const series = seriesFromTrajectories(readSubsetFiles(dataDir, 'FD001').train);
  const dataset = prepareDataset(series, REFERENCE_SPLIT, { windowLength: 30, stride: 1 });
  // What the training job hands a kind (src/modules/training/training-pipeline.ts).
  const data: FitData = fitDataOf(series, dataset, 0.99);
  const anchors = sklearnAnchors();
  const test = windowBatch(dataset.test);
  const size = test.windowLength * test.features;
  console.log(
    `[data] ${dataDir}: ${data.train.count} training, ${data.calibration.count} calibration, ${test.count} test windows ` +
      `(${dataset.counts.testAnomalous} anomalous); ${os.availableParallelism()} cores, load average ${os.loadavg()[0].toFixed(1)}`,
  );

  const results = [];
  for (const { label, kind, options, anchor } of cases) {
    const resolved = kind.resolveOptions(options);
    const fit = await timed(() => kind.fit(data, resolved, context()));
    const { detector, threshold } = fit.value;
    // Batches of every test window: the best of `repeats` runs (the first warms the JIT up).
    let batch = { wallMs: Infinity, cpuMs: Infinity };
    let scores: ArrayLike<number> = [];
    for (let r = 0; r < repeats; r++) {
      const run = await timed(() => detector.score(test));
      if (run.wallMs < batch.wallMs) batch = run;
      scores = run.value.scores;
    }
    // One window per call, as a single scoreWindow request scores it: the first 500 test windows.
    const single = await timed(async () => {
      for (let w = 0; w < 500; w++) await detector.score({ ...test, x: test.x.subarray(w * size, (w + 1) * size), count: 1 });
    });
    const evaluation = evaluateScores(dataset.testLabels!, scores, threshold);
    const sklearn =
      anchor === null ? null : (anchors.detectors[anchor] as { rocAuc: number; prAuc: number; fitSeconds?: number; scoreSeconds?: number });
    const result = {
      label,
      kind: kind.name,
      options: resolved,
      summary: fit.value.summary,
      fitMs: fit.wallMs,
      fitCpuMs: fit.cpuMs,
      batchWindowsPerSecond: rate(test.count, batch.wallMs),
      batchWindowsPerCpuSecond: rate(test.count, batch.cpuMs),
      singleWindowsPerSecond: rate(500, single.wallMs),
      rocAuc: evaluation.rocAuc,
      prAuc: evaluation.prAuc,
      threshold,
      precision: evaluation.precision,
      recall: evaluation.recall,
      f1: evaluation.f1,
      sklearn,
    };
    results.push(result);
    console.log(
      `[${label}] fit ${(fit.wallMs / 1000).toFixed(2)} s (cpu ${(fit.cpuMs / 1000).toFixed(2)} s) | score ${result.batchWindowsPerSecond} windows/s ` +
        `(${result.batchWindowsPerCpuSecond}/cpu-s), one per call ${result.singleWindowsPerSecond}/s | ROC-AUC ${fixed(evaluation.rocAuc)} ` +
        `PR-AUC ${fixed(evaluation.prAuc)} | at the threshold: precision ${fixed(evaluation.precision, 3)} recall ${fixed(evaluation.recall, 3)} ` +
        `F1 ${fixed(evaluation.f1, 3)}`,
    );
  }

  console.log(
    `\nscikit-learn's figures: ${anchors.measuredNow ? 'measured just now' : 'bench/anchors/sklearn-detectors.json'} (wall time)`,
  );
  console.log(
    '| kind | fit s: wall, cpu (sklearn) | windows/s in batches: wall, per cpu-s (sklearn) | one per call /s | ROC-AUC (sklearn) | PR-AUC (sklearn) | F1 at threshold |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const s = r.sklearn;
    const sklearnFit = s?.fitSeconds === undefined ? '' : ` (${s.fitSeconds.toFixed(2)})`;
    const sklearnRate = s?.scoreSeconds === undefined ? '' : ` (${rate(test.count, s.scoreSeconds * 1000)})`;
    console.log(
      `| ${r.label} | ${(r.fitMs / 1000).toFixed(2)}, ${(r.fitCpuMs / 1000).toFixed(2)}${sklearnFit} | ` +
        `${r.batchWindowsPerSecond}, ${r.batchWindowsPerCpuSecond}${sklearnRate} | ${r.singleWindowsPerSecond} | ` +
        `${fixed(r.rocAuc)} (${fixed(s?.rocAuc)}) | ${fixed(r.prAuc)} (${fixed(s?.prAuc)}) | ${fixed(r.f1, 3)} |`,
    );
  }
  const out = args.out ?? path.resolve('results', 'bench-detectors.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const summary = {
    machine: {
      cores: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage: os.loadavg()[0],
    },
    data: { dir: dataDir, counts: dataset.counts },
    sklearn: { environment: anchors.environment, measuredNow: anchors.measuredNow },
    results,
  };
  fs.writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
