// The local-outlier-factor kind: novelty LOF on standardised per-sensor summaries of the windows by
// default. In the 420 values of a flattened window every distance is dominated by cycle-to-cycle noise
// and the neighbour search is 7.5x the work (docs/detectors.md).
import type { Detector, DetectorKind, OptionSpec, WindowBatch } from '../detector';
import { resolveOptionValues } from '../options';
import { ArtifactError, arrayOf, packArrays, unpackArrays } from '../common/artifact-arrays';
import { assertFitData, assertWindowShape, calibrateOnHealthy, reportFitted } from '../common/fitting';
import { FEATURE_LAYOUTS, featureCount, recentMeanReadings, windowFeatures, type FeatureLayout } from '../common/window-features';
import { fitLof, lofScorer, type LofModel } from './lof-model';

export interface LocalOutlierFactorOptions {
  neighbours: number;
  features: FeatureLayout;
}

const OPTIONS: readonly OptionSpec[] = [
  {
    name: 'neighbours',
    type: 'int',
    description: 'Neighbours k whose densities a window is compared with (scikit-learn: n_neighbors); at most the training windows - 1.',
    default: 20,
    min: 1,
    max: 1000,
  },
  {
    name: 'features',
    type: 'string',
    description:
      "Where distances are measured, each feature standardised on the training windows: 'summary' (per sensor: mean, " +
      "least-squares slope, standard deviation and last reading over the window), 'flattened' (every reading) or 'both'.",
    default: 'summary',
    choices: FEATURE_LAYOUTS,
  },
];

export const localOutlierFactorKind: DetectorKind<LocalOutlierFactorOptions> = {
  name: 'local-outlier-factor',
  description:
    "Local outlier factor (Breunig et al. 2000) of a window among the healthy training windows, as scikit-learn's " +
    'LocalOutlierFactor(novelty=True) computes it: about 1 inside the healthy cloud, larger the sparser its neighbourhood.',
  contributions:
    "The sensor's share of the squared distances from the window to its k nearest healthy training windows (the squared " +
    "differences of the sensor's features, summed over the neighbours), times the score: the contributions add up to the score.",
  options: OPTIONS,
  needsLabels: false,

  resolveOptions(input) {
    return resolveOptionValues(OPTIONS, input) as unknown as LocalOutlierFactorOptions;
  },

  async fit(data, options, context) {
    const startedAt = performance.now();
    context.signal.throwIfAborted();
    assertFitData(data, 2);
    const dimensions = featureCount(options.features, data.windowLength, data.sensors.length);
    const rows = windowFeatures(data.train, options.features);
    const model = fitLof(rows, data.train.count, dimensions, data.sensors.length, options.neighbours, context.signal);
    const detector = createDetector(model, options.features, data.windowLength);
    const threshold = await calibrateOnHealthy(detector, data);
    await reportFitted(context, startedAt);
    const { table, binary } = packArrays({
      mean: model.mean,
      std: model.std,
      points: model.points,
      centre: model.centre,
      axes: model.axes,
      kDistance: model.kDistance,
      density: model.density,
    });
    return {
      detector,
      threshold,
      artifact: { json: { k: model.k, arrays: table }, binary },
      scoring: {
        method: 'local-outlier-factor',
        definition: {
          score: 'mean over the k nearest training windows of lrd(neighbour) / lrd(window)',
          k: model.k,
          features: options.features,
        },
      },
      summary: { trainingWindows: data.train.count, k: model.k, dimensions },
    };
  },

  async load(stored) {
    const { json, binary } = stored.artifact;
    const layout = stored.options.features;
    const dimensions = featureCount(layout, stored.windowLength, stored.features);
    const arrays = unpackArrays(json.arrays, binary);
    const points = arrayOf(arrays, 'points', Float64Array);
    const count = points.length / dimensions;
    const k = json.k;
    if (!Number.isInteger(count) || typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > count) {
      throw new ArtifactError(
        `the local-outlier-factor artifact does not hold ${layout} features of ${stored.windowLength} x ${stored.features} windows`,
      );
    }
    const model: LofModel = {
      dimensions,
      sensors: stored.features,
      k,
      mean: arrayOf(arrays, 'mean', Float64Array, dimensions),
      std: arrayOf(arrays, 'std', Float64Array, dimensions),
      points,
      centre: arrayOf(arrays, 'centre', Float64Array, dimensions),
      axes: arrayOf(arrays, 'axes', Float64Array, dimensions * dimensions),
      kDistance: arrayOf(arrays, 'kDistance', Float64Array, count),
      density: arrayOf(arrays, 'density', Float64Array, count),
    };
    return createDetector(model, layout, stored.windowLength);
  },
};

function createDetector(model: LofModel, layout: FeatureLayout, windowLength: number): Detector {
  const score = lofScorer(model);
  return {
    async score(windows: WindowBatch) {
      assertWindowShape(windows, windowLength, model.sensors);
      const { scores, contributions } = score(windowFeatures(windows, layout), windows.count);
      return { scores, raw: scores.slice(), contributions, directions: recentMeanReadings(windows) };
    },
  };
}
