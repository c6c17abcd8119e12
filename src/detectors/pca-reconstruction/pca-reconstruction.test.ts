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
import { pcaReconstructionKind } from './index';
import { principalAxes } from '../common/principal-axes';
import { fitPca, pcaScorer, type PcaModel } from './pca-model';
import { LANES, laneProducts } from './lane-products';

const scorePca = (model: Parameters<typeof pcaScorer>[0], windows: Parameters<ReturnType<typeof pcaScorer>>[0]) =>
  pcaScorer(model)(windows);

describeKindContract(pcaReconstructionKind, {});
describeKindContract(pcaReconstructionKind, { components: 5 });

describe("PCA's products of eight windows at once", () => {
  it('gives what plain float64 loops give, term by term in the same order, bit for bit', () => {
    let seed = 5;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
    for (const [rows, dimensions] of [
      [3, 7],
      [13, 420],
      [1, 1],
    ]) {
      const basis = Float64Array.from({ length: rows * dimensions }, random);
      const products = laneProducts(basis, rows, dimensions);
      products.centred.set(Float64Array.from({ length: dimensions * LANES }, random));
      products.run();
      for (let l = 0; l < LANES; l++) {
        const coordinates = Array.from({ length: rows }, (_, j) => {
          let sum = 0;
          for (let d = 0; d < dimensions; d++) sum += basis[j * dimensions + d] * products.centred[d * LANES + l];
          return sum;
        });
        for (let d = 0; d < dimensions; d++) {
          let sum = 0;
          for (let j = 0; j < rows; j++) sum += basis[j * dimensions + d] * coordinates[j];
          expect(products.reconstruction[d * LANES + l]).toBe(sum);
        }
      }
    }
  });

  it('scores a window alike in a batch and alone', () => {
    const dataset = fd001();
    const test = pickWindows(batchOf(dataset.test), [0, 40, 80, 120, 160, 200, 240, 280, 320, 360, 400]);
    const score = pcaScorer(fitPca(pickWindows(batchOf(dataset.train), fixture.trainIndices), { varianceRatio: 0.95 }));
    const together = score(test);
    for (let w = 0; w < test.count; w++) {
      const alone = score(pickWindows(test, [w]));
      expect(alone.scores[0]).toBe(together.scores[w]);
      expect(Array.from(alone.contributions)).toEqual(Array.from(together.contributions.subarray(w * 14, (w + 1) * 14)));
    }
  });
});

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

describe('pca-reconstruction on FD001', () => {
  it("comes within 0.001 ROC-AUC of scikit-learn's PCA on the 3,913 test windows", async () => {
    const dataset = fd001();
    const fitted = await pcaReconstructionKind.fit(fitDataOf(dataset), pcaReconstructionKind.resolveOptions({}), fitContext());
    expect(fitted.summary.components).toBe(anchors.detectors['pca-reconstruction'].components);
    const { scores } = await fitted.detector.score(batchOf(dataset.test));
    expect(Math.abs(rocAucOf(dataset.testLabels!, scores) - anchors.detectors['pca-reconstruction'].rocAuc)).toBeLessThan(0.001);
  });
});
