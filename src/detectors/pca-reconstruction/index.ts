// The pca-reconstruction kind: the reference's PCA baseline (scikit-learn's PCA(n_components=0.95,
// svd_solver='full') on flattened windows) with per-sensor residuals.
import { DetectorOptionError, type Detector, type DetectorKind, type OptionSpec, type WindowBatch } from '../detector';
import { resolveOptionValues } from '../options';
import { ArtifactError, arrayOf, packArrays, unpackArrays } from '../common/artifact-arrays';
import { assertFitData, assertWindowShape, calibrateOnHealthy, reportFitted } from '../common/fitting';
import { fitPca, pcaScorer, type PcaModel } from './pca-model';

export interface PcaReconstructionOptions {
  varianceRatio: number;
  /** Absent: chosen by varianceRatio. */
  components?: number;
}

const OPTIONS: readonly OptionSpec[] = [
  {
    name: 'varianceRatio',
    type: 'float',
    description: "Keep the fewest principal components that explain more than this share of the healthy windows' variance.",
    default: 0.95,
    min: 0.01,
    max: 0.9999,
  },
  {
    name: 'components',
    type: 'int',
    description: 'A fixed number of principal components instead (at most window length x sensors).',
    default: null,
    min: 1,
    max: 100000,
  },
];

export const pcaReconstructionKind: DetectorKind<PcaReconstructionOptions> = {
  name: 'pca-reconstruction',
  description:
    "Principal component analysis of the healthy flattened windows; a window's score is the mean squared residual of its " +
    'reconstruction from the leading components (what healthy windows cannot explain).',
  contributions:
    "The sensor's squared reconstruction residuals summed over the window's cycles, divided by the window's cells: the " +
    "contributions add up to the score. Direction: the sensor's mean residual over the last 10 cycles (> 0: reads higher than reconstructed).",
  options: OPTIONS,
  needsLabels: false,

  resolveOptions(input) {
    return resolveOptionValues(OPTIONS, input) as unknown as PcaReconstructionOptions;
  },

  async fit(data, options, context) {
    const startedAt = performance.now();
    context.signal.throwIfAborted();
    assertFitData(data, 2);
    const dimensions = data.windowLength * data.sensors.length;
    if (options.components !== undefined && options.components > dimensions) {
      throw new DetectorOptionError(`components must be at most window length x sensors = ${dimensions}, got ${options.components}`);
    }
    const model = fitPca(data.train, options);
    context.signal.throwIfAborted();
    const detector = createDetector(model, data.windowLength);
    const threshold = await calibrateOnHealthy(detector, data);
    await reportFitted(context, startedAt);
    const { table, binary } = packArrays({ mean: model.mean, basis: model.basis });
    return {
      detector,
      threshold,
      artifact: {
        json: { components: model.components, explainedVariance: model.explainedVariance, basisKind: model.basisKind, arrays: table },
        binary,
      },
      scoring: {
        method: 'pca-reconstruction-error',
        definition: {
          score: "mean over the window's cells of the squared residual x - reconstruction",
          components: model.components,
          varianceRatio: options.components === undefined ? options.varianceRatio : null,
        },
      },
      summary: { trainingWindows: data.train.count, components: model.components, explainedVariance: model.explainedVariance },
    };
  },

  async load(stored) {
    const { json, binary } = stored.artifact;
    const dimensions = stored.windowLength * stored.features;
    const components = json.components;
    const basisKind = json.basisKind;
    if (typeof components !== 'number' || !Number.isInteger(components) || components < 1 || components > dimensions) {
      throw new ArtifactError(`the pca-reconstruction artifact has no valid component count: ${String(components)}`);
    }
    if (basisKind !== 'principal' && basisKind !== 'residual') throw new ArtifactError(`unknown basis kind ${String(basisKind)}`);
    const arrays = unpackArrays(json.arrays, binary);
    const rows = basisKind === 'principal' ? components : dimensions - components;
    const model: PcaModel = {
      dimensions,
      sensors: stored.features,
      components,
      explainedVariance: Number(json.explainedVariance),
      mean: arrayOf(arrays, 'mean', Float64Array, dimensions),
      basisKind,
      basis: arrayOf(arrays, 'basis', Float64Array, rows * dimensions),
    };
    return createDetector(model, stored.windowLength);
  },
};

function createDetector(model: PcaModel, windowLength: number): Detector {
  const score = pcaScorer(model);
  return {
    async score(windows: WindowBatch) {
      assertWindowShape(windows, windowLength, model.sensors);
      return score(windows);
    },
  };
}
