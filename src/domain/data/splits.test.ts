import type { EngineSeries } from './series';
import {
  InvalidSplitError,
  REFERENCE_SPLIT,
  anomalyLabels,
  prepareDataset,
  resolveSplit,
  unitRange,
  type InvalidSplitReason,
  type SplitSpec,
} from './splits';
import { syntheticEngine } from './test-helpers';

describe('unitRange and REFERENCE_SPLIT', () => {
  it('builds inclusive ranges', () => {
    expect(unitRange(1, 3)).toEqual([1, 2, 3]);
    expect(unitRange(5, 5)).toEqual([5]);
    expect(() => unitRange(3, 1)).toThrow(/first <= last/);
  });

  it('is the reference FD001 split and cannot be modified', () => {
    expect(REFERENCE_SPLIT.trainUnits).toEqual(unitRange(1, 70));
    expect(REFERENCE_SPLIT.calibrationUnits).toEqual(unitRange(71, 80));
    expect(REFERENCE_SPLIT.testUnits).toEqual(unitRange(81, 100));
    expect(REFERENCE_SPLIT).toMatchObject({ healthyRul: 100, anomalyRul: 30 });
    expect(() => REFERENCE_SPLIT.trainUnits.push(81)).toThrow(TypeError);
  });
});

// Engines of 10 cycles (RUL 9..0). Sensor index 1 (sensor 2) varies with the cycle; sensor index 2
// varies with the unit, so its healthy-row mean tells which engines the normalisation was fitted on.
const value = (unit: number) => (sensor: number, cycle: number) =>
  sensor === 1 ? cycle : sensor === 2 ? 10 * unit + (cycle % 2) : 5;
const engines: EngineSeries[] = [1, 2, 3, 4, 5].map((unit) => syntheticEngine(unit, 10, value(unit)));
const spec: SplitSpec = { trainUnits: [1, 2], calibrationUnits: [3], testUnits: [4, 5], healthyRul: 5, anomalyRul: 2 };

function reasonOf(action: () => unknown): InvalidSplitReason | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof InvalidSplitError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('resolveSplit', () => {
  it('returns the engines of each group in spec order', () => {
    const groups = resolveSplit(engines, { ...spec, testUnits: [5, 4] });
    expect(groups.trainUnits.map((e) => e.unit)).toEqual([1, 2]);
    expect(groups.testUnits.map((e) => e.unit)).toEqual([5, 4]);
  });

  it.each<[string, Partial<SplitSpec>, InvalidSplitReason]>([
    ['an empty group', { calibrationUnits: [] }, 'empty-group'],
    ['a unit in two groups', { testUnits: [4, 1] }, 'overlapping-groups'],
    ['a unit twice in a group', { trainUnits: [1, 1] }, 'duplicate-unit'],
    ['a unit that is not in the data', { testUnits: [4, 6] }, 'unknown-unit'],
    ['a unit that is not a positive integer', { trainUnits: [1.5] }, 'invalid-unit'],
    ['anomalyRul >= healthyRul', { anomalyRul: 5 }, 'invalid-bounds'],
    ['a negative anomalyRul', { anomalyRul: -1 }, 'invalid-bounds'],
  ])('rejects %s', (_, change, reason) => {
    expect(reasonOf(() => resolveSplit(engines, { ...spec, ...change }))).toBe(reason);
  });

  it('rejects a mix of engines with and without RUL, and data listing a unit twice', () => {
    const live = engines.map((e) => (e.unit === 3 ? { ...e, rul: null } : e));
    expect(reasonOf(() => resolveSplit(live, spec))).toBe('unknown-rul');
    expect(reasonOf(() => resolveSplit([...engines, engines[0]], spec))).toBe('duplicate-unit');
  });

  it('explains the problem in the message', () => {
    expect(() => resolveSplit(engines, { ...spec, testUnits: [4, 1] })).toThrow(
      'invalid split: unit 1 is in both trainUnits and testUnits',
    );
  });
});

describe('prepareDataset', () => {
  const dataset = prepareDataset(engines, spec, { windowLength: 3 });

  it('selects the varying sensors from the training engines', () => {
    expect(dataset.sensors).toEqual([1, 2]);
    expect(dataset.sensorNames).toEqual(['sensor2', 'sensor3']);
  });

  it('fits the normalisation on the healthy rows of the training engines only', () => {
    // Healthy (RUL > 5): cycles 1-4 of units 1 and 2. Sensor 2 reads 1..4: mean 2.5.
    // Sensor 3 reads 10 * unit + (cycle % 2): (10 + 11 + 10 + 11 + 20 + 21 + 20 + 21) / 8 = 15.5.
    expect(dataset.normalisation.mean).toEqual([2.5, 15.5]);
    expect(dataset.normalisation.std[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(dataset.normalisation.std[1]).toBeCloseTo(Math.sqrt(25.25), 12);
  });

  it('keeps healthy windows for training and calibration and every window for testing', () => {
    // Windows of 3 end at cycles 3-10 (RUL 7..0); healthy ones (RUL > 5) end at cycles 3 and 4.
    expect(dataset.train.engineIds).toEqual([1, 1, 2, 2]);
    expect(dataset.train.endCycles).toEqual([3, 4, 3, 4]);
    expect(dataset.calibration.engineIds).toEqual([3, 3]);
    expect(dataset.test.count).toBe(16);
    expect(dataset.test.engineIds).toEqual([...Array(8).fill(4), ...Array(8).fill(5)]);
  });

  it('labels test windows anomalous when the RUL at their last cycle is <= anomalyRul', () => {
    // RUL at the window ends 7, 6, 5, 4, 3, 2, 1, 0 -> the last three are anomalous, per engine.
    expect(Array.from(dataset.testLabels!)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(dataset.counts).toEqual({
      rows: 50,
      healthyTrainRows: 8,
      trainWindows: 4,
      calibrationWindows: 2,
      testWindows: 16,
      testAnomalous: 6,
      testNormal: 10,
    });
  });

  it('uses the given sensors and stride', () => {
    const custom = prepareDataset(engines, spec, { windowLength: 3, stride: 2, sensors: [2] });
    expect(custom.sensors).toEqual([2]);
    expect(custom.train.features).toBe(1);
    expect(custom.test.endCycles.slice(0, 4)).toEqual([3, 5, 7, 9]);
  });

  it('refuses a split whose groups yield no healthy window of the requested length', () => {
    expect(reasonOf(() => prepareDataset(engines, spec, { windowLength: 5 }))).toBe('no-windows');
  });
});

describe('anomalyLabels', () => {
  it('needs a known RUL', () => {
    const set = prepareDataset(engines, spec, { windowLength: 3 }).test;
    expect(() => anomalyLabels({ ...set, ruls: set.ruls.map(() => null) }, 2)).toThrow(/no RUL/);
  });
});
