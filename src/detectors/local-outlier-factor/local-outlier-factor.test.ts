import fixture from './sklearn-fixture.json';
import anchors from '../../../bench/anchors/sklearn-detectors.json';
import {
  batchOf,
  expectContributionsToAddUp,
  describeKindContract,
  fd001,
  fitContext,
  fitDataOf,
  pickWindows,
  rocAucOf,
} from '../common/test-helpers';
import { windowFeatures } from '../common/window-features';
import { localOutlierFactorKind } from './index';
import { fitLof, lofScorer } from './lof-model';
import { NeighbourSearch } from './nearest-neighbours';

describeKindContract(localOutlierFactorKind, {});
describeKindContract(localOutlierFactorKind, { neighbours: 5, features: 'flattened' }, 20);

describe('nearest neighbours', () => {
  it('finds the k nearest points in order, leaving a point out when asked', () => {
    // Points on a line at 0, 1, 3, 6, 10 (one dimension) and on a diagonal in five.
    const line = new NeighbourSearch(Float64Array.from([0, 1, 3, 6, 10]), 5, 1, 3);
    const near = line.search(Float64Array.from([2.9]), 1);
    expect(Array.from(near.indices)).toEqual([2, 1, 0]);
    expect(Array.from(near.squaredDistances).map((d) => Number(d.toFixed(6)))).toEqual([0.01, 3.61, 8.41]);
    // Without point 2 (at 3): 1 at distance 2, then 0 and 6 both at 3, the earlier point first.
    expect(Array.from(line.search(Float64Array.from([3]), 1, Int32Array.from([2])).indices)).toEqual([1, 0, 3]);
    // The second query starts from the first one's neighbour, the point it leaves out: no bound from that.
    const pair = new NeighbourSearch(Float64Array.from([0, 10, 11]), 3, 1, 1).search(
      Float64Array.from([10.9, 11]),
      2,
      Int32Array.from([-1, 2]),
    );
    expect(Array.from(pair.indices)).toEqual([2, 1]);
    const points = Float64Array.from({ length: 50 }, (_, i) => Math.floor(i / 5));
    const diagonal = new NeighbourSearch(points, 10, 5, 2).search(Float64Array.from([7.2, 7.2, 7.2, 7.2, 7.2]), 1);
    expect(Array.from(diagonal.indices)).toEqual([7, 8]);
    expect(diagonal.squaredDistances[0]).toBeCloseTo(5 * 0.04, 12);
  });

  it('finds what an exhaustive float64 scan ranked by (distance, index) finds, ties and left-out points included', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    // The last case sits far from the origin: there the float32 products cancel badly (||q|| ||p|| is
    // 10^6 times the distances), so only the exact re-check of every point near the k-th can get it right.
    for (const [count, dimensions, k, offset] of [
      [300, 7, 5, 0],
      [200, 1, 20, 0],
      [64, 56, 10, 0],
      [150, 13, 7, 1000],
    ]) {
      // Coarse values (multiples of 0.5 on a few levels) give many equal distances.
      const points = Float64Array.from({ length: count * dimensions }, () => offset + Math.floor(random() * 4) / 2);
      const exclude = Int32Array.from({ length: count }, (_, query) => (query % 2 === 0 ? query : -1));
      const search = new NeighbourSearch(points, count, dimensions, k);
      const found = search.search(points, count, exclude);
      for (let query = 0; query < count; query++) {
        // Searched alone, as a scoreWindow call does (its own kernel): the same answer.
        const alone = search.search(points.subarray(query * dimensions, (query + 1) * dimensions), 1, exclude.subarray(query, query + 1));
        const ranked = Array.from({ length: count }, (_, i) => i)
          .filter((i) => i !== exclude[query])
          .map((i) => {
            let sum = 0;
            for (let d = 0; d < dimensions; d++) sum += (points[query * dimensions + d] - points[i * dimensions + d]) ** 2;
            return { i, sum };
          })
          .sort((a, b) => a.sum - b.sum || a.i - b.i)
          .slice(0, k);
        expect(Array.from(found.indices.subarray(query * k, (query + 1) * k))).toEqual(ranked.map((entry) => entry.i));
        expect(Array.from(found.squaredDistances.subarray(query * k, (query + 1) * k))).toEqual(ranked.map((entry) => entry.sum));
        expect(Array.from(alone.indices)).toEqual(ranked.map((entry) => entry.i));
        expect(Array.from(alone.squaredDistances)).toEqual(ranked.map((entry) => entry.sum));
      }
    }
  });
});

describe("LOF against scikit-learn's LocalOutlierFactor(n_neighbors=20, novelty=True)", () => {
  it('scores 100 test windows as it does on the standardised summaries of 200 training windows', () => {
    const dataset = fd001();
    const train = pickWindows(batchOf(dataset.train), fixture.trainIndices);
    const test = pickWindows(batchOf(dataset.test), fixture.testIndices);
    const model = fitLof(windowFeatures(train, 'summary'), train.count, 56, 14, 20);
    const { scores } = lofScorer(model)(windowFeatures(test, 'summary'), test.count);
    scores.forEach((score, i) => expect(score).toBeCloseTo(fixture.scores[i], 9));
    // One window per call gives the same scores, bit for bit.
    const scorer = lofScorer(model);
    const alone = Array.from({ length: test.count }, (_, i) => scorer(windowFeatures(pickWindows(test, [i]), 'summary'), 1).scores[0]);
    expect(alone).toEqual(Array.from(scores));
  });
});

describe('local-outlier-factor on FD001', () => {
  it("comes within 0.001 ROC-AUC of scikit-learn's on the 3,913 test windows, contributions adding up to the score", async () => {
    const dataset = fd001();
    const fitted = await localOutlierFactorKind.fit(fitDataOf(dataset), localOutlierFactorKind.resolveOptions({}), fitContext());
    const result = await fitted.detector.score(batchOf(dataset.test));
    expect(Math.abs(rocAucOf(dataset.testLabels!, result.scores) - anchors.detectors['local-outlier-factor/summary'].rocAuc)).toBeLessThan(
      0.001,
    );
    expectContributionsToAddUp(result, 14, 100);
  });
});
