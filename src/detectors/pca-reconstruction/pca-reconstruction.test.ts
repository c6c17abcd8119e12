import fixture from './sklearn-fixture.json';
import anchors from '../../../bench/anchors/sklearn-detectors.json';
import {
  batchOf,
  expectContributionsToAddUp,
  describeKindContract,
  everyNth,
  fd001,
  fitContext,
  fitDataOf,
  pickWindows,
  rocAucOf,
} from '../common/test-helpers';
import { pcaReconstructionKind } from './index';
import { principalAxes } from '../common/principal-axes';
import { fitPca, pcaScorer, type PcaModel } from './pca-model';
import { DIRECTION_CYCLES } from '../common/window-features';
import type { WindowBatch } from '../detector';

const scorePca = (model: Parameters<typeof pcaScorer>[0], windows: Parameters<ReturnType<typeof pcaScorer>>[0]) =>
  pcaScorer(model)(windows);

describeKindContract(pcaReconstructionKind, {});
describeKindContract(pcaReconstructionKind, { components: 5 });

describe("PCA reconstruction against scikit-learn's PCA (bench/anchors/sklearn-detectors.py)", () => {
  const dataset = fd001();
  const train = pickWindows(batchOf(dataset.train), fixture.trainIndices);
  const test = pickWindows(batchOf(dataset.test), fixture.testIndices);

  it('keeps as many components and scores 100 test windows as PCA(0.95, svd_solver="full") in float64 does', () => {
    const model = fitPca(train, { varianceRatio: 0.95 });
    expect(model.components).toBe(fixture.components);
    const { scores } = scorePca(model, test);
    scores.forEach((score, i) => expect(score).toBeCloseTo(fixture.scores[i], 10));
  });

  it('gives the same residuals from the principal and from the residual basis', () => {
    const model = fitPca(train, { components: 5, varianceRatio: 0.95 });
    expect(model.basisKind).toBe('principal');
    const { axes } = principalAxes(train.x, train.count, 420);
    const other: PcaModel = { ...model, basisKind: 'residual', basis: axes.slice(5 * 420) };
    const viaPrincipal = scorePca(model, test);
    const viaResidual = scorePca(other, test);
    viaPrincipal.scores.forEach((score, w) => expect(viaResidual.scores[w]).toBeCloseTo(score, 10));
    viaPrincipal.directions!.forEach((direction, i) => expect(viaResidual.directions![i]).toBeCloseTo(direction, 5));
    expectContributionsToAddUp(viaPrincipal, 14);
  });

  it('refuses more components than a flattened window has values', async () => {
    const options = pcaReconstructionKind.resolveOptions({ components: 421 });
    await expect(pcaReconstructionKind.fit(fitDataOf(dataset), options, fitContext())).rejects.toThrow(
      /at most window length x sensors = 420/,
    );
  });
});

/** Score, contributions and directions of window w as plain float64 loops compute them, summing in index order. */
function plainScore(model: PcaModel, windows: WindowBatch, w: number): number[] {
  const { dimensions, sensors, mean, basis, basisKind } = model;
  const rows = basis.length / dimensions;
  const centred = Array.from({ length: dimensions }, (_, d) => windows.x[w * dimensions + d] - mean[d]);
  const coordinates = Array.from({ length: rows }, (_, j) => {
    let sum = 0;
    for (let d = 0; d < dimensions; d++) sum += basis[j * dimensions + d] * centred[d];
    return sum;
  });
  const squares = new Array<number>(sensors).fill(0);
  const recentSums = new Array<number>(sensors).fill(0);
  const recentFrom = dimensions - DIRECTION_CYCLES * sensors;
  let total = 0;
  for (let d = 0; d < dimensions; d++) {
    let reconstruction = 0;
    for (let j = 0; j < rows; j++) reconstruction += basis[j * dimensions + d] * coordinates[j];
    const r = basisKind === 'principal' ? centred[d] - reconstruction : reconstruction;
    total += r * r;
    squares[d % sensors] += r * r;
    if (d >= recentFrom) recentSums[d % sensors] += r;
  }
  return [
    total / dimensions,
    ...squares.map((square) => Math.fround(square / dimensions)),
    ...recentSums.map((sum) => Math.fround(sum / DIRECTION_CYCLES)),
  ];
}

describe('the SIMD scorer (common/float64-products.ts) on FD001', () => {
  const dataset = fd001();
  const train = batchOf(dataset.train);
  // Every 7th test window: 559, so the last kernel call and its last group of four are partly filled.
  const test = everyNth(batchOf(dataset.test), 7);

  it.each([
    ['the residual basis of 95% of the variance', { varianceRatio: 0.95 }],
    ['the principal basis of 5 components', { components: 5, varianceRatio: 0.95 }],
  ])('scores bit for bit as plain float64 loops do, with %s', (_, choice) => {
    const model = fitPca(train, choice);
    const scorer = pcaScorer(model);
    const { scores, contributions, directions } = scorer(test);
    const sensors = model.sensors;
    const size = test.windowLength * test.features;
    let compared = 0;
    for (let w = 0; w < test.count; w++) {
      const expected = plainScore(model, test, w);
      const actual = [
        scores[w],
        ...contributions!.subarray(w * sensors, (w + 1) * sensors),
        ...directions!.subarray(w * sensors, (w + 1) * sensors),
      ];
      // Object.is: equal bits, -0 apart from 0; toEqual would pass numbers that differ in the last bit only to report them.
      if (!actual.every((value, i) => Object.is(value, expected[i])))
        expect({ window: w, actual }).toEqual({ window: w, actual: expected });
      compared++;
      // One window per call too, alone in its group.
      if (w % 50 === 0)
        expect(Object.is(scorer({ ...test, x: test.x.subarray(w * size, (w + 1) * size), count: 1 }).scores[0], scores[w])).toBe(true);
    }
    expect(compared).toBe(559);
  });
});

describe('pca-reconstruction on FD001', () => {
  it("comes within 0.001 ROC-AUC of scikit-learn's PCA on the 3,913 test windows", async () => {
    const dataset = fd001();
    const fitted = await pcaReconstructionKind.fit(fitDataOf(dataset), pcaReconstructionKind.resolveOptions({}), fitContext());
    expect(fitted.summary.components).toBe(anchors.detectors['pca-reconstruction'].components);
    const { scores } = await fitted.detector.score(batchOf(dataset.test));
    expect(Math.abs(rocAucOf(dataset.testLabels!, scores) - anchors.detectors['pca-reconstruction'].rocAuc)).toBeLessThan(0.001);
  });
});
