import { featureCount, recentMeanReadings, windowFeatures } from './window-features';

// One window of 3 cycles x 2 sensors: sensor 0 reads 1, 2, 4 and sensor 1 reads 5, 5, 5.
const window = { x: Float32Array.from([1, 5, 2, 5, 4, 5]), count: 1, windowLength: 3, features: 2 };

describe('window features', () => {
  it('summarises each sensor by its mean, least-squares slope, population std and last reading, block by block', () => {
    const summary = windowFeatures(window, 'summary');
    expect(featureCount('summary', 3, 2)).toBe(8);
    // Slope of 1, 2, 4 against -1, 0, 1: (-1 x -4/3 + 1 x 5/3) / 2 = 1.5; std: sqrt((16/9 + 1/9 + 25/9) / 3).
    const expected = [7 / 3, 5, 1.5, 0, Math.sqrt(42 / 27), 0, 4, 5];
    summary.forEach((value, f) => expect(value).toBeCloseTo(expected[f], 12));
  });

  it('keeps the readings as they are when flattened, and puts the summary after them for both', () => {
    expect(Array.from(windowFeatures(window, 'flattened'))).toEqual([1, 5, 2, 5, 4, 5]);
    const both = windowFeatures(window, 'both');
    expect(both).toHaveLength(featureCount('both', 3, 2));
    expect(Array.from(both.subarray(6))).toEqual(Array.from(windowFeatures(window, 'summary')));
  });

  it('reads the direction as the mean reading of the last 10 cycles, or of all in shorter windows', () => {
    expect(Array.from(recentMeanReadings(window))).toEqual([7 / 3, 5].map(Math.fround));
    // 12 cycles of one sensor reading 0..11: the last 10 average 6.5.
    const long = { x: Float32Array.from({ length: 12 }, (_, t) => t), count: 1, windowLength: 12, features: 1 };
    expect(Array.from(recentMeanReadings(long))).toEqual([6.5]);
  });
});
