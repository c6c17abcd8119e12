// Engine-level evaluation: what reliability engineers ask of a detector, measured on labelled engines
// with the alert rule rather than window by window: how many failing engines were alerted before
// failure, how early, how many false alerts per healthy engine-cycle, which engines were never alerted.
// The definitions are in docs/alerts.md.

import { alertEpisodes, DEFAULT_ALERT_RULE, type AlertRuleSettings } from '../alerts/alert-rule';
import { EvaluationInputError } from './errors';

export interface LabelledEngineWindow {
  /** The window's last cycle. */
  cycle: number;
  score: number;
  /** Remaining useful life at the window's last cycle: failure is `rul` cycles later. */
  rul: number;
}

export interface LabelledEngine {
  engineId: number;
  /** Sorted by cycle. */
  windows: readonly LabelledEngineWindow[];
}

export interface EngineLevelLabels {
  /** A window is healthy when its RUL > healthyRul. */
  healthyRul: number;
  /** An engine is failing when one of its windows has RUL <= anomalyRul. */
  anomalyRul: number;
}

export interface EngineLevelMetrics {
  engines: number;
  failingEngines: number;
  /** Failing engines with an alert open at or after their first unhealthy window. */
  alertedBeforeFailure: number;
  /** alertedBeforeFailure / failingEngines; null without failing engines. */
  alertedShare: number | null;
  /** Cycles from the first such alert's opening to failure (the RUL at its opening): median and 10th percentile. */
  medianLeadTime: number | null;
  p10LeadTime: number | null;
  /** Alerts opened at a healthy window. */
  falseAlerts: number;
  /** Healthy windows (engine-cycles) evaluated. */
  healthyCycles: number;
  /** falseAlerts per 1,000 healthy engine-cycles; null without healthy cycles. */
  falseAlertsPer1000HealthyCycles: number | null;
  /** Engines on which no alert ever opened, in increasing id order. */
  neverAlertedEngineIds: number[];
}

/** Groups parallel window columns (any order) into engines with their windows sorted by cycle. */
export function labelledEngines(columns: {
  engineIds: ArrayLike<number>;
  endCycles: ArrayLike<number>;
  scores: ArrayLike<number>;
  ruls: ArrayLike<number | null>;
}): LabelledEngine[] {
  const byEngine = new Map<number, LabelledEngineWindow[]>();
  for (let i = 0; i < columns.engineIds.length; i++) {
    const rul = columns.ruls[i];
    if (rul === null) throw new EvaluationInputError(`engine ${columns.engineIds[i]} has no known RUL: its windows cannot be labelled`);
    let windows = byEngine.get(columns.engineIds[i]);
    if (windows === undefined) byEngine.set(columns.engineIds[i], (windows = []));
    windows.push({ cycle: columns.endCycles[i], score: columns.scores[i], rul });
  }
  return [...byEngine.entries()].map(([engineId, windows]) => ({ engineId, windows: windows.sort((a, b) => a.cycle - b.cycle) }));
}

/** The q-quantile (0..1) with linear interpolation between order statistics (numpy's default). */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** Engine-level metrics of the engines' windows scored against one threshold, under an alert rule. */
export function engineLevelMetrics(
  engines: readonly LabelledEngine[],
  threshold: number,
  labels: EngineLevelLabels,
  rule: AlertRuleSettings = DEFAULT_ALERT_RULE,
): EngineLevelMetrics {
  if (!Number.isFinite(threshold)) throw new EvaluationInputError('the threshold must be finite');
  const { healthyRul, anomalyRul } = labels;
  if (!(anomalyRul >= 0 && anomalyRul < healthyRul)) {
    throw new EvaluationInputError(`need 0 <= anomalyRul < healthyRul, got ${anomalyRul} and ${healthyRul}`);
  }
  const leadTimes: number[] = [];
  const neverAlerted: number[] = [];
  let failingEngines = 0;
  let falseAlerts = 0;
  let healthyCycles = 0;

  for (const engine of [...engines].sort((a, b) => a.engineId - b.engineId)) {
    const rulAt = new Map(engine.windows.map((window) => [window.cycle, window.rul]));
    const episodes = alertEpisodes(
      engine.windows.map((window) => ({ cycle: window.cycle, score: window.score, threshold })),
      rule,
    );
    healthyCycles += engine.windows.filter((window) => window.rul > healthyRul).length;
    falseAlerts += episodes.filter((episode) => rulAt.get(episode.openedCycle)! > healthyRul).length;
    if (episodes.length === 0) neverAlerted.push(engine.engineId);
    if (!engine.windows.some((window) => window.rul <= anomalyRul)) continue;

    failingEngines++;
    // The warning that counts: the first alert still open when the engine stops being healthy, or opened after.
    const firstUnhealthy = engine.windows.find((window) => window.rul <= healthyRul)!.cycle;
    const warning = episodes.find((episode) => (episode.closedCycle ?? Infinity) >= firstUnhealthy);
    if (warning !== undefined) leadTimes.push(rulAt.get(warning.openedCycle)!);
  }

  return {
    engines: engines.length,
    failingEngines,
    alertedBeforeFailure: leadTimes.length,
    alertedShare: failingEngines === 0 ? null : leadTimes.length / failingEngines,
    medianLeadTime: quantile(leadTimes, 0.5),
    p10LeadTime: quantile(leadTimes, 0.1),
    falseAlerts,
    healthyCycles,
    falseAlertsPer1000HealthyCycles: healthyCycles === 0 ? null : (1000 * falseAlerts) / healthyCycles,
    neverAlertedEngineIds: neverAlerted,
  };
}
