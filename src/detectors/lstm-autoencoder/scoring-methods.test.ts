import { EvaluationInputError } from '../../domain/evaluation/errors';
import {
  applyScoringMethod,
  calibrateMethodThreshold,
  DEFAULT_CALIBRATION_RECALL,
  DEFAULT_L2,
  DEFAULT_SCORING_METHOD,
  DEGRADATION_CALIBRATION_RECALL,
  fitScoringMethod,
  L2_CANDIDATES,
  parseScoringMethod,
  RATIO_FLOOR,
  SCALE_FLOOR_FRACTION,
  typicalSensorErrors,
  type ScoringMethod,
} from './scoring-methods';
import { rankScores, rocAucFromRanking } from '../../domain/evaluation/curves';
import { quantile } from '../../domain/evaluation/threshold';
import seedrandom from 'seedrandom';

const exp = Math.exp;

describe('reconstruction-error (the default)', () => {
  it('is the mean of the per-sensor errors of each window', () => {
    const errors = Float32Array.from([1, 2, 3, 0, 0, 6, 0.5, 0.25, 0.75]);
    const scores = applyScoringMethod(DEFAULT_SCORING_METHOD, { sensorErrors: errors, features: 3 });
    expect(Array.from(scores)).toEqual([2, 2, 0.5]);
    expect(scores).toBeInstanceOf(Float64Array);
  });

  it('is what fitScoringMethod gives by default, with no parameter', () => {
    const method = fitScoringMethod('reconstruction-error', { features: 2, train: { sensorErrors: Float32Array.from([1, 2]) } });
    expect(method).toEqual({ kind: 'reconstruction-error' });
    expect(DEFAULT_SCORING_METHOD).toEqual({ kind: 'reconstruction-error' });
  });

  it('returns the window errors of the forward pass as they are when given (the reference score, bit for bit)', () => {
    // float32 window errors that differ in the last bits from the float64 mean of the sensor errors
    const windowErrors = Float32Array.from([0.1, 0.7]);
    const scores = applyScoringMethod(DEFAULT_SCORING_METHOD, {
      sensorErrors: Float64Array.from([0.1, 0.1, 0.7, 0.7]),
      windowErrors,
      features: 2,
    });
    expect(Array.from(scores)).toEqual([Math.fround(0.1), Math.fround(0.7)]);
    expect(() =>
      applyScoringMethod(DEFAULT_SCORING_METHOD, { sensorErrors: Float64Array.from([1, 1, 1, 1]), windowErrors: [1], features: 2 }),
    ).toThrow('1 window errors for 2 windows');
  });

  it('scores only `count` windows when the buffer is longer', () => {
    const scores = applyScoringMethod(DEFAULT_SCORING_METHOD, { sensorErrors: Float64Array.from([2, 4, 100, 100]), features: 2, count: 1 });
    expect(Array.from(scores)).toEqual([3]);
  });
});

describe('typicalSensorErrors', () => {
  it('is the mean error of each sensor over the windows', () => {
    // two windows of three sensors
    expect(typicalSensorErrors(Float32Array.from([1, 2, 4, 3, 6, 8]), 3)).toEqual([2, 4, 6]);
  });

  it('floors a sensor with zero typical error at a small fraction of the mean over the sensors', () => {
    const scale = typicalSensorErrors(Float64Array.from([0, 2, 0, 4]), 2); // means 0 and 3, overall 1.5
    expect(scale[1]).toBe(3);
    expect(scale[0]).toBeCloseTo(1.5 * SCALE_FLOOR_FRACTION, 20);
    expect(scale[0]).toBeGreaterThan(0);
  });

  it('refuses all-zero, negative, non-finite or ragged errors', () => {
    expect(() => typicalSensorErrors(Float64Array.from([0, 0, 0, 0]), 2)).toThrow('zero typical error');
    expect(() => typicalSensorErrors(Float64Array.from([1, -1]), 2)).toThrow(EvaluationInputError);
    expect(() => typicalSensorErrors(Float64Array.from([1, NaN]), 2)).toThrow(EvaluationInputError);
    expect(() => typicalSensorErrors(Float64Array.from([1, 2, 3]), 2)).toThrow('not a positive multiple');
    expect(() => typicalSensorErrors(new Float64Array(0), 2)).toThrow(EvaluationInputError);
  });
});

describe('fitScoringMethod', () => {
  const train = { sensorErrors: Float32Array.from([1, 2, 4, 8, 16, 3, 6, 8, 4, 16]) }; // 2 windows x 5 sensors

  it('derives the sensor scales from the training errors given, and nothing else', () => {
    const a = fitScoringMethod({ kind: 'normalised-error', trim: 1 }, { features: 5, train });
    expect(a).toEqual({ kind: 'normalised-error', sensorScale: [2, 4, 6, 6, 16], trim: 1, calibrationRecall: DEFAULT_CALIBRATION_RECALL });
    // same inputs, same method; other training errors, other scales
    expect(fitScoringMethod({ kind: 'normalised-error', trim: 1 }, { features: 5, train })).toEqual(a);
    const other = fitScoringMethod(
      { kind: 'normalised-error', trim: 1 },
      { features: 5, train: { sensorErrors: Float32Array.from([1, 1, 1, 1, 1]) } },
    );
    expect(other).toEqual({ kind: 'normalised-error', sensorScale: [1, 1, 1, 1, 1], trim: 1, calibrationRecall: 0.95 });
    expect(fitScoringMethod({ kind: 'normalised-error', calibrationRecall: 0.9 }, { features: 5, train })).toMatchObject({
      trim: 2,
      calibrationRecall: 0.9,
    });
  });

  it('gives JSON-safe descriptions that survive a round trip through JSON and parseScoringMethod', () => {
    const methods: ScoringMethod[] = [
      fitScoringMethod('reconstruction-error', { features: 5, train }),
      fitScoringMethod({ kind: 'normalised-error', trim: 2 }, { features: 5, train }),
      fitScoringMethod({ kind: 'normalised-error', trim: 0, calibrationRecall: 1 }, { features: 5, train }),
    ];
    for (const method of methods) {
      const stored = JSON.parse(JSON.stringify(method)) as unknown;
      expect(stored).toEqual(method);
      expect(parseScoringMethod(stored, 5)).toEqual(method);
    }
  });

  it('validates its options', () => {
    expect(() => fitScoringMethod({ kind: 'normalised-error', trim: 3 }, { features: 5, train })).toThrow('2 trim must be below');
    expect(() => fitScoringMethod({ kind: 'normalised-error', calibrationRecall: 0 }, { features: 5, train })).toThrow('calibrationRecall');
    expect(() => fitScoringMethod({ kind: 'normalised-error', calibrationRecall: 1.5 }, { features: 5, train })).toThrow(
      'calibrationRecall',
    );
    expect(() => fitScoringMethod('trend-forecast' as never, { features: 5, train })).toThrow('unknown scoring method "trend-forecast"');
    expect(() => fitScoringMethod('isolation' as never, { features: 5, train })).toThrow('unknown scoring method "isolation"');
  });

  it('parseScoringMethod rejects malformed stored descriptions', () => {
    expect(() => parseScoringMethod(null, 2)).toThrow(EvaluationInputError);
    expect(() => parseScoringMethod({ kind: 'normalised-error', sensorScale: [1], trim: 0, calibrationRecall: 0.95 }, 2)).toThrow(
      'sensorScale',
    );
    expect(() => parseScoringMethod({ kind: 'normalised-error', sensorScale: [1, 0], trim: 0, calibrationRecall: 0.95 }, 2)).toThrow(
      'sensorScale',
    );
    expect(() => parseScoringMethod({ kind: 'normalised-error', sensorScale: [1, 1], trim: 0 }, 2)).toThrow('calibrationRecall');
    expect(() => parseScoringMethod({ kind: 'other' }, 2)).toThrow('unknown scoring method');
  });
});

describe('normalised-error', () => {
  it('is the trimmed mean of the log ratios of each sensor error to its scale', () => {
    const method: ScoringMethod = { kind: 'normalised-error', sensorScale: [1, 2, 4, 1, 1], trim: 1, calibrationRecall: 0.95 };
    // log ratios 1, 2, -1, 3, 0 -> sorted -1 0 1 2 3 -> middle 0 1 2 -> 1
    const errors = Float64Array.from([exp(1), 2 * exp(2), 4 * exp(-1), exp(3), 1]);
    expect(applyScoringMethod(method, { sensorErrors: errors, features: 5 })[0]).toBeCloseTo(1, 12);
    // without trimming: the plain mean of the five, 1
    expect(applyScoringMethod({ ...method, trim: 0 }, { sensorErrors: errors, features: 5 })[0]).toBeCloseTo(1, 12);
    // one sensor far off is trimmed away: ratio e^50 on the last sensor -> sorted -1 1 2 3 50 -> 2
    const outlier = Float64Array.from([exp(1), 2 * exp(2), 4 * exp(-1), exp(3), exp(50)]);
    expect(applyScoringMethod(method, { sensorErrors: outlier, features: 5 })[0]).toBeCloseTo(2, 12);
    expect(applyScoringMethod({ ...method, trim: 0 }, { sensorErrors: outlier, features: 5 })[0]).toBeCloseTo(11, 12);
  });

  it('floors a zero error instead of taking log(0)', () => {
    const method: ScoringMethod = { kind: 'normalised-error', sensorScale: [1, 1, 1], trim: 0, calibrationRecall: 0.95 };
    const score = applyScoringMethod(method, { sensorErrors: Float64Array.from([0, 1, 1]), features: 3 })[0];
    expect(score).toBeCloseTo(Math.log(RATIO_FLOOR) / 3, 12);
    expect(Number.isFinite(score)).toBe(true);
  });

  it('refuses scales of another sensor count', () => {
    const method: ScoringMethod = { kind: 'normalised-error', sensorScale: [1, 1], trim: 0, calibrationRecall: 0.95 };
    expect(() => applyScoringMethod(method, { sensorErrors: Float64Array.from([1, 1, 1]), features: 3 })).toThrow('2 sensor scales');
  });
});

describe('degradation-logistic', () => {
  // Healthy training windows of 3 sensors (typical errors 1, 2, 4), and labelled trajectory windows where,
  // near failure, sensor 0's error tends to rise and sensor 1 tends to drift low over the last steps; both
  // overlap between the classes, and sensor 2 is noise.
  const train = { sensorErrors: Float64Array.from([1, 2, 4, 1, 2, 4]) };
  const residuals = (recent: number[][], whole: number[][]) => ({
    recentResiduals: Float64Array.from(recent.flat()),
    windowResiduals: Float64Array.from(whole.flat()),
    recentSteps: 4,
  });
  const trajectoriesOf = (seed: string, count: number) => {
    const random = seedrandom.alea(seed);
    const errorRows: number[][] = [];
    const recentRows: number[][] = [];
    const windowRows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < count; i++) {
      const anomalous = i % 4 === 0 ? 1 : 0;
      const level = (anomalous ? 1.5 : 0.5) + 2 * random();
      const drift = (anomalous ? -1 : -0.2) + 1.2 * random(); // sensor 1's recent residual
      errorRows.push([level, 2 * (0.8 + 0.4 * random()), 4 * (0.8 + 0.4 * random())]);
      recentRows.push([0.2 * random() - 0.1, drift, 0.2 * random() - 0.1]);
      windowRows.push([0.2 * random() - 0.1, drift / 3 + 0.2 * random() - 0.1, 0.2 * random() - 0.1]);
      labels.push(anomalous);
    }
    return { sensorErrors: Float64Array.from(errorRows.flat()), ...residuals(recentRows, windowRows), labels };
  };
  const trainTrajectories = trajectoriesOf('degradation-logistic', 200);
  const { labels } = trainTrajectories;

  it('regresses the anomaly labels of the training trajectories on log error ratios and signed recent and window residuals', () => {
    const method = fitScoringMethod('degradation-logistic', { features: 3, train, trainTrajectories });
    if (method.kind !== 'degradation-logistic') throw new Error('wrong kind');
    expect(method).toMatchObject({
      sensorScale: [1, 2, 4],
      recentSteps: 4,
      l2: DEFAULT_L2,
      calibrationRecall: DEGRADATION_CALIBRATION_RECALL,
    });
    expect(method.coefficients).toHaveLength(9);
    // sensor 0's error ratio weighs upwards; sensor 1's recent residual downwards: the direction of the drift
    expect(method.coefficients[0]).toBeGreaterThan(0);
    expect(method.coefficients[4]).toBeLessThan(0);
    // the score is the log-odds: intercept + coefficients . [ln(e / scale), recent residuals, window residuals]
    const window = { sensorErrors: Float64Array.from([2, 2, 8]), ...residuals([[0.1, -0.5, 0]], [[0, 0.2, 0.3]]), features: 3 };
    const regressors = [Math.log(2), 0, Math.log(2), 0.1, -0.5, 0, 0, 0.2, 0.3];
    const expected = regressors.reduce((sum, value, k) => sum + method.coefficients[k] * value, method.intercept);
    expect(applyScoringMethod(method, window)[0]).toBeCloseTo(expected, 12);
    // ranks the anomalous training windows above the others on the whole
    const scores = applyScoringMethod(method, { ...trainTrajectories, features: 3 });
    const mean = (label: number) =>
      scores.filter((_, i) => labels[i] === label).reduce((a, b) => a + b, 0) / labels.filter((l) => l === label).length;
    expect(mean(1)).toBeGreaterThan(mean(0));
    // stored and read back unchanged
    expect(parseScoringMethod(JSON.parse(JSON.stringify(method)), 3)).toEqual(method);
  });

  it('tells a drift towards failure from the same squared error the other way', () => {
    const method = fitScoringMethod({ kind: 'degradation-logistic', l2: 1e-3 }, { features: 3, train, trainTrajectories });
    const towards = { sensorErrors: Float64Array.from([1, 2, 4]), ...residuals([[0, -0.8, 0]], [[0, -0.27, 0]]), features: 3 };
    const away = { ...towards, ...residuals([[0, 0.8, 0]], [[0, 0.27, 0]]) };
    expect(applyScoringMethod(method, towards)[0]).toBeGreaterThan(applyScoringMethod(method, away)[0] + 1);
  });

  it('keeps the L2 penalty that ranks the calibration trajectories best when none is requested', () => {
    const calibrationTrajectories = trajectoriesOf('calibration engines', 80);
    const method = fitScoringMethod('degradation-logistic', { features: 3, train, trainTrajectories, calibrationTrajectories });
    const rocAuc = (fitted: ScoringMethod) =>
      rocAucFromRanking(
        rankScores(calibrationTrajectories.labels, applyScoringMethod(fitted, { ...calibrationTrajectories, features: 3 })),
      )!;
    const candidates = L2_CANDIDATES.map((l2) =>
      fitScoringMethod({ kind: 'degradation-logistic', l2 }, { features: 3, train, trainTrajectories }),
    );
    const best = Math.max(...candidates.map(rocAuc));
    expect(candidates.find((candidate) => rocAuc(candidate) === best)).toEqual(method);
    // a requested penalty is kept, and without calibration trajectories the default is
    const requested = fitScoringMethod(
      { kind: 'degradation-logistic', l2: 0.5 },
      { features: 3, train, trainTrajectories, calibrationTrajectories },
    );
    expect(requested).toMatchObject({ l2: 0.5 });
    expect(fitScoringMethod('degradation-logistic', { features: 3, train, trainTrajectories })).toMatchObject({ l2: DEFAULT_L2 });
    const oneClass = { ...calibrationTrajectories, labels: calibrationTrajectories.labels.map(() => 0) };
    expect(() =>
      fitScoringMethod('degradation-logistic', { features: 3, train, trainTrajectories, calibrationTrajectories: oneClass }),
    ).toThrow('anomalous and normal windows');
  });

  it('scores a version stored before the L2 penalty was chosen exactly as before', () => {
    const stored = {
      kind: 'degradation-logistic',
      sensorScale: [1, 2, 4],
      coefficients: [1, 2, -1, 0.5, -2, 0, 0.25, 1, -0.5],
      intercept: -0.5,
      recentSteps: 4,
      l2: 1e-5,
      calibrationRecall: 0.97,
    };
    const method = parseScoringMethod(stored, 3);
    expect(method).toEqual(stored);
    const window = { sensorErrors: Float64Array.from([2, 2, 8]), ...residuals([[0.1, -0.5, 0]], [[0, 0.2, 0.3]]), features: 3 };
    const regressors = [Math.log(2), 0, Math.log(2), 0.1, -0.5, 0, 0, 0.2, 0.3];
    const expected = regressors.reduce((sum, value, k) => sum + stored.coefficients[k] * value, stored.intercept);
    expect(applyScoringMethod(method, window)[0]).toBeCloseTo(expected, 12);
  });

  it('scores a version stored before the residuals from its log error ratios only', () => {
    const stored = {
      kind: 'degradation-logistic',
      sensorScale: [1, 2, 4],
      coefficients: [1, 2, -1],
      intercept: 0.5,
      l2: 1e-3,
      calibrationRecall: 0.95,
    };
    const method = parseScoringMethod(stored, 3);
    expect(method).toEqual(stored);
    const scores = applyScoringMethod(method, { sensorErrors: Float64Array.from([2, 2, 8]), features: 3 });
    expect(scores[0]).toBeCloseTo(0.5 + Math.log(2) - Math.log(2), 12);
  });

  it('needs the labelled training trajectories and the residuals, and refuses a malformed stored description', () => {
    expect(() => fitScoringMethod('degradation-logistic', { features: 3, train })).toThrow('labelled trajectories of the training engines');
    expect(() =>
      fitScoringMethod('degradation-logistic', {
        features: 3,
        train,
        trainTrajectories: { ...trainTrajectories, labels: labels.slice(1) },
      }),
    ).toThrow('labelled windows');
    const method = fitScoringMethod('degradation-logistic', { features: 3, train, trainTrajectories });
    expect(() => applyScoringMethod(method, { sensorErrors: Float64Array.from([1, 2, 4]), features: 3 })).toThrow('signed residuals');
    const window = { sensorErrors: Float64Array.from([1, 2, 4]), ...residuals([[0, 0, 0]], [[0, 0, 0]]), features: 3 };
    expect(() => applyScoringMethod(method, { ...window, recentSteps: 5 })).toThrow("recent residuals span 4 steps, the windows' 5");
    expect(() => applyScoringMethod(method, { ...window, recentResiduals: Float64Array.from([0, NaN, 0]) })).toThrow('not finite');
    const stored = {
      kind: 'degradation-logistic',
      sensorScale: [1, 2, 4],
      coefficients: [1, 2],
      intercept: 0,
      l2: 1e-3,
      calibrationRecall: 0.95,
    };
    expect(() => parseScoringMethod(stored, 3)).toThrow('3 finite coefficients');
    expect(() => parseScoringMethod({ ...stored, recentSteps: 4, coefficients: [1, 2, 3] }, 3)).toThrow('9 finite coefficients');
    expect(() => parseScoringMethod({ ...stored, recentSteps: 0, coefficients: Array(9).fill(1) }, 3)).toThrow('recentSteps');
    expect(() => parseScoringMethod({ ...stored, coefficients: [1, 2, 3], intercept: null }, 3)).toThrow('intercept');
  });
});

describe('calibrateMethodThreshold', () => {
  const healthy = Float64Array.from({ length: 101 }, (_, i) => i / 100); // 0, 0.01, ..., 1
  // A labelled trajectory: 10 anomalous windows scoring 10..19, 20 others scoring 0..19 (some above the anomalous).
  const scores = [...Array.from({ length: 10 }, (_, i) => 10 + i), ...Array.from({ length: 20 }, (_, i) => i)];
  const labels = [...Array<number>(10).fill(1), ...Array<number>(20).fill(0)];

  it('is the requested quantile of the healthy calibration scores for reconstruction-error, whatever the trajectories', () => {
    expect(calibrateMethodThreshold(DEFAULT_SCORING_METHOD, { healthy }, 0.99)).toBe(quantile(healthy, 0.99));
    expect(calibrateMethodThreshold(DEFAULT_SCORING_METHOD, { healthy, trajectories: { scores, labels } }, 0.9)).toBe(
      quantile(healthy, 0.9),
    );
  });

  it('flags the target share of the labelled anomalous windows for normalised-error, ignoring the quantile', () => {
    const method: ScoringMethod = { kind: 'normalised-error', sensorScale: [1], trim: 0, calibrationRecall: 0.95 };
    // 95% of 10 anomalous windows needs all 10: the lowest scores 10 (tied with a normal window), so the cut is below 10
    expect(calibrateMethodThreshold(method, { healthy, trajectories: { scores, labels } }, 0.99)).toBe(9.5);
    // 50%: the five highest anomalous windows (15..19, each tied with a normal one) -> cut between 15 and 14
    expect(calibrateMethodThreshold({ ...method, calibrationRecall: 0.5 }, { healthy, trajectories: { scores, labels } }, 0.99)).toBe(14.5);
    expect(() => calibrateMethodThreshold(method, { healthy }, 0.99)).toThrow('labelled calibration trajectories');
  });
});

describe('input validation', () => {
  it('refuses negative or non-finite errors and short buffers', () => {
    expect(() => applyScoringMethod(DEFAULT_SCORING_METHOD, { sensorErrors: Float64Array.from([1, -1]), features: 2 })).toThrow(
      EvaluationInputError,
    );
    expect(() => applyScoringMethod(DEFAULT_SCORING_METHOD, { sensorErrors: Float64Array.from([1, NaN]), features: 2 })).toThrow(
      EvaluationInputError,
    );
    expect(() => applyScoringMethod(DEFAULT_SCORING_METHOD, { sensorErrors: Float64Array.from([1, 2]), features: 2, count: 2 })).toThrow(
      'need 4',
    );
  });
});
