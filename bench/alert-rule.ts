// Alert rule study: how the k-of-n rule's k, n and m behave on the FD001 calibration engines (71-80, run
// to failure, never used to fit any detector), to choose its defaults (docs/alerts.md). Each detector is
// fitted as a training job fits it (reference split, its calibrated threshold); every window of the
// calibration engines is scored, and every (k, n, m) of the grid is run over their trajectories.
//
//   node dist/bench/alert-rule.js [--detectors lstm-autoencoder,z-score,...] [--epochs 80] [--data DIR] [--out FILE]
//
// Choice: the fewest missed or spurious events over all detectors, each counting one: a calibration
// engine that the single-window rule (k = n = m = 1) alerts before failure and this rule does not, or a
// spurious alert (opened at a healthy cycle, or re-opened once the engine is degrading); then the longest
// mean median lead time; then the smallest n and m.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seriesFromTrajectories } from '../src/domain/data/series';
import { labelledTrajectories, prepareDataset, REFERENCE_SPLIT } from '../src/domain/data/splits';
import { alertEpisodes, DEFAULT_ALERT_RULE, type AlertRuleSettings, type Severity } from '../src/domain/alerts/alert-rule';
import { engineLevelMetrics, type EngineLevelMetrics, type LabelledEngine } from '../src/domain/evaluation/engine-level';
import { chooseAlertRule } from '../src/domain/alerts/rule-choice';
import { detectorKind } from '../src/detectors/registry';
import { readSubsetFiles } from '../src/modules/datasets/cmapss-files';
import { windowBatch } from '../src/detectors/detector';
import { fitDataOf } from '../src/modules/training/training-pipeline';
import { defaultDataDir } from './data-dir';

const { values: args } = parseArgs({
  options: {
    detectors: {
      type: 'string',
      default: 'lstm-autoencoder,lstm-autoencoder:degradation-logistic,pca-reconstruction,isolation-forest,z-score',
    },
    epochs: { type: 'string', default: '80' },
    data: { type: 'string' },
    out: { type: 'string' },
  },
});

interface Trajectories {
  detector: string;
  threshold: number;
  engines: LabelledEngine[];
}

/** Every window of the calibration engines scored by a freshly fitted detector, grouped by engine. */
async function calibrationTrajectories(name: string): Promise<Trajectories> {
  const [kindName, scoringMethod] = name.split(':');
  const kind = detectorKind(kindName);
  const series = seriesFromTrajectories(readSubsetFiles(args.data ?? defaultDataDir(), 'FD001').train);
  const dataset = prepareDataset(series, REFERENCE_SPLIT, { windowLength: 30, stride: 1 });
  const input: Record<string, unknown> = kindName === 'lstm-autoencoder' ? { epochs: Number(args.epochs), seed: 0 } : {};
  if (scoringMethod) input.scoringMethod = scoringMethod;
  const fitted = await kind.fit(fitDataOf(series, dataset, 0.99), kind.resolveOptions(input), {
    signal: new AbortController().signal,
    onProgress: async () => undefined,
    runtime: {},
    cacheKey: `bench-alert-rule:${name}`,
  });
  const { windows } = labelledTrajectories(series, REFERENCE_SPLIT.calibrationUnits, dataset);
  const { scores } = await fitted.detector.score(windowBatch(windows));
  const byEngine = new Map<number, LabelledEngine & { windows: LabelledEngine['windows'][number][] }>();
  for (let i = 0; i < windows.count; i++) {
    const engineId = windows.engineIds[i];
    if (!byEngine.has(engineId)) byEngine.set(engineId, { engineId, windows: [] });
    byEngine.get(engineId)!.windows.push({ cycle: windows.endCycles[i], score: scores[i], rul: windows.ruls[i]! });
  }
  return { detector: name, threshold: fitted.threshold, engines: [...byEngine.values()] };
}

/** Alerts opened at a healthy cycle, or after the first alert once the engine is no longer healthy. */
function spuriousAlerts(trajectories: Trajectories, rule: AlertRuleSettings): { spurious: number; cycles: number } {
  let spurious = 0;
  let cycles = 0;
  for (const engine of trajectories.engines) {
    cycles += engine.windows.length;
    const rulAt = new Map(engine.windows.map((window) => [window.cycle, window.rul]));
    const episodes = alertEpisodes(
      engine.windows.map((window) => ({ cycle: window.cycle, score: window.score, threshold: trajectories.threshold })),
      rule,
    );
    const healthy = episodes.filter((episode) => rulAt.get(episode.openedCycle)! > REFERENCE_SPLIT.healthyRul).length;
    spurious += healthy + Math.max(0, episodes.length - healthy - 1);
  }
  return { spurious, cycles };
}

/** The severity each engine's last open alert has at its last window (null: none open). */
function severitiesAtFailure(trajectories: Trajectories, rule: AlertRuleSettings): (Severity | null)[] {
  return trajectories.engines.map((engine) => {
    const episodes = alertEpisodes(
      engine.windows.map((window) => ({ cycle: window.cycle, score: window.score, threshold: trajectories.threshold })),
      rule,
    );
    const last = episodes.at(-1);
    return last && last.closedCycle === null ? last.severity : null;
  });
}

interface Candidate {
  k: number;
  n: number;
  m: number;
  /** Engines alerted before failure, per detector. */
  alerted: number[];
  spuriousPer1000: number;
  /** Spurious alerts plus engines missed against the single-window rule, over all detectors. */
  events: number;
  meanMedianLead: number;
  perDetector: EngineLevelMetrics[];
}

const labels = { healthyRul: REFERENCE_SPLIT.healthyRul, anomalyRul: REFERENCE_SPLIT.anomalyRul };

async function main(): Promise<void> {
  const studied: Trajectories[] = [];
  for (const name of args.detectors!.split(',')) {
    const started = performance.now();
    studied.push(await calibrationTrajectories(name));
    console.log(
      `[fit] ${name}: threshold ${studied.at(-1)!.threshold.toPrecision(6)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }

  const candidates: Candidate[] = [];
  for (let n = 1; n <= 10; n++) {
    for (let k = 1; k <= n; k++) {
      for (let m = 1; m <= 10; m++) {
        const rule = { ...DEFAULT_ALERT_RULE, k, n, m };
        const perDetector = studied.map((trajectories) => ({
          metrics: engineLevelMetrics(trajectories.engines, trajectories.threshold, labels, rule),
          ...spuriousAlerts(trajectories, rule),
        }));
        const spurious = perDetector.reduce((sum, entry) => sum + entry.spurious, 0);
        const cycles = perDetector.reduce((sum, entry) => sum + entry.cycles, 0);
        candidates.push({
          k,
          n,
          m,
          alerted: perDetector.map((entry) => entry.metrics.alertedBeforeFailure),
          spuriousPer1000: (1000 * spurious) / cycles,
          events: spurious,
          meanMedianLead: perDetector.reduce((sum, entry) => sum + (entry.metrics.medianLeadTime ?? 0), 0) / perDetector.length,
          perDetector: perDetector.map((entry) => entry.metrics),
        });
      }
    }
  }
  const singleWindow = candidates.find((candidate) => candidate.k === 1 && candidate.n === 1 && candidate.m === 1)!;
  for (const candidate of candidates) {
    candidate.events += candidate.alerted.reduce((sum, count, index) => sum + Math.max(0, singleWindow.alerted[index] - count), 0);
  }
  const ranked = [...candidates].sort((a, b) => a.events - b.events || b.meanMedianLead - a.meanMedianLead || a.n - b.n || a.m - b.m);

  const row = (candidate: Candidate) =>
    `k ${candidate.k} n ${String(candidate.n).padEnd(2)} m ${String(candidate.m).padEnd(2)}  missed + spurious ${String(candidate.events).padStart(3)}  spurious/1000 ${candidate.spuriousPer1000.toFixed(2).padStart(6)}  ` +
    candidate.perDetector
      .map(
        (metrics, index) =>
          `${studied[index].detector}: alerted ${metrics.alertedBeforeFailure}/${metrics.failingEngines} lead p50 ${metrics.medianLeadTime ?? 'n/a'} ` +
          `p10 ${metrics.p10LeadTime?.toFixed(1) ?? 'n/a'} false/1000 ${metrics.falseAlertsPer1000HealthyCycles?.toFixed(2) ?? 'n/a'}`,
      )
      .join(' | ');
  console.log('\nbest 15 settings (fewest missed engines + spurious alerts):');
  for (const candidate of ranked.slice(0, 15)) console.log(row(candidate));
  console.log('\nfor comparison, one window above the threshold (k 1 n 1) with m 1, and the current defaults:');
  for (const candidate of candidates.filter(
    (entry) =>
      (entry.k === 1 && entry.n === 1 && entry.m === 1) ||
      (entry.k === DEFAULT_ALERT_RULE.k && entry.n === DEFAULT_ALERT_RULE.n && entry.m === DEFAULT_ALERT_RULE.m),
  ))
    console.log(row(candidate));
  console.log('\nseverity at the last cycle (failure) under the current defaults:');
  for (const trajectories of studied)
    console.log(
      `${trajectories.detector}: ${severitiesAtFailure(trajectories, DEFAULT_ALERT_RULE)
        .map((severity) => severity ?? 'closed')
        .join(', ')}`,
    );

  // What trainModel(chooseAlertRule: true) picks per detector, on that detector's calibration windows alone.
  console.log('\nper-detector choice (trainModel chooseAlertRule), and its time:');
  for (const trajectories of studied) {
    const started = performance.now();
    const choice = chooseAlertRule(trajectories.engines, trajectories.threshold, labels, DEFAULT_ALERT_RULE);
    console.log(
      `${trajectories.detector}: k ${choice.rule.k} n ${choice.rule.n} m ${choice.rule.m}, spurious ${choice.spuriousAlerts} ` +
        `(${((1000 * choice.spuriousAlerts) / choice.cycles).toFixed(2)} / 1,000 engine-cycles), alerted ${choice.alertedBeforeFailure}/` +
        `${choice.failingEngines}, lead p50 ${choice.medianLeadTime ?? 'n/a'} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }

  const out = args.out ?? path.resolve('results', 'bench-alert-rule.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ detectors: studied.map((entry) => entry.detector), ranked: ranked.slice(0, 50) }, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
