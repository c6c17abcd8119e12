import { flaggedRegions } from './flagged-regions';

describe('flaggedRegions', () => {
  it('turns each flagged end cycle into the cycles its window covers', () => {
    expect(flaggedRegions([40], 30)).toEqual([[11, 40]]);
  });

  it('merges overlapping and touching windows, in cycle order whatever the input order', () => {
    expect(flaggedRegions([100, 41, 40, 70], 30)).toEqual([[11, 100]]);
    expect(flaggedRegions([71, 40], 30)).toEqual([
      [11, 40],
      [42, 71],
    ]);
  });

  it('keeps single end cycles apart with a window of one (the score chart)', () => {
    expect(flaggedRegions([5, 6, 8], 1)).toEqual([
      [5, 6],
      [8, 8],
    ]);
  });

  it('starts no region before cycle 1', () => {
    expect(flaggedRegions([10], 30)).toEqual([[1, 10]]);
  });

  it('draws nothing when nothing is flagged', () => {
    expect(flaggedRegions([], 30)).toEqual([]);
  });
});
