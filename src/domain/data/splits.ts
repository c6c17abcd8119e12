// Engine-disjoint splits and the end-to-end data preparation of the reference pipeline:
// sensors and normalisation are chosen from the healthy rows of the training engines only; the model
// trains on healthy windows of training engines, the threshold is calibrated on healthy windows of other
// engines, and the test set holds every window of a third group of engines, labelled by RUL.
// Splitting by engine (not by window) keeps overlapping windows of one engine out of two splits.

import { DataError } from './errors';
import type { Normalisation } from './normalisation';
import { detectRegimes, fitRegimeModel, settingRowsOf, withinRegimeSeries, type RegimeModel, type RegimeRequest } from './regimes';
import { fitNormalisation } from './normalisation';
import type { EngineSeries } from './series';
import { healthyReadings, sensorCatalogue } from './series';
import { assertSensorSelection, inferResolution, selectInformativeSensors, sensorNames } from './sensors';
import type { WindowSet } from './windows';
import { DEFAULT_STRIDE, DEFAULT_WINDOW_LENGTH, slidingWindows } from './windows';

export interface SplitSpec {
  /** C-MAPSS unit numbers of each group; the groups must be disjoint and non-empty. */
  trainUnits: number[];
  calibrationUnits: number[];
  testUnits: number[];
  /** A cycle is healthy when its RUL > healthyRul. */
  healthyRul: number;
  /** A test window is anomalous when the RUL at its last cycle is <= anomalyRul. */
  anomalyRul: number;
}

/** Inclusive range of unit numbers: unitRange(1, 3) = [1, 2, 3]. */
export function unitRange(first: number, last: number): number[] {
  if (!Number.isInteger(first) || !Number.isInteger(last) || last < first) {
    throw new DataError(`unitRange needs integers with first <= last, got ${first}..${last}`);
  }
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

// Frozen (lists included) so that no caller can change the reference by accident.
const frozenRange = (first: number, last: number) => Object.freeze(unitRange(first, last)) as number[];

/** The split of the PyTorch reference, on FD001's 100 training trajectories. */
export const REFERENCE_SPLIT: SplitSpec = Object.freeze({
  trainUnits: frozenRange(1, 70),
  calibrationUnits: frozenRange(71, 80),
  testUnits: frozenRange(81, 100),
  healthyRul: 100,
  anomalyRul: 30,
});

export type InvalidSplitReason =
  | 'invalid-bounds' // healthyRul / anomalyRul not usable
  | 'empty-group' // a group has no unit
  | 'invalid-unit' // a unit number is not a positive integer
  | 'duplicate-unit' // a unit is listed twice in one group, or twice in the data
  | 'overlapping-groups' // a unit is in two groups
  | 'unknown-unit' // a unit is not in the data
  | 'unknown-rul' // a unit has no RUL, so it cannot be labelled
  | 'no-windows'; // a group yields no window

export class InvalidSplitError extends DataError {
  constructor(
    readonly reason: InvalidSplitReason,
    message: string,
  ) {
    super(`invalid split: ${message}`);
    this.name = 'InvalidSplitError';
  }
}

const GROUPS = ['trainUnits', 'calibrationUnits', 'testUnits'] as const;
type Group = (typeof GROUPS)[number];

/**
 * Checks a split against the available series and returns the series of each group, in the order the
 * spec lists the units. Throws InvalidSplitError.
 */
export function resolveSplit(series: readonly EngineSeries[], spec: SplitSpec): Record<Group, EngineSeries[]> {
  const { healthyRul, anomalyRul } = spec;
  if (!Number.isFinite(healthyRul) || !Number.isFinite(anomalyRul) || anomalyRul < 0 || anomalyRul >= healthyRul) {
    throw new InvalidSplitError(
      'invalid-bounds',
      `need 0 <= anomalyRul < healthyRul (a window cannot be both healthy and anomalous), got anomalyRul ${anomalyRul}, healthyRul ${healthyRul}`,
    );
  }
  const byUnit = new Map<number, EngineSeries>();
  for (const engine of series) {
    if (engine.unit === null) continue;
    if (byUnit.has(engine.unit)) throw new InvalidSplitError('duplicate-unit', `unit ${engine.unit} appears twice in the data`);
    byUnit.set(engine.unit, engine);
  }
  const owner = new Map<number, Group>();
  const resolved = {} as Record<Group, EngineSeries[]>;
  for (const group of GROUPS) {
    const units = spec[group];
    if (units.length === 0) throw new InvalidSplitError('empty-group', `${group} is empty`);
    resolved[group] = units.map((unit) => {
      if (!Number.isInteger(unit) || unit < 1) {
        throw new InvalidSplitError('invalid-unit', `${group} lists ${unit}, which is not a positive integer unit number`);
      }
      const previous = owner.get(unit);
      if (previous === group) throw new InvalidSplitError('duplicate-unit', `${group} lists unit ${unit} twice`);
      if (previous !== undefined) {
        throw new InvalidSplitError('overlapping-groups', `unit ${unit} is in both ${previous} and ${group}`);
      }
      owner.set(unit, group);
      const engine = byUnit.get(unit);
      if (engine === undefined) throw new InvalidSplitError('unknown-unit', `${group} lists unit ${unit}, which is not in the data`);
      return engine;
    });
  }
  // Either every engine has a RUL (labelled) or none has (unlabelled): a mix would evaluate on some
  // engines and guess on others.
  const engines = GROUPS.flatMap((group) => resolved[group]);
  const unlabelled = engines.find((engine) => engine.rul === null);
  const labelled = engines.find((engine) => engine.rul !== null);
  if (unlabelled && labelled) {
    throw new InvalidSplitError(
      'unknown-rul',
      `unit ${unlabelled.unit} has no RUL while unit ${labelled.unit} has one: a split holds labelled or unlabelled engines, not both`,
    );
  }
  return resolved;
}

/**
 * Unlabelled engines as the fitting steps see them: every cycle counts as healthy, the unsupervised
 * assumption that a recorded history is mostly normal (RUL +Infinity is above any healthyRul).
 */
function assumedHealthy(series: readonly EngineSeries[]): EngineSeries[] {
  return series.map((engine) => (engine.rul === null ? { ...engine, rul: engine.cycles.map(() => Number.POSITIVE_INFINITY) } : engine));
}

/** 1 where the RUL at the window's last cycle is <= anomalyRul, else 0. Every window needs a known RUL. */
export function anomalyLabels(windows: WindowSet, anomalyRul: number): Uint8Array {
  const labels = new Uint8Array(windows.count);
  windows.ruls.forEach((rul, i) => {
    if (rul === null) throw new DataError(`window ${i} (engine ${windows.engineIds[i]}) has no RUL to label it with`);
    labels[i] = rul <= anomalyRul ? 1 : 0;
  });
  return labels;
}

export interface PrepareOptions {
  /** Cycles per window; default 30. */
  windowLength?: number;
  /** Default 1. */
  stride?: number;
  /** Sensor indices (in the data set's catalogue) to use; default: selectInformativeSensors on the training engines. */
  sensors?: number[];
  /** Operating regimes (default auto: on when the training engines' settings form several tight clusters). */
  regimes?: RegimeRequest;
}

/** The reference's `counts`, in camelCase. */
export interface DatasetCounts {
  /** Cycles (rows) of all engines of the split. */
  rows: number;
  /** Rows the sensors and the normalisation are fitted on. */
  healthyTrainRows: number;
  trainWindows: number;
  calibrationWindows: number;
  testWindows: number;
  /** Null for unlabelled engines. */
  testAnomalous: number | null;
  testNormal: number | null;
}

export interface PreparedDataset {
  spec: SplitSpec;
  windowLength: number;
  stride: number;
  /** Sensor indices in the data set's catalogue, in feature order. */
  sensors: number[];
  /** Their names in the catalogue. */
  sensorNames: string[];
  /** The data set's operating-setting names (what regimes are defined on). */
  settingNames: readonly string[];
  normalisation: Normalisation;
  /** The operating regimes the windows are normalised within; null for a single operating condition. */
  regimes: RegimeModel | null;
  /** Healthy windows (RUL at last cycle > healthyRul) of the training units: the model's training data. */
  train: WindowSet;
  /** Healthy windows of the calibration units: the threshold is a quantile of their scores. */
  calibration: WindowSet;
  /** All windows of the test units. */
  test: WindowSet;
  /** Whether the engines have a RUL: unlabelled ones train and are scored, but cannot be evaluated. */
  labelled: boolean;
  /** Per test window: 1 when the RUL at its last cycle is <= anomalyRul; null for unlabelled engines. */
  testLabels: Uint8Array | null;
  counts: DatasetCounts;
}

/** Reproduces the reference's `prepare()` for any split of engines with known RUL. */
export function prepareDataset(
  series: readonly EngineSeries[],
  spec: SplitSpec,
  options: PrepareOptions = {},
): PreparedDataset {
  const resolved = resolveSplit(series, spec);
  const labelled = resolved.trainUnits[0].rul !== null;
  const groups = labelled
    ? resolved
    : {
        trainUnits: assumedHealthy(resolved.trainUnits),
        calibrationUnits: assumedHealthy(resolved.calibrationUnits),
        testUnits: resolved.testUnits,
      };
  const windowLength = options.windowLength ?? DEFAULT_WINDOW_LENGTH;
  const stride = options.stride ?? DEFAULT_STRIDE;
  const { healthyRul } = spec;

  const request = options.regimes ?? { mode: 'auto' };
  const clusters = detectRegimes(settingRowsOf(groups.trainUnits), request);
  // Within regimes, a sensor is informative when it varies once its regime's level is taken out.
  const selectionSeries = clusters ? withinRegimeSeries(groups.trainUnits, clusters, healthyRul) : groups.trainUnits;
  const sensors = options.sensors
    ? [...options.sensors]
    : selectInformativeSensors(selectionSeries, {
        healthyRul,
        ...(clusters ? { resolutions: recordingResolutions(groups.trainUnits, healthyRul) } : {}),
      });
  assertSensorSelection(sensors);
  const normalisation = fitNormalisation(groups.trainUnits, sensors, { healthyRul });
  const regimes = clusters ? fitRegimeModel(groups.trainUnits, clusters, sensors, healthyRul) : null;

  const features = { length: windowLength, stride, sensors, normalisation, regimes };
  // Healthy rows form a prefix of each run, so "RUL at the last cycle > healthyRul" means every cycle
  // of the window is healthy.
  const healthy = (rul: number | null) => rul !== null && rul > healthyRul;
  const train = slidingWindows(groups.trainUnits, { ...features, keep: healthy });
  const calibration = slidingWindows(groups.calibrationUnits, { ...features, keep: healthy });
  const test = slidingWindows(groups.testUnits, features);
  for (const [name, set] of [['trainUnits', train], ['calibrationUnits', calibration], ['testUnits', test]] as const) {
    if (set.count === 0) {
      throw new InvalidSplitError(
        'no-windows',
        `${name} yield no ${name === 'testUnits' ? '' : 'healthy '}window of ${windowLength} cycles`,
      );
    }
  }
  const testLabels = labelled ? anomalyLabels(test, spec.anomalyRul) : null;
  const testAnomalous = testLabels ? testLabels.reduce((total, label) => total + label, 0) : null;
  const allEngines = [...groups.trainUnits, ...groups.calibrationUnits, ...groups.testUnits];

  return {
    spec: { ...spec, trainUnits: [...spec.trainUnits], calibrationUnits: [...spec.calibrationUnits], testUnits: [...spec.testUnits] },
    windowLength,
    stride,
    sensors,
    sensorNames: sensorNames(sensorCatalogue(groups.trainUnits), sensors),
    settingNames: groups.trainUnits[0].settingNames,
    normalisation,
    regimes,
    train,
    calibration,
    test,
    labelled,
    testLabels,
    counts: {
      rows: allEngines.reduce((total, engine) => total + engine.cycles.length, 0),
      healthyTrainRows: groups.trainUnits.reduce(
        (total, engine) => total + (engine.rul ?? []).filter((rul) => rul > healthyRul).length,
        0,
      ),
      trainWindows: train.count,
      calibrationWindows: calibration.count,
      testWindows: test.count,
      testAnomalous,
      testNormal: testAnomalous === null ? null : test.count - testAnomalous,
    },
  };
}

export interface LabelledWindows {
  windows: WindowSet;
  /** 1 when the RUL at the window's last cycle is <= the split's anomalyRul. */
  labels: Uint8Array;
}

/**
 * Every window of the full trajectories of `units` (healthy, degrading and anomalous alike), with the
 * data set's sensors, normalisation, window length and stride, labelled with its anomalyRul: e.g. the
 * calibration engines' run-to-failure trajectories, on which a scoring method may calibrate its threshold.
 */
export function labelledTrajectories(series: readonly EngineSeries[], units: readonly number[], dataset: PreparedDataset): LabelledWindows {
  const wanted = new Set(units);
  const engines = series.filter((engine) => engine.unit !== null && wanted.has(engine.unit));
  const found = new Set(engines.map((engine) => engine.unit));
  const missing = units.filter((unit) => !found.has(unit));
  if (missing.length > 0) throw new InvalidSplitError('unknown-unit', `units ${missing.join(', ')} are not in the data`);
  const windows = slidingWindows(engines, {
    length: dataset.windowLength,
    stride: dataset.stride,
    sensors: dataset.sensors,
    normalisation: dataset.normalisation,
    regimes: dataset.regimes,
  });
  return { windows, labels: anomalyLabels(windows, dataset.spec.anomalyRul) };
}

/** Each sensor's recording resolution, from the raw healthy readings (deviations from a mean have none). */
function recordingResolutions(series: readonly EngineSeries[], healthyRul: number): number[] {
  const rows = healthyReadings(series, healthyRul);
  return Array.from({ length: rows[0]?.length ?? 0 }, (_, sensor) => inferResolution(rows.map((row) => row[sensor])));
}
