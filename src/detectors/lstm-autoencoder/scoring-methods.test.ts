import { EvaluationInputError } from '../../domain/evaluation/errors';
import {
  applyScoringMethod,
  calibrateMethodThreshold,
  DEFAULT_CALIBRATION_RECALL,
  DEFAULT_L2,
  DEFAULT_SCORING_METHOD,
  CROSS_FIT_CALIBRATION_RECALL,
  CROSS_FIT_FOLDS,
  DEGRADATION_CALIBRATION_RECALL,
  fitScoringMethod,
  fitScoringMethodWithScores,
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
  // One window with the residual slopes and input summaries, and its regressors (before any look-back).
  const summarisedWindow = () => ({
    sensorErrors: Float64Array.from([2, 2, 8]),
    ...residuals([[0.1, -0.5, 0]], [[0, 0.2, 0.3]]),
    residualSlopes: Float64Array.from([0.01, 0, 0.2]),
    recentInputs: Float64Array.from([1.5, -0.5, 0]),
    inputSlopes: Float64Array.from([0.2, 0, -0.1]),
    inputDeviations: Float64Array.from([0.8, 1, 1.2]),
    features: 3,
  });
  const summarisedRegressors = [
    ...[Math.log(2), 0, Math.log(2), 0.1, -0.5, 0, 0, 0.2, 0.3, 0.01, 0, 0.2],
    ...[1.5, -0.5, 0, 0.2, 0, -0.1, 0.8, 1, 1.2],
  ];

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

  // 12 training and 4 calibration engines of 25 windows each (engine ids 100 + i), the label pattern above.
  const engineIds = (first: number, count: number) => Array.from({ length: count }, (_, i) => 100 + first + Math.floor(i / 25));
  const crossFitInputs = () => ({
    features: 3,
    train,
    trainTrajectories: { ...trajectoriesOf('training engines', 300), engines: engineIds(0, 300) },
    calibrationTrajectories: { ...trajectoriesOf('calibration engines', 100), engines: engineIds(12, 100) },
  });

  it('cross-fits on the training and calibration engines together when their engines are given', () => {
    const inputs = crossFitInputs();
    const { method, outOfFold } = fitScoringMethodWithScores('degradation-logistic', inputs);
    if (method.kind !== 'degradation-logistic' || outOfFold === null) throw new Error('not cross-fitted');
    expect(method).toMatchObject({ crossFitFolds: CROSS_FIT_FOLDS, calibrationRecall: CROSS_FIT_CALIBRATION_RECALL });
    // the windows of both sets, in order
    const pooled = (key: 'sensorErrors' | 'recentResiduals' | 'windowResiduals') =>
      Float64Array.from([...inputs.trainTrajectories[key], ...inputs.calibrationTrajectories[key]]);
    const all = {
      sensorErrors: pooled('sensorErrors'),
      recentResiduals: pooled('recentResiduals'),
      windowResiduals: pooled('windowResiduals'),
      recentSteps: 4,
      labels: [...inputs.trainTrajectories.labels, ...inputs.calibrationTrajectories.labels],
    };
    expect(Array.from(outOfFold.labels)).toEqual(all.labels);
    // engine 100 + e is in fold e % 5; a window's out-of-fold score is that of the regression fitted on
    // the other folds' engines (at the chosen penalty), and the stored regression is fitted on all
    const engines = [...inputs.trainTrajectories.engines, ...inputs.calibrationTrajectories.engines];
    const rowsWhere = (keep: (fold: number) => boolean) => engines.flatMap((engine, row) => (keep((engine - 100) % 5) ? [row] : []));
    const pick = (rows: number[]) => {
      const take = (values: Float64Array) => Float64Array.from(rows.flatMap((row) => Array.from(values.subarray(3 * row, 3 * row + 3))));
      return {
        sensorErrors: take(all.sensorErrors),
        recentResiduals: take(all.recentResiduals),
        windowResiduals: take(all.windowResiduals),
        recentSteps: 4,
        labels: rows.map((row) => all.labels[row]),
      };
    };
    const fitOn = (set: ReturnType<typeof pick> | typeof all) =>
      fitScoringMethod({ kind: 'degradation-logistic', l2: method.l2 }, { features: 3, train, trainTrajectories: set });
    for (const fold of [0, 3]) {
      const held = rowsWhere((f) => f === fold);
      const scores = applyScoringMethod(fitOn(pick(rowsWhere((f) => f !== fold))), { ...pick(held), features: 3 });
      held.forEach((row, n) => expect(outOfFold.scores[row]).toBeCloseTo(scores[n], 9));
    }
    const refitted = fitOn(all) as Extract<ScoringMethod, { kind: 'degradation-logistic' }>;
    expect(method.coefficients).toEqual(refitted.coefficients);
    expect(method.intercept).toBe(refitted.intercept);
    // the penalty is the candidate whose out-of-fold scores rank the windows best
    const rocAuc = (l2: number) => {
      const { outOfFold: scored } = fitScoringMethodWithScores({ kind: 'degradation-logistic', l2 }, inputs);
      return rocAucFromRanking(rankScores(scored!.labels, scored!.scores))!;
    };
    const rocAucs = L2_CANDIDATES.map(rocAuc);
    expect(method.l2).toBe(L2_CANDIDATES[rocAucs.indexOf(Math.max(...rocAucs))]);
    // stored and read back unchanged
    expect(parseScoringMethod(JSON.parse(JSON.stringify(method)), 3)).toEqual(method);
  });

  it('sets the threshold of a cross-fitted fit on its out-of-fold scores', () => {
    const { method, outOfFold } = fitScoringMethodWithScores('degradation-logistic', crossFitInputs());
    const threshold = calibrateMethodThreshold(method, { healthy: [0], trajectories: outOfFold! }, 0.99);
    const anomalous = outOfFold!.scores.filter((_, i) => outOfFold!.labels[i] === 1);
    const flagged = anomalous.filter((score) => score > threshold).length;
    expect(flagged).toBe(Math.ceil(CROSS_FIT_CALIBRATION_RECALL * anomalous.length));
  });

  it('keeps a requested penalty, and fits on the training engines alone without calibration trajectories', () => {
    const inputs = crossFitInputs();
    expect(fitScoringMethod({ kind: 'degradation-logistic', l2: 0.5 }, inputs)).toMatchObject({ l2: 0.5, crossFitFolds: 5 });
    const alone = fitScoringMethodWithScores('degradation-logistic', { features: 3, train, trainTrajectories });
    expect(alone.outOfFold).toBeNull();
    expect(alone.method).toMatchObject({ l2: DEFAULT_L2, calibrationRecall: DEGRADATION_CALIBRATION_RECALL });
    expect(alone.method).not.toHaveProperty('crossFitFolds');
  });

  it("refuses to cross-fit without every window's engine, on fewer than 2 engines or on one class", () => {
    const inputs = crossFitInputs();
    const { engines: _dropped, ...anonymous } = inputs.calibrationTrajectories;
    expect(() => fitScoringMethod('degradation-logistic', { ...inputs, calibrationTrajectories: anonymous })).toThrow(
      'engine of every training and calibration window',
    );
    expect(() =>
      fitScoringMethod('degradation-logistic', {
        ...inputs,
        calibrationTrajectories: { ...inputs.calibrationTrajectories, engines: inputs.calibrationTrajectories.engines.slice(1) },
      }),
    ).toThrow('99 engines for 100 calibration windows');
    const oneEngine = {
      trainTrajectories: { ...inputs.trainTrajectories, engines: inputs.trainTrajectories.engines.map(() => 7) },
      calibrationTrajectories: { ...inputs.calibrationTrajectories, engines: inputs.calibrationTrajectories.engines.map(() => 7) },
    };
    expect(() => fitScoringMethod('degradation-logistic', { ...inputs, ...oneEngine })).toThrow('at least 2 engines, got 1');
    const normalOnly = (set: typeof inputs.trainTrajectories) => ({ ...set, labels: set.labels.map(() => 0) });
    expect(() =>
      fitScoringMethod('degradation-logistic', {
        ...inputs,
        trainTrajectories: normalOnly(inputs.trainTrajectories),
        calibrationTrajectories: normalOnly(inputs.calibrationTrajectories),
      }),
    ).toThrow('both labels');
  });

  // A degradation-logistic version as stored before the slopes, and a window without slopes.
  const storedBeforeSlopes = (l2: number) => ({
    kind: 'degradation-logistic',
    sensorScale: [1, 2, 4],
    coefficients: [1, 2, -1, 0.5, -2, 0, 0.25, 1, -0.5],
    intercept: -0.5,
    recentSteps: 4,
    l2,
    calibrationRecall: 0.97,
  });
  const windowWithoutSlopes = () => ({
    sensorErrors: Float64Array.from([2, 2, 8]),
    ...residuals([[0.1, -0.5, 0]], [[0, 0.2, 0.3]]),
    features: 3,
  });

  it('scores a version stored before the L2 penalty was chosen exactly as before', () => {
    const stored = storedBeforeSlopes(1e-5);
    const method = parseScoringMethod(stored, 3);
    expect(method).toEqual(stored);
    const window = windowWithoutSlopes();
    const regressors = [Math.log(2), 0, Math.log(2), 0.1, -0.5, 0, 0, 0.2, 0.3];
    const expected = regressors.reduce((sum, value, k) => sum + stored.coefficients[k] * value, stored.intercept);
    expect(applyScoringMethod(method, window)[0]).toBeCloseTo(expected, 12);
  });

  it('regresses on the residual slopes too when the windows carry them', () => {
    const random = seedrandom.alea('slopes');
    // sensor 2's residual climbs within the anomalous windows, and nothing else tells them apart
    const slopes = labels.map((label) => [0.1 * random(), 0.1 * random(), (label ? 0.3 : 0) + 0.2 * random()]);
    const withSlopes = { ...trainTrajectories, residualSlopes: Float64Array.from(slopes.flat()) };
    const method = fitScoringMethod('degradation-logistic', { features: 3, train, trainTrajectories: withSlopes });
    if (method.kind !== 'degradation-logistic') throw new Error('wrong kind');
    expect(method.withSlopes).toBe(true);
    expect(method.coefficients).toHaveLength(12);
    expect(method.coefficients[11]).toBeGreaterThan(0);
    const window = {
      sensorErrors: Float64Array.from([2, 2, 8]),
      ...residuals([[0.1, -0.5, 0]], [[0, 0.2, 0.3]]),
      residualSlopes: Float64Array.from([0.01, 0, 0.2]),
      features: 3,
    };
    const regressors = [Math.log(2), 0, Math.log(2), 0.1, -0.5, 0, 0, 0.2, 0.3, 0.01, 0, 0.2];
    const expected = regressors.reduce((sum, value, k) => sum + method.coefficients[k] * value, method.intercept);
    expect(applyScoringMethod(method, window)[0]).toBeCloseTo(expected, 12);
    expect(parseScoringMethod(JSON.parse(JSON.stringify(method)), 3)).toEqual(method);
    const { residualSlopes: _none, ...withoutSlopes } = window;
    expect(() => applyScoringMethod(method, withoutSlopes)).toThrow('residual slopes');
    expect(() => parseScoringMethod({ ...method, coefficients: method.coefficients.slice(0, 9) }, 3)).toThrow('12 finite coefficients');
    const { recentSteps: _recent, ...noRecent } = method;
    expect(() => parseScoringMethod(noRecent, 3)).toThrow('withSlopes must be true, with recentSteps');
  });

  it('regresses on the input summaries too when the windows carry them with the slopes', () => {
    const random = seedrandom.alea('inputs');
    const slopes = labels.map(() => [0.1 * random(), 0.1 * random(), 0.1 * random()]);
    // sensor 0's reading itself climbs within the anomalous windows, and nothing else tells them apart
    const inputSlopes = labels.map((label) => [(label ? 0.3 : 0) + 0.2 * random(), 0.1 * random(), 0.1 * random()]);
    const noise = () => labels.map(() => [random(), random(), random()]);
    const withInputs = {
      ...trainTrajectories,
      residualSlopes: Float64Array.from(slopes.flat()),
      recentInputs: Float64Array.from(noise().flat()),
      inputSlopes: Float64Array.from(inputSlopes.flat()),
      inputDeviations: Float64Array.from(noise().flat()),
    };
    const method = fitScoringMethod('degradation-logistic', { features: 3, train, trainTrajectories: withInputs });
    if (method.kind !== 'degradation-logistic') throw new Error('wrong kind');
    expect(method).toMatchObject({ withSlopes: true, withInputs: true });
    expect(method.coefficients).toHaveLength(21);
    expect(method.coefficients[15]).toBeGreaterThan(0);
    const window = summarisedWindow();
    const expected = summarisedRegressors.reduce((sum, value, k) => sum + method.coefficients[k] * value, method.intercept);
    expect(applyScoringMethod(method, window)[0]).toBeCloseTo(expected, 12);
    expect(parseScoringMethod(JSON.parse(JSON.stringify(method)), 3)).toEqual(method);
    const { inputSlopes: _none, ...withoutInputSlopes } = window;
    expect(() => applyScoringMethod(method, withoutInputSlopes)).toThrow('input summaries');
    expect(() => applyScoringMethod(method, { ...window, inputDeviations: Float64Array.from([0.8, NaN, 1.2]) })).toThrow('not finite');
    expect(() => parseScoringMethod({ ...method, coefficients: method.coefficients.slice(0, 12) }, 3)).toThrow('21 finite coefficients');
    const { withSlopes: _slopes, ...noSlopes } = method;
    expect(() => parseScoringMethod(noSlopes, 3)).toThrow('withInputs must be true, with withSlopes');
    // without the input summaries (windows from before them), the fit is the one with the slopes alone
    const { recentInputs: _r, inputSlopes: _s, inputDeviations: _d, ...slopesOnly } = withInputs;
    const before = fitScoringMethod('degradation-logistic', { features: 3, train, trainTrajectories: slopesOnly });
    expect(before).not.toHaveProperty('withInputs');
  });

  it("regresses on how far each sensor's recent reading moved since its engine's earlier reading when the windows carry one", () => {
    const random = seedrandom.alea('look-back');
    const noise = () => Float64Array.from(labels.flatMap(() => [random(), random(), random()]));
    const recentInputs = noise();
    // sensor 2 has moved up since the engine's earlier reading in the anomalous windows, and nothing else tells them apart
    const earlierValues = Float64Array.from(recentInputs, (value, i) => value - (labels[Math.floor(i / 3)] && i % 3 === 2 ? 0.5 : 0));
    const withInputs = {
      ...trainTrajectories,
      residualSlopes: noise(),
      recentInputs,
      inputSlopes: noise(),
      inputDeviations: noise(),
    };
    const earlier = { cycles: 50, steps: 4, values: earlierValues };
    const method = fitScoringMethod('degradation-logistic', { features: 3, train, trainTrajectories: { ...withInputs, earlier } });
    if (method.kind !== 'degradation-logistic') throw new Error('wrong kind');
    expect(method).toMatchObject({ withInputs: true, lookBack: 50 });
    expect(method.coefficients).toHaveLength(24);
    expect(method.coefficients[23]).toBeGreaterThan(0);
    const window = summarisedWindow();
    const regressors = [...summarisedRegressors, ...[1.5 - 1, -0.5 + 0.5, 0 - 0.25]];
    const withHistory = { ...window, earlier: { cycles: 50, steps: 4, values: Float64Array.from([1, -0.5, 0.25]) } };
    const expected = regressors.reduce((sum, value, k) => sum + method.coefficients[k] * value, method.intercept);
    expect(applyScoringMethod(method, withHistory)[0]).toBeCloseTo(expected, 12);
    expect(parseScoringMethod(JSON.parse(JSON.stringify(method)), 3)).toEqual(method);
    // a window without its engine's history is scored as an engine's first window: no move since
    const asFirst = { ...window, earlier: { cycles: 50, steps: 4, values: window.recentInputs } };
    expect(applyScoringMethod(method, window)[0]).toBe(applyScoringMethod(method, asFirst)[0]);
    expect(() => applyScoringMethod(method, { ...withHistory, earlier: { ...withHistory.earlier, cycles: 20 } })).toThrow(
      'looks back 50 cycles over 4 steps',
    );
    expect(() =>
      applyScoringMethod(method, { ...withHistory, earlier: { ...withHistory.earlier, values: Float64Array.from([1, NaN, 0]) } }),
    ).toThrow('earlier reading of window 0, sensor 1 is not finite');
    expect(() => parseScoringMethod({ ...method, coefficients: method.coefficients.slice(0, 21) }, 3)).toThrow('24 finite coefficients');
    const { withInputs: _inputs, ...noInputs } = method;
    expect(() => parseScoringMethod({ ...noInputs, withSlopes: true }, 3)).toThrow('lookBack needs withInputs');
    expect(() => parseScoringMethod({ ...method, lookBack: 0 }, 3)).toThrow('lookBack must be an integer >= 1');
    // a version stored before the look-back scores from its 7 x features regressors, whatever the windows carry
    const before = fitScoringMethod('degradation-logistic', { features: 3, train, trainTrajectories: withInputs });
    expect(before).not.toHaveProperty('lookBack');
    expect(applyScoringMethod(before, withHistory)[0]).toBe(applyScoringMethod(before, window)[0]);
  });

  it('scores a version stored before the input summaries from its errors, residuals and slopes, whether windows carry them or not', () => {
    const stored = {
      kind: 'degradation-logistic',
      sensorScale: [1, 2, 4],
      coefficients: [0.5, -0.2, 0.1, 0.3, -1.5, 0.2, 0.1, 0.4, -0.3, 0.2, 0.1, 2],
      intercept: -0.7,
      recentSteps: 4,
      withSlopes: true,
      l2: 1e-2,
      crossFitFolds: 5,
      calibrationRecall: CROSS_FIT_CALIBRATION_RECALL,
    };
    const method = parseScoringMethod(stored, 3);
    expect(method).toEqual(stored);
    const window = { ...windowWithoutSlopes(), residualSlopes: Float64Array.from([0.01, 0, 0.2]) };
    const regressors = [Math.log(2), 0, Math.log(2), 0.1, -0.5, 0, 0, 0.2, 0.3, 0.01, 0, 0.2];
    const expected = regressors.reduce((sum, value, k) => sum + stored.coefficients[k] * value, stored.intercept);
    const score = applyScoringMethod(method, window)[0];
    expect(score).toBeCloseTo(expected, 12);
    const summaries = {
      recentInputs: Float64Array.from([9, 9, 9]),
      inputSlopes: Float64Array.from([9, 9, 9]),
      inputDeviations: Float64Array.from([9, 9, 9]),
    };
    expect(applyScoringMethod(method, { ...window, ...summaries })[0]).toBe(score);
  });

  it('scores a version stored before the slopes from its log error ratios and residuals, whether windows carry slopes or not', () => {
    const stored = storedBeforeSlopes(1e-3);
    const method = parseScoringMethod(stored, 3);
    expect(method).toEqual(stored);
    const window = windowWithoutSlopes();
    const before = applyScoringMethod(method, window)[0];
    expect(applyScoringMethod(method, { ...window, residualSlopes: Float64Array.from([5, -5, 5]) })[0]).toBe(before);
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
    expect(() => parseScoringMethod({ ...stored, coefficients: [1, 2, 3], crossFitFolds: 1 }, 3)).toThrow('crossFitFolds');
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
