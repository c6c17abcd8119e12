import {
  alertEpisodes,
  changedAlertRule,
  DEFAULT_ALERT_RULE,
  excessOver,
  sameAlertRule,
  type AlertRuleSettings,
  type ScoredCycle,
} from './alert-rule';
import { AlertRuleInputError } from './errors';

const rule: AlertRuleSettings = {
  k: 2,
  n: 3,
  m: 2,
  serious: { excess: 0.5, windows: 4 },
  critical: { excess: 1, windows: 6 },
  drivingSensors: 2,
};

/** Windows at cycles 1, 2, ... with these scores against threshold 1. */
function sequence(scores: number[], contributions?: (cycle: number) => ScoredCycle['contributions']): ScoredCycle[] {
  return scores.map((score, index) => ({ cycle: index + 1, score, threshold: 1, contributions: contributions?.(index + 1) }));
}

describe('alertEpisodes', () => {
  it('opens when k of the last n windows exceed the threshold, not before', () => {
    // One window above, then two of three: opens at cycle 4.
    const episodes = alertEpisodes(sequence([0.5, 1.1, 0.9, 1.2, 1.1]), rule);
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({ openedCycle: 4, closedCycle: null, severity: 'WARNING', lastCycle: 5, exceedingWindows: 2 });
  });

  it('never opens on isolated spikes spaced more than n apart', () => {
    expect(alertEpisodes(sequence([1.5, 0.1, 0.1, 1.5, 0.1, 0.1, 1.5]), rule)).toEqual([]);
  });

  it('treats a score equal to the threshold as not above it', () => {
    expect(alertEpisodes(sequence([1, 1, 1, 1]), rule)).toEqual([]);
  });

  it('closes after m consecutive windows below and starts afresh', () => {
    const episodes = alertEpisodes(sequence([1.1, 1.1, 0.5, 1.1, 0.5, 0.5, 1.1, 0.5, 1.1, 1.1]), rule);
    // Opens at 2; 3 below, 4 above (run reset), 5 and 6 below: closed at 6. Then 7 above, 8 below, 9 above:
    // two of the last three windows since the close, so it opens again at 9.
    expect(episodes.map((episode) => [episode.openedCycle, episode.closedCycle])).toEqual([
      [2, 6],
      [9, null],
    ]);
    expect(episodes[0].exceedingWindows).toBe(2); // cycles 2 and 4: counted from the opening
  });

  it('raises the severity with how far the score exceeds the threshold, sustained over k of n windows', () => {
    // A single window at 2x does not make it CRITICAL; two of the last three at >= 1.5x make it SERIOUS, at >= 2x CRITICAL.
    const byExcessOnly = { ...rule, serious: { excess: 0.5, windows: 100 }, critical: { excess: 1, windows: 200 } };
    const episodes = alertEpisodes(sequence([1.1, 1.1, 2.5, 1.1, 1.6, 1.7, 2.1, 2.2]), byExcessOnly);
    expect(episodes[0].severityChanges).toEqual([
      { cycle: 2, severity: 'WARNING' },
      { cycle: 5, severity: 'SERIOUS' },
      { cycle: 8, severity: 'CRITICAL' },
    ]);
    expect(episodes[0].severity).toBe('CRITICAL');
    expect(episodes[0].peakScore).toBe(2.5);
  });

  it('raises the severity with how long the score stays above the threshold', () => {
    const episodes = alertEpisodes(sequence(Array(8).fill(1.05)), rule);
    // Opened at 2 with 1 window above since; 4 windows at cycle 5, 6 at cycle 7.
    expect(episodes[0].severityChanges).toEqual([
      { cycle: 2, severity: 'WARNING' },
      { cycle: 5, severity: 'SERIOUS' },
      { cycle: 7, severity: 'CRITICAL' },
    ]);
  });

  it('never lowers the severity while the alert is open', () => {
    const episodes = alertEpisodes(sequence([2.5, 2.5, 1.1, 1.1, 1.1]), rule);
    expect(episodes[0].severity).toBe('CRITICAL');
    expect(episodes[0].severityChanges).toEqual([
      { cycle: 2, severity: 'WARNING' },
      { cycle: 2, severity: 'CRITICAL' },
    ]);
  });

  it('names the sensors with the largest shares over its windows above the threshold', () => {
    const contributions = (cycle: number) =>
      cycle === 3
        ? [{ sensor: 'sensor9', share: 1 }] // below the threshold: ignored
        : [
            { sensor: 'sensor2', share: 0.5 },
            { sensor: 'sensor4', share: 0.3 },
            { sensor: 'sensor7', share: 0.2 },
          ];
    const [episode] = alertEpisodes(sequence([1.1, 1.2, 0.5, 1.3], contributions), rule);
    expect(episode.drivingSensors.map((entry) => entry.sensor)).toEqual(['sensor2', 'sensor4']);
    expect(episode.drivingSensors[0].share).toBeCloseTo(0.5, 12);
  });

  it('gives the same alerts for the same windows (re-scoring is idempotent)', () => {
    const windows = sequence([0.2, 1.3, 1.4, 0.1, 2.2, 2.4, 0.3, 0.2, 0.1, 1.2]);
    expect(alertEpisodes(windows, rule)).toEqual(alertEpisodes([...windows], rule));
  });

  it('measures the excess over negative thresholds on their magnitude', () => {
    expect(excessOver(1.5, 1)).toBeCloseTo(0.5, 12);
    expect(excessOver(-1, -2)).toBeCloseTo(0.5, 12);
    expect(excessOver(0.25, 0)).toBe(0.25);
  });

  it('refuses unordered cycles, non-finite scores and inconsistent settings', () => {
    expect(() =>
      alertEpisodes([
        { cycle: 2, score: 1, threshold: 1 },
        { cycle: 2, score: 1, threshold: 1 },
      ]),
    ).toThrow(AlertRuleInputError);
    expect(() => alertEpisodes([{ cycle: 1, score: NaN, threshold: 1 }])).toThrow(AlertRuleInputError);
    expect(() => alertEpisodes([], { ...rule, k: 4 })).toThrow(AlertRuleInputError);
    expect(() => alertEpisodes([], { ...rule, m: 0 })).toThrow(AlertRuleInputError);
    expect(() => alertEpisodes([], { ...rule, critical: { excess: 0.2, windows: 6 } })).toThrow(AlertRuleInputError);
  });

  it('judges each window by the rule of its period, carrying an open alert across a change', () => {
    const strict = { ...rule, k: 3, n: 3, m: 3 };
    const scores = [1.1, 1.1, 0.5, 0.5, 1.1, 1.1, 1.1, 0.5, 0.5, 0.5];
    // Under `rule` alone: opens at 2, closes at 4 (two below), opens again at 6, closes at 9.
    expect(alertEpisodes(sequence(scores), rule).map((episode) => [episode.openedCycle, episode.closedCycle])).toEqual([
      [2, 4],
      [6, 9],
    ]);
    // `strict` from cycle 7: the windows before keep their alerts, the alert open at 7 stays open (no
    // second alert) and closes by strict's m, three windows below.
    const periods = [
      { fromCycle: 0, settings: rule },
      { fromCycle: 7, settings: strict },
    ];
    expect(alertEpisodes(sequence(scores), periods).map((episode) => [episode.openedCycle, episode.closedCycle])).toEqual([
      [2, 4],
      [6, 10],
    ]);
    // A rule change while no alert is open: the new rule looks back over the windows it has (cycles 5-7 above).
    expect(
      alertEpisodes(sequence([0.5, 0.5, 0.5, 0.5, 1.1, 1.1, 1.1]), [
        { fromCycle: 0, settings: { ...rule, k: 4, n: 4 } },
        { fromCycle: 7, settings: strict },
      ]).map((episode) => episode.openedCycle),
    ).toEqual([7]);
    expect(() => alertEpisodes(sequence([1]), [{ fromCycle: 2, settings: rule }])).toThrow(AlertRuleInputError);
    expect(() => alertEpisodes([], [])).toThrow(AlertRuleInputError);
  });

  it('changes some settings of a rule, keeping the others, and refuses inconsistent or unbounded ones', () => {
    const changed = changedAlertRule(DEFAULT_ALERT_RULE, { k: 2, n: 3, critical: { windows: 40 } });
    expect(changed).toEqual({ ...DEFAULT_ALERT_RULE, k: 2, n: 3, critical: { excess: 1, windows: 40 } });
    expect(sameAlertRule(changedAlertRule(DEFAULT_ALERT_RULE, null), DEFAULT_ALERT_RULE)).toBe(true);
    expect(sameAlertRule(changed, DEFAULT_ALERT_RULE)).toBe(false);
    expect(() => changedAlertRule(DEFAULT_ALERT_RULE, { k: 8 })).toThrow(AlertRuleInputError); // k > n 7
    expect(() => changedAlertRule(DEFAULT_ALERT_RULE, { n: 1_001, k: 1 })).toThrow(AlertRuleInputError);
    expect(() => changedAlertRule(DEFAULT_ALERT_RULE, { m: 0 })).toThrow(AlertRuleInputError);
    expect(() => changedAlertRule(DEFAULT_ALERT_RULE, { serious: { excess: Infinity } })).toThrow(AlertRuleInputError);
    expect(() => changedAlertRule(DEFAULT_ALERT_RULE, { serious: { windows: 31 } })).toThrow(AlertRuleInputError);
    expect(() => changedAlertRule(DEFAULT_ALERT_RULE, { k: 1.5 })).toThrow(AlertRuleInputError);
  });

  it('has consistent defaults', () => {
    expect(alertEpisodes(sequence([0.5, 0.5]), DEFAULT_ALERT_RULE)).toEqual([]);
  });
});
