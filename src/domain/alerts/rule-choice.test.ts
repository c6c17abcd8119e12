import { DEFAULT_ALERT_RULE } from './alert-rule';
import { chooseAlertRule, RULE_CHOICE_GRID } from './rule-choice';
import type { LabelledEngine } from '../evaluation/engine-level';

const labels = { healthyRul: 100, anomalyRul: 30 };

/** An engine failing after `length` cycles, with these scores (threshold 1) at its last cycles. */
function engine(engineId: number, length: number, scoreAt: (rul: number) => number): LabelledEngine {
  return {
    engineId,
    windows: Array.from({ length }, (_, index) => ({ cycle: index + 1, rul: length - index - 1, score: scoreAt(length - index - 1) })),
  };
}

describe('chooseAlertRule', () => {
  it('keeps every failing engine the single-window rule alerts, with the fewest spurious alerts', () => {
    // Both degrade in their last 40 cycles; both have isolated healthy spikes that single windows alert on.
    const engines = [
      engine(1, 200, (rul) => (rul < 40 || rul === 150 || rul === 120 ? 1.5 : 0.5)),
      engine(2, 180, (rul) => (rul < 40 || rul === 160 ? 1.5 : 0.5)),
    ];
    const choice = chooseAlertRule(engines, 1, labels, DEFAULT_ALERT_RULE);
    expect(choice.candidates).toBe((RULE_CHOICE_GRID * RULE_CHOICE_GRID * (RULE_CHOICE_GRID + 1)) / 2);
    expect(choice).toMatchObject({ spuriousAlerts: 0, failingEngines: 2, alertedBeforeFailure: 2, cycles: 380 });
    // Two windows in a row are enough to ignore the spikes; the earliest such rule alerts at RUL 38.
    expect(choice.rule).toEqual({ ...DEFAULT_ALERT_RULE, k: 2, n: 2, m: 1 });
    expect(choice.medianLeadTime).toBe(38);
  });

  it('never trades a failing engine for fewer spurious alerts', () => {
    // Engine 2 only has windows above the threshold ten cycles apart: the single-window rule alerts it
    // before failure, so the chosen rule must too, whatever spurious alerts that costs on engine 1.
    const engines = [
      engine(1, 200, (rul) => (rul < 40 || rul === 150 ? 1.5 : 0.5)),
      engine(2, 180, (rul) => (rul % 10 === 0 && rul < 60 ? 1.5 : 0.5)),
    ];
    const choice = chooseAlertRule(engines, 1, labels, DEFAULT_ALERT_RULE);
    expect(choice.alertedBeforeFailure).toBe(2);
  });
});
