// The one test on real data: NASA's train_FD001.txt with the reference split must give the counts that
// the PyTorch reference (shared/anchors/reference_lstm_ae.py, prepare()) prints, and its 14 sensors.
import { SHIPPED_DATASET_DIR } from '../../platform/repository';
import { readSubsetFiles } from '../../modules/datasets/cmapss-files';
import { seriesFromTrajectories } from './series';
import { REFERENCE_SPLIT, prepareDataset, type PreparedDataset } from './splits';

// The repository ships FD001 (byte-identical to NASA's files, gzip-compressed).
describe('FD001 with the reference split', () => {
  let dataset: PreparedDataset;
  beforeAll(() => {
    const series = seriesFromTrajectories(readSubsetFiles(SHIPPED_DATASET_DIR, 'FD001').train);
    dataset = prepareDataset(series, REFERENCE_SPLIT, { windowLength: 30, stride: 1 });
  });

  it('keeps the 14 informative sensors of the reference', () => {
    expect(dataset.sensorNames).toEqual([2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21].map((number) => `sensor${number}`));
  });

  it('gives the reference counts', () => {
    // 5,032 / 3,913 / 620 as printed by the reference; 708 calibration windows from its prepare().
    expect(dataset.counts).toEqual({
      rows: 20631,
      healthyTrainRows: 7060,
      trainWindows: 5032,
      calibrationWindows: 708,
      testWindows: 3913,
      testAnomalous: 620,
      testNormal: 3293,
    });
    expect(dataset.train.x).toHaveLength(5032 * 30 * 14);
  });

  it('normalises like the reference (first value of the first training window)', () => {
    // Unit 1, cycle 1, sensor 2 reads 641.82; healthy-row mean 642.41445..., std 0.37551...
    expect(dataset.normalisation.mean[0]).toBeCloseTo(642.4144518413593, 9);
    expect(dataset.normalisation.std[0]).toBeCloseTo(0.3755109415549548, 12);
    expect(dataset.train.x[0]).toBe(-1.5830479860305786);
  });
});
