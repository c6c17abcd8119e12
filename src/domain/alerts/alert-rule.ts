// The k-of-n alert rule: turns an engine's sequence of scored windows into alerts, events someone can
// act on, instead of one flag per window. The rule and the choice of its defaults are documented in
// docs/alerts.md.
//
// - An alert opens at the window where at least k of the last n windows score above their threshold.
// - It closes at the m-th consecutive window at or below the threshold; the rule then starts afresh
//   (the windows before the close no longer count towards the next alert).
// - Its severity starts at WARNING and only rises while it is open: SERIOUS or CRITICAL when the
//   excess that at least k of the last n windows reach is large enough (how far), or when enough windows
//   have exceeded the threshold since it opened (how long).
// The result depends only on the sequence, so scoring the same windows again gives the same alerts.

import { AlertRuleInputError } from './errors';

export const SEVERITIES = ['WARNING', 'SERIOUS', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SensorContribution {
  sensor: string;
  /** The sensor's share of the window's score (non-negative; a window's shares sum to about 1). */
  share: number;
}

export interface ScoredCycle {
  /** The window's last cycle; a sequence is sorted by it, without repeats. */
  cycle: number;
  score: number;
  threshold: number;
  contributions?: readonly SensorContribution[];
}

export interface SeverityLevel {
  /** Excess over the threshold (see excessOver) that at least k of the last n windows reach. */
  excess: number;
  /** Windows above the threshold since the alert opened. */
  windows: number;
}

export interface AlertRuleSettings {
  /** Windows above the threshold, among the last n, that open an alert. */
  k: number;
  n: number;
  /** Consecutive windows at or below the threshold that close it. */
  m: number;
  /** Either reached makes the alert SERIOUS... */
  serious: SeverityLevel;
  /** ...or CRITICAL. */
  critical: SeverityLevel;
  /** Most driving sensors kept per alert. */
  drivingSensors: number;
}

/** Measured on the FD001 calibration engines (docs/alerts.md, `npm run bench:alert-rule`). */
export const DEFAULT_ALERT_RULE: Readonly<AlertRuleSettings> = Object.freeze({
  k: 4,
  n: 7,
  m: 5,
  serious: Object.freeze({ excess: 0.5, windows: 15 }),
  critical: Object.freeze({ excess: 1, windows: 30 }),
  drivingSensors: 3,
});

export interface SeverityChange {
  cycle: number;
  severity: Severity;
}

export interface AlertEpisode {
  openedCycle: number;
  /** The window that closed it; null while it is open. */
  closedCycle: number | null;
  /** The highest severity reached (severities only rise). */
  severity: Severity;
  /** Every rise, the opening WARNING first. */
  severityChanges: SeverityChange[];
  /** Windows above the threshold from its opening to its close (or the last window). */
  exceedingWindows: number;
  peakScore: number;
  /** The last window the rule has seen of it. */
  lastCycle: number;
  /** The sensors with the largest summed shares over its windows above the threshold, largest first. */
  drivingSensors: SensorContribution[];
}

/**
 * How far a score is above its threshold, relative to the threshold's size: score / threshold - 1 for a
 * positive threshold (0.5 = 1.5 times the threshold). Thresholds of some scoring methods are negative
 * (logits) or zero, so the excess is taken over |threshold| (1 when the threshold is 0).
 */
export function excessOver(score: number, threshold: number): number {
  const scale = threshold === 0 ? 1 : Math.abs(threshold);
  return (score - threshold) / scale;
}

/**
 * Upper bounds of the settings a client may give (per version): they keep the rule's work per window
 * bounded (it keeps the last n excesses) and catch typing slips; the defaults are far below them.
 */
export const ALERT_RULE_BOUNDS = Object.freeze({ n: 1_000, m: 10_000, windows: 1_000_000, excess: 1_000_000, drivingSensors: 100 });

export function assertAlertRuleSettings(settings: AlertRuleSettings): void {
  const { k, n, m, serious, critical, drivingSensors } = settings;
  const bounds = ALERT_RULE_BOUNDS;
  const integer = (value: number, minimum: number, maximum: number) => Number.isInteger(value) && value >= minimum && value <= maximum;
  if (!integer(k, 1, bounds.n) || !integer(n, 1, bounds.n) || k > n) {
    throw new AlertRuleInputError(`need integers 1 <= k <= n <= ${bounds.n}, got k ${k}, n ${n}`);
  }
  if (!integer(m, 1, bounds.m)) throw new AlertRuleInputError(`m must be an integer from 1 to ${bounds.m}, got ${m}`);
  if (!integer(drivingSensors, 0, bounds.drivingSensors)) {
    throw new AlertRuleInputError(`drivingSensors must be an integer from 0 to ${bounds.drivingSensors}, got ${drivingSensors}`);
  }
  for (const [name, level] of [
    ['serious', serious],
    ['critical', critical],
  ] as const) {
    if (!(level.excess > 0 && level.excess <= bounds.excess) || !integer(level.windows, 1, bounds.windows)) {
      throw new AlertRuleInputError(
        `${name} needs an excess in (0, ${bounds.excess}] and windows from 1 to ${bounds.windows}, got ${level.excess}, ${level.windows}`,
      );
    }
  }
  if (critical.excess < serious.excess || critical.windows < serious.windows) {
    throw new AlertRuleInputError('critical levels must not be below serious levels');
  }
}

export interface SeverityLevelChange {
  excess?: number | null;
  windows?: number | null;
}

/** Some of a rule's settings (a client's input); what is missing is taken from another rule. */
export interface AlertRuleChange {
  k?: number | null;
  n?: number | null;
  m?: number | null;
  serious?: SeverityLevelChange | null;
  critical?: SeverityLevelChange | null;
  drivingSensors?: number | null;
}

/** `base` with the settings `change` gives, checked (AlertRuleInputError when inconsistent or out of bounds). */
export function changedAlertRule(base: Readonly<AlertRuleSettings>, change: AlertRuleChange | null | undefined): AlertRuleSettings {
  const level = (from: SeverityLevel, given: SeverityLevelChange | null | undefined): SeverityLevel => ({
    excess: given?.excess ?? from.excess,
    windows: given?.windows ?? from.windows,
  });
  const settings: AlertRuleSettings = {
    k: change?.k ?? base.k,
    n: change?.n ?? base.n,
    m: change?.m ?? base.m,
    serious: level(base.serious, change?.serious),
    critical: level(base.critical, change?.critical),
    drivingSensors: change?.drivingSensors ?? base.drivingSensors,
  };
  assertAlertRuleSettings(settings);
  return settings;
}

/** Whether two rules have the same settings. */
export function sameAlertRule(a: AlertRuleSettings, b: AlertRuleSettings): boolean {
  return (
    a.k === b.k &&
    a.n === b.n &&
    a.m === b.m &&
    a.drivingSensors === b.drivingSensors &&
    a.serious.excess === b.serious.excess &&
    a.serious.windows === b.serious.windows &&
    a.critical.excess === b.critical.excess &&
    a.critical.windows === b.critical.windows
  );
}

/**
 * The rule in force from a window on: a version's rule changed by an operator applies to an engine's
 * windows after the last one scored at the change, the earlier ones keep the rule they were judged by.
 */
export interface AlertRulePeriod {
  fromCycle: number;
  settings: AlertRuleSettings;
}

function assertSequence(sequence: readonly ScoredCycle[]): void {
  sequence.forEach((point, index) => {
    if (!Number.isFinite(point.score) || !Number.isFinite(point.threshold)) {
      throw new AlertRuleInputError(`cycle ${point.cycle}: score and threshold must be finite`);
    }
    if (index > 0 && point.cycle <= sequence[index - 1].cycle) {
      throw new AlertRuleInputError(`cycles must increase: ${sequence[index - 1].cycle} then ${point.cycle}`);
    }
  });
}

/** The k-th largest value (k >= 1) of the list, or -Infinity when it is shorter than k. */
function kthLargest(values: readonly number[], k: number): number {
  if (values.length < k) return -Infinity;
  return [...values].sort((a, b) => b - a)[k - 1];
}

const rank = (severity: Severity) => SEVERITIES.indexOf(severity);

function severityOf(settings: AlertRuleSettings, sustainedExcess: number, windows: number): Severity {
  const reaches = (level: SeverityLevel) => sustainedExcess >= level.excess || windows >= level.windows;
  if (reaches(settings.critical)) return 'CRITICAL';
  if (reaches(settings.serious)) return 'SERIOUS';
  return 'WARNING';
}

function topSensors(shares: Map<string, number>, count: number): SensorContribution[] {
  const total = [...shares.values()].reduce((sum, share) => sum + share, 0);
  return [...shares.entries()]
    .sort(([nameA, a], [nameB, b]) => b - a || nameA.localeCompare(nameB))
    .slice(0, count)
    .map(([sensor, share]) => ({ sensor, share: total === 0 ? 0 : share / total }));
}

/**
 * The alerts of one engine's sequence of scored windows (sorted by cycle), in the order they opened.
 * Given periods (sorted by fromCycle, the first covering the first window), each window is judged by the
 * rule of its period; at a change the state carries over: an open alert stays open (and closes by the
 * new m), the new rule looks back over the last n windows it has.
 */
export function alertEpisodes(
  sequence: readonly ScoredCycle[],
  rule: AlertRuleSettings | readonly AlertRulePeriod[] = DEFAULT_ALERT_RULE,
): AlertEpisode[] {
  const periods = 'k' in rule ? [{ fromCycle: -Infinity, settings: rule }] : rule;
  if (periods.length === 0) throw new AlertRuleInputError('need at least one rule period');
  periods.forEach((period, index) => {
    assertAlertRuleSettings(period.settings);
    if (index > 0 && !(period.fromCycle > periods[index - 1].fromCycle))
      throw new AlertRuleInputError('rule periods must be sorted by fromCycle');
  });
  assertSequence(sequence);
  if (sequence.length > 0 && sequence[0].cycle < periods[0].fromCycle) {
    throw new AlertRuleInputError(`no rule period covers cycle ${sequence[0].cycle}`);
  }
  let period = 0;
  let settings = periods[0].settings;
  const episodes: (AlertEpisode & { shares: Map<string, number> })[] = [];
  // Excess of each of the last n windows (negative at or below the threshold).
  let recent: number[] = [];
  let open: (AlertEpisode & { shares: Map<string, number> }) | null = null;
  let belowRun = 0;

  for (const point of sequence) {
    while (period + 1 < periods.length && periods[period + 1].fromCycle <= point.cycle) settings = periods[++period].settings;
    const excess = excessOver(point.score, point.threshold);
    const above = excess > 0;
    recent.push(excess);
    if (recent.length > settings.n) recent = recent.slice(-settings.n);

    if (open === null) {
      if (recent.filter((value) => value > 0).length < settings.k) continue;
      open = {
        openedCycle: point.cycle,
        closedCycle: null,
        severity: 'WARNING',
        severityChanges: [{ cycle: point.cycle, severity: 'WARNING' }],
        exceedingWindows: 0,
        peakScore: point.score,
        lastCycle: point.cycle,
        drivingSensors: [],
        shares: new Map(),
      };
      episodes.push(open);
      belowRun = 0;
    }

    open.lastCycle = point.cycle;
    open.peakScore = Math.max(open.peakScore, point.score);
    if (above) {
      belowRun = 0;
      open.exceedingWindows++;
      for (const { sensor, share } of point.contributions ?? []) open.shares.set(sensor, (open.shares.get(sensor) ?? 0) + share);
    } else {
      belowRun++;
    }
    const severity = severityOf(settings, kthLargest(recent, settings.k), open.exceedingWindows);
    if (rank(severity) > rank(open.severity)) {
      open.severity = severity;
      open.severityChanges.push({ cycle: point.cycle, severity });
    }
    if (belowRun >= settings.m) {
      open.closedCycle = point.cycle;
      open = null;
      recent = [];
    }
  }

  // Each alert names as many sensors as the rule in force at its last window says.
  return episodes.map(({ shares, ...episode }) => ({
    ...episode,
    drivingSensors: topSensors(shares, settingsAt(periods, episode.closedCycle ?? episode.lastCycle).drivingSensors),
  }));
}

function settingsAt(periods: readonly AlertRulePeriod[], cycle: number): AlertRuleSettings {
  let settings = periods[0].settings;
  for (const period of periods) if (period.fromCycle <= cycle) settings = period.settings;
  return settings;
}
