// Choosing a version's k, n and m on its calibration engines (run to failure, never fitted on): the rule
// with the fewest spurious alerts that still alerts, before failure, every failing engine the
// single-window rule (k = n = m = 1) alerts; then the longest median lead time; then the smallest n, m
// and k. The criterion and its figures are in docs/alerts.md.
import { engineLevelMetrics, type EngineLevelLabels, type LabelledEngine } from '../evaluation/engine-level';
import { alertEpisodes, type AlertRuleSettings } from './alert-rule';

/** The largest n and m tried (k <= n). */
export const RULE_CHOICE_GRID = 10;

export interface AlertRuleChoice {
  rule: AlertRuleSettings;
  /** Rules tried. */
  candidates: number;
  /** Spurious alerts of the chosen rule: opened at a healthy window, or again after the first once the engine degrades. */
  spuriousAlerts: number;
  /** Windows (engine-cycles) of the calibration engines. */
  cycles: number;
  failingEngines: number;
  /** Failing engines it alerts before failure (as many as the single-window rule). */
  alertedBeforeFailure: number;
  medianLeadTime: number | null;
}

function spuriousAlerts(engines: readonly LabelledEngine[], threshold: number, healthyRul: number, rule: AlertRuleSettings): number {
  let spurious = 0;
  for (const engine of engines) {
    const rulAt = new Map(engine.windows.map((window) => [window.cycle, window.rul]));
    const episodes = alertEpisodes(
      engine.windows.map((window) => ({ cycle: window.cycle, score: window.score, threshold })),
      rule,
    );
    const healthy = episodes.filter((episode) => rulAt.get(episode.openedCycle)! > healthyRul).length;
    spurious += healthy + Math.max(0, episodes.length - healthy - 1);
  }
  return spurious;
}

/** The k, n and m chosen on the engines' windows scored against `threshold`; the other settings are `base`'s. */
export function chooseAlertRule(
  engines: readonly LabelledEngine[],
  threshold: number,
  labels: EngineLevelLabels,
  base: AlertRuleSettings,
): AlertRuleChoice {
  const cycles = engines.reduce((sum, engine) => sum + engine.windows.length, 0);
  const measured: AlertRuleChoice[] = [];
  for (let n = 1; n <= RULE_CHOICE_GRID; n++) {
    for (let k = 1; k <= n; k++) {
      for (let m = 1; m <= RULE_CHOICE_GRID; m++) {
        const rule = { ...base, k, n, m };
        const metrics = engineLevelMetrics(engines, threshold, labels, rule);
        measured.push({
          rule,
          candidates: RULE_CHOICE_GRID * ((RULE_CHOICE_GRID * (RULE_CHOICE_GRID + 1)) / 2),
          spuriousAlerts: spuriousAlerts(engines, threshold, labels.healthyRul, rule),
          cycles,
          failingEngines: metrics.failingEngines,
          alertedBeforeFailure: metrics.alertedBeforeFailure,
          medianLeadTime: metrics.medianLeadTime,
        });
      }
    }
  }
  const singleWindow = measured[0]; // k 1, n 1, m 1
  return measured
    .filter((entry) => entry.alertedBeforeFailure >= singleWindow.alertedBeforeFailure)
    .sort(
      (a, b) =>
        a.spuriousAlerts - b.spuriousAlerts ||
        (b.medianLeadTime ?? -1) - (a.medianLeadTime ?? -1) ||
        a.rule.n - b.rule.n ||
        a.rule.m - b.rule.m ||
        a.rule.k - b.rule.k,
    )[0];
}
