import anchors from '../../../bench/anchors/sklearn-detectors.json';
import { batchOf, describeKindContract, fd001, fitContext, fitDataOf, rocAucOf } from '../common/test-helpers';
import { zScoreKind } from './index';
import { fitRobustScale, scoreRobustZ } from './robust-z';

describeKindContract(zScoreKind, {});
describeKindContract(zScoreKind, { recentSteps: 5, topSensors: 3 });

describe('robust z-scores', () => {
  // Two sensors over windows of 3 cycles: sensor 0 reads 0..5 (median 2.5, MAD 1.5), sensor 1 is constant.
  const train = { x: Float32Array.from([0, 7, 1, 7, 2, 7, 3, 7, 4, 7, 5, 7]), count: 2, windowLength: 3, features: 2 };

  it('takes the median and MAD x 1.4826 over every cycle, and 1 for a sensor without spread', () => {
    const robust = fitRobustScale(train);
    expect(Array.from(robust.median)).toEqual([2.5, 7]);
    expect(Array.from(robust.scale)).toEqual([1.5 * 1.4826, 1]);
  });

  it("scores a window by its sensors' mean |z| over the recent cycles, directions by the signed mean", () => {
    const robust = fitRobustScale(train);
    const window = { x: Float32Array.from([100, 0, 2.5 + 2 * 2.2239, 9, 2.5 - 4 * 2.2239, 5]), count: 1, windowLength: 3, features: 2 };
    const result = scoreRobustZ(window, robust, 2, 2);
    expect(result.contributions[0]).toBeCloseTo(3, 5);
    expect(result.contributions[1]).toBeCloseTo(2, 5);
    expect(result.directions![0]).toBeCloseTo(-1, 5);
    expect(result.directions![1]).toBeCloseTo(0, 5);
    expect(result.scores[0]).toBeCloseTo(2.5, 5);
    expect(scoreRobustZ(window, robust, 2, 1).scores[0]).toBeCloseTo(3, 5);
  });

  it('refuses more recent steps than the window has cycles, and more top sensors than there are', async () => {
    const data = fitDataOf(fd001());
    await expect(zScoreKind.fit(data, zScoreKind.resolveOptions({ recentSteps: 31 }), fitContext())).rejects.toThrow(/recentSteps/);
    await expect(zScoreKind.fit(data, zScoreKind.resolveOptions({ topSensors: 15 }), fitContext())).rejects.toThrow(/topSensors/);
    expect(() => zScoreKind.resolveOptions({ recentSteps: 0 })).toThrow(/recentSteps must be at least 1/);
  });
});

describe('z-score on FD001', () => {
  it("ranks the test windows as numpy's robust z does (bench/anchors/sklearn-detectors.py)", async () => {
    const dataset = fd001();
    const fitted = await zScoreKind.fit(fitDataOf(dataset), zScoreKind.resolveOptions({}), fitContext());
    const { scores } = await fitted.detector.score(batchOf(dataset.test));
    expect(rocAucOf(dataset.testLabels!, scores)).toBeCloseTo(anchors.detectors['z-score'].rocAuc, 9);
  });
});
