import { DataError } from './errors';
import type { EngineSeries } from './series';
import {
  buildWindow,
  concatWindowSets,
  emptyWindowSet,
  LOOK_BACK_CYCLES,
  slidingWindows,
  subsetWindowSet,
  windowAt,
} from './windows';
import { syntheticEngine } from './test-helpers';
import { CMAPSS_SENSOR_NAMES } from './cmapss';

// Sensor index s at cycle c reads 100 s + c. With sensors [1, 3] normalised by mean [100, 300] and
// std [1, 2], cycle c becomes the feature pair (c, c / 2): every window value says where it came from.
const features = { sensors: [1, 3], normalisation: { mean: [100, 300], std: [1, 2] } };

function windowValues(set: ReturnType<typeof slidingWindows>, index: number): number[][] {
  const values = Array.from(windowAt(set, index));
  return Array.from({ length: set.length }, (_, t) => values.slice(t * set.features, (t + 1) * set.features));
}

describe('slidingWindows', () => {
  const engine = syntheticEngine(7, 5); // cycles 1-5, RUL 4..0

  it('makes stride-1 windows inside an engine, labelled by their last cycle', () => {
    const set = slidingWindows([engine], { ...features, length: 3 });
    expect(set).toMatchObject({ count: 3, length: 3, features: 2 });
    expect(set.x).toHaveLength(3 * 3 * 2);
    expect(set.endCycles).toEqual([3, 4, 5]);
    expect(set.ruls).toEqual([2, 1, 0]);
    expect(set.engineIds).toEqual([7, 7, 7]);
    expect(set.units).toEqual([7, 7, 7]);
    expect(windowValues(set, 0)).toEqual([
      [1, 0.5],
      [2, 1],
      [3, 1.5],
    ]);
    expect(windowValues(set, 2)).toEqual([
      [3, 1.5],
      [4, 2],
      [5, 2.5],
    ]);
  });

  it('defaults to windows of 30 cycles with stride 1', () => {
    const set = slidingWindows([syntheticEngine(1, 32)], features);
    expect(set.length).toBe(30);
    expect(set.endCycles).toEqual([30, 31, 32]);
  });

  it('steps the window ends by the stride, starting from the first full window', () => {
    const set = slidingWindows([syntheticEngine(1, 8)], { ...features, length: 3, stride: 2 });
    expect(set.endCycles).toEqual([3, 5, 7]);
  });

  it('never crosses engines and skips engines shorter than the window', () => {
    const set = slidingWindows([syntheticEngine(1, 4), syntheticEngine(2, 2), syntheticEngine(3, 3)], {
      ...features,
      length: 3,
    });
    expect(set.engineIds).toEqual([1, 1, 3]);
    expect(set.endCycles).toEqual([3, 4, 3]);
    expect(windowValues(set, 2)[0]).toEqual([1, 0.5]); // engine 3 starts again at its cycle 1
  });

  it('keeps the windows chosen by keep(rulAtLastCycle)', () => {
    const seen: (number | null)[] = [];
    const set = slidingWindows([engine], {
      ...features,
      length: 2,
      keep: (rul) => {
        seen.push(rul);
        return rul !== null && rul > 1;
      },
    });
    expect(seen).toEqual([3, 2, 1, 0]);
    expect(set.endCycles).toEqual([2, 3]);
    expect(set.ruls).toEqual([3, 2]);
  });

  it('gives null RUL for live engines', () => {
    const live: EngineSeries = { ...engine, engineId: 42, unit: null, rul: null };
    const set = slidingWindows([live], { ...features, length: 4 });
    expect(set).toMatchObject({ count: 2, engineIds: [42, 42], units: [null, null], ruls: [null, null] });
  });

  it('computes (value - mean) / std in double precision and only then rounds to float32', () => {
    // FD001 sensor 2 and its healthy-row statistics: float32 arithmetic would give -1.582966923713684.
    const engine = syntheticEngine(1, 1, (sensor) => (sensor === 1 ? 641.82 : 0));
    const normalisation = { mean: [642.4144518413593], std: [0.3755109415549548] };
    const set = slidingWindows([engine], { sensors: [1], normalisation, length: 1 });
    expect(set.x[0]).toBe(-1.5830479860305786);
  });

  it('rejects bad options and non-finite readings', () => {
    expect(() => slidingWindows([engine], { ...features, length: 0 })).toThrow(/window length must be a positive integer/);
    expect(() => slidingWindows([engine], { ...features, stride: 1.5 })).toThrow(/stride/);
    expect(() => slidingWindows([engine], { ...features, normalisation: { mean: [0], std: [1] } })).toThrow(DataError);
    const broken = syntheticEngine(1, 3, (sensor, cycle) => (cycle === 2 && sensor === 3 ? NaN : 1));
    expect(() => slidingWindows([broken], { ...features, length: 3 })).toThrow(/engine 1, cycle 2: sensor index 3/);
  });
});

describe('earlier readings', () => {
  // Feature 0 of cycle c is c (see above): the mean over cycles a..b is (a + b) / 2.
  const longEngine = syntheticEngine(4, LOOK_BACK_CYCLES + 20);

  it("give each window its engine's mean reading over the recent steps ending LOOK_BACK_CYCLES cycles before it", () => {
    const set = slidingWindows([longEngine], { ...features, length: 12 });
    expect(set.earlier).toMatchObject({ cycles: LOOK_BACK_CYCLES, steps: 10 });
    const last = set.count - 1;
    const end = set.endCycles[last] - LOOK_BACK_CYCLES;
    expect(set.earlier.values[last * 2]).toBeCloseTo((end - 9 + end) / 2, 5);
    expect(set.earlier.values[last * 2 + 1]).toBeCloseTo((end - 9 + end) / 4, 5);
  });

  it("read the engine's first window, its last steps, while the engine is younger than the look-back", () => {
    const set = slidingWindows([longEngine], { ...features, length: 12 });
    // windows ending at cycles 12..62 look back to before cycle 12: they all read cycles 3..12
    for (const index of [0, LOOK_BACK_CYCLES]) expect(set.earlier.values[index * 2]).toBeCloseTo(7.5, 5);
    expect(set.earlier.values[(LOOK_BACK_CYCLES + 1) * 2]).toBeCloseTo(8.5, 5);
    // a window shorter than the recent steps averages all of its own cycles
    expect(slidingWindows([longEngine], { ...features, length: 3 }).earlier).toMatchObject({ steps: 3 });
  });

  it('come from the cycles before fromCycle, which gives no window of its own', () => {
    const all = slidingWindows([longEngine], { ...features, length: 12 });
    const late = slidingWindows([longEngine], { ...features, length: 12, fromCycle: 60 });
    expect(late.endCycles).toEqual(all.endCycles.filter((cycle) => cycle >= 60));
    const skipped = all.count - late.count;
    expect(late.earlier.values).toEqual(all.earlier.values.subarray(skipped * 2));
    expect(late.x).toEqual(all.x.subarray(skipped * 12 * 2));
  });

  it('follow their windows through subsets and concatenations', () => {
    const set = slidingWindows([longEngine], { ...features, length: 12 });
    const subset = subsetWindowSet(set, [set.count - 1, 0]);
    expect(Array.from(subset.earlier.values)).toEqual([
      ...set.earlier.values.subarray((set.count - 1) * 2),
      ...set.earlier.values.subarray(0, 2),
    ]);
    const both = concatWindowSets([subset, set]);
    expect(both.earlier.values.subarray(0, 4)).toEqual(subset.earlier.values);
    expect(both.earlier.values.subarray(4)).toEqual(set.earlier.values);
  });
});

describe('buildWindow', () => {
  it('normalises raw readings exactly like the sliding windows do', () => {
    const engine = syntheticEngine(1, 6);
    const set = slidingWindows([engine], { ...features, length: 4 });
    expect(buildWindow(engine.readings.slice(2, 6), { ...features, length: 4, sensorNames: CMAPSS_SENSOR_NAMES })).toEqual(windowAt(set, 2));
  });

  it('requires the declared number of full readings', () => {
    const readings = syntheticEngine(1, 3).readings;
    const options = { ...features, sensorNames: CMAPSS_SENSOR_NAMES };
    expect(() => buildWindow(readings, { ...options, length: 4 })).toThrow('a window needs exactly 4 readings, got 3');
    expect(() => buildWindow([readings[0].slice(0, 20)], options)).toThrow(/20 values, expected 21/);
    expect(() => buildWindow([], options)).toThrow(DataError);
    const broken = readings.map((reading) => reading.slice());
    broken[1][3] = NaN;
    expect(() => buildWindow(broken, options)).toThrow('reading 1: sensor4 is not a finite number (NaN)');
    expect(() => buildWindow([[1, 2, 3, 4]], { ...features, sensorNames: ['a', 'b', 'c', 'd'] })).not.toThrow();
  });
});

describe('subsetWindowSet and concatWindowSets', () => {
  const a = slidingWindows([syntheticEngine(1, 4)], { ...features, length: 2 }); // ends 2, 3, 4
  const b = slidingWindows([syntheticEngine(2, 3)], { ...features, length: 2 }); // ends 2, 3

  it('subsets in the requested order', () => {
    const subset = subsetWindowSet(a, [2, 0]);
    expect(subset.count).toBe(2);
    expect(subset.endCycles).toEqual([4, 2]);
    expect(windowAt(subset, 0)).toEqual(windowAt(a, 2));
    expect(() => subsetWindowSet(a, [3])).toThrow(/out of range/);
  });

  it('concatenates values and per-window lists', () => {
    const both = concatWindowSets([a, b]);
    expect(both.count).toBe(5);
    expect(both.engineIds).toEqual([1, 1, 1, 2, 2]);
    expect(both.endCycles).toEqual([2, 3, 4, 2, 3]);
    expect(windowAt(both, 3)).toEqual(windowAt(b, 0));
    expect(concatWindowSets([a, emptyWindowSet(2, 2)]).count).toBe(3);
  });

  it('refuses windows of different shapes and an empty list', () => {
    expect(() => concatWindowSets([a, emptyWindowSet(3, 2)])).toThrow(/cannot concatenate/);
    expect(() => concatWindowSets([])).toThrow(DataError);
  });
});
