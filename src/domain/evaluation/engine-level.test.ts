import type { AlertRuleSettings } from '../alerts/alert-rule';
import { engineLevelMetrics, labelledEngines, quantile, type LabelledEngine } from './engine-level';
import { EvaluationInputError } from './errors';

const rule: AlertRuleSettings = {
  k: 2,
  n: 3,
  m: 2,
  serious: { excess: 0.5, windows: 4 },
  critical: { excess: 1, windows: 6 },
  drivingSensors: 3,
};
const labels = { healthyRul: 10, anomalyRul: 3 };

/** A run-to-failure engine: windows at cycles 1..scores.length, RUL scores.length - cycle. */
function engine(engineId: number, scores: number[]): LabelledEngine {
  return { engineId, windows: scores.map((score, index) => ({ cycle: index + 1, score, rul: scores.length - index - 1 })) };
}

describe('engineLevelMetrics', () => {
  it('measures alerted failing engines, lead times, false alerts and never-alerted engines', () => {
    const low = (count: number) => Array<number>(count).fill(0.1);
    const engines = [
      // 20 cycles, RUL 19..0; healthy (RUL > 10) cycles 1-9. Above from cycle 13 (RUL 7): opens at 14, lead time 6.
      engine(1, [...low(12), ...Array<number>(8).fill(2)]),
      // A false alert opened at cycle 3 (RUL 17) and closed at 5; then opens at 17 (RUL 3): lead time 3.
      engine(2, [0.1, 2, 2, 0.1, 0.1, ...low(10), 2, 2, 2, 2, 2]),
      // A false alert opened at cycle 3 and still open when the engine stops being healthy: it counts, lead time 17.
      engine(3, [0.1, 2, 2, ...Array<number>(17).fill(2)]),
      // Never alerted.
      engine(4, low(20)),
    ];
    const metrics = engineLevelMetrics(engines, 1, labels, rule);
    expect(metrics).toEqual({
      engines: 4,
      failingEngines: 4,
      alertedBeforeFailure: 3,
      alertedShare: 0.75,
      medianLeadTime: 6,
      p10LeadTime: quantile([3, 6, 17], 0.1),
      falseAlerts: 2,
      healthyCycles: 4 * 9,
      falseAlertsPer1000HealthyCycles: (1000 * 2) / 36,
      neverAlertedEngineIds: [4],
    });
  });

  it('does not count an engine that never comes within anomalyRul of failure as failing', () => {
    // Truncated engine: RUL 30..21, all healthy, one false alert.
    const truncated = { engineId: 5, windows: [2, 2, 0.1].map((score, index) => ({ cycle: index + 1, score, rul: 30 - index })) };
    const metrics = engineLevelMetrics([truncated], 1, labels, rule);
    expect(metrics).toMatchObject({ failingEngines: 0, alertedShare: null, medianLeadTime: null, falseAlerts: 1, healthyCycles: 3 });
  });

  it('groups window columns by engine, sorted by cycle', () => {
    const engines = labelledEngines({ engineIds: [7, 3, 7], endCycles: [31, 30, 30], scores: [0.2, 0.5, 0.1], ruls: [5, 9, 6] });
    expect(engines).toEqual([
      {
        engineId: 7,
        windows: [
          { cycle: 30, score: 0.1, rul: 6 },
          { cycle: 31, score: 0.2, rul: 5 },
        ],
      },
      { engineId: 3, windows: [{ cycle: 30, score: 0.5, rul: 9 }] },
    ]);
    expect(() => labelledEngines({ engineIds: [1], endCycles: [30], scores: [0], ruls: [null] })).toThrow(EvaluationInputError);
  });

  it('interpolates quantiles linearly between order statistics', () => {
    expect(quantile([10, 0, 30, 20], 0.5)).toBe(15);
    expect(quantile([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.1)).toBe(10);
    expect(quantile([1, 2], 0.1)).toBeCloseTo(1.1, 12);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('refuses inconsistent labels and non-finite thresholds', () => {
    expect(() => engineLevelMetrics([], 1, { healthyRul: 3, anomalyRul: 3 })).toThrow(EvaluationInputError);
    expect(() => engineLevelMetrics([], NaN, labels)).toThrow(EvaluationInputError);
  });
});
