import { EvaluationInputError } from './errors';
import { engineScoreTrajectories, zipScoredWindows } from './trajectories';

describe('engineScoreTrajectories', () => {
  const windows = zipScoredWindows({
    engineIds: [9, 3, 9, 3, 9],
    endCycles: [32, 31, 30, 30, 31],
    scores: [0.9, 0.2, 0.1, 0.5, 0.5],
    ruls: [20, 40, 22, 41, 21],
    labels: [1, 0, 1, 0, 1],
  });

  it('groups by engine (increasing id) and sorts each engine by cycle', () => {
    const trajectories = engineScoreTrajectories(windows);
    expect(trajectories.map((t) => t.engineId)).toEqual([3, 9]);
    expect(trajectories[0].points).toEqual([
      { cycle: 30, score: 0.5, rul: 41, label: 0 },
      { cycle: 31, score: 0.2, rul: 40, label: 0 },
    ]);
    expect(trajectories[1].points.map((p) => [p.cycle, p.score])).toEqual([
      [30, 0.1],
      [31, 0.5],
      [32, 0.9],
    ]);
    expect(trajectories[1].firstAlarm).toBeNull(); // no threshold given
  });

  it('finds the first cycle strictly above the threshold', () => {
    const [three, nine] = engineScoreTrajectories(windows, { threshold: 0.5 });
    expect(three.firstAlarm).toBeNull(); // 0.5 is not above 0.5
    expect(nine.firstAlarm).toEqual({ cycle: 32, score: 0.9, rul: 20, label: 1 });
    expect(engineScoreTrajectories(windows, { threshold: 0.3 })[1].firstAlarm?.cycle).toBe(31);
  });

  it('fills in null RUL and label when the columns are absent', () => {
    const rows = zipScoredWindows({ engineIds: [1], endCycles: [30], scores: [0.1] });
    expect(rows).toEqual([{ engineId: 1, endCycle: 30, score: 0.1, rul: null, label: null }]);
  });

  it('rejects duplicate cycles, non-finite scores and columns of different lengths', () => {
    expect(() => engineScoreTrajectories([...windows, windows[0]])).toThrow('engine 9 has two windows ending at cycle 32');
    expect(() => engineScoreTrajectories([{ ...windows[0], score: NaN }])).toThrow(EvaluationInputError);
    expect(() => zipScoredWindows({ engineIds: [1, 2], endCycles: [30], scores: [0.1, 0.2] })).toThrow(/different lengths/);
  });
});
