// The isolation-forest kind: the reference's IsolationForest(n_estimators=200) baseline, on flattened
// windows or on per-sensor summaries of them, with per-sensor contributions.
import { DetectorOptionError, type Detector, type DetectorKind, type OptionSpec, type WindowBatch } from '../detector';
import { resolveOptionValues } from '../options';
import { ArtifactError, arrayOf, packArrays, unpackArrays } from '../common/artifact-arrays';
import { assertFitData, assertWindowShape, calibrateOnHealthy, reportFitted } from '../common/fitting';
import { FEATURE_LAYOUTS, featureCount, recentMeanReadings, windowFeatures, type FeatureLayout } from '../common/window-features';
import { growForest, scoreForest, type Forest } from './forest';

export interface IsolationForestOptions {
  trees: number;
  sampleSize: number;
  seed: number;
  features: FeatureLayout;
}

const OPTIONS: readonly OptionSpec[] = [
  { name: 'trees', type: 'int', description: 'Trees in the forest (scikit-learn: n_estimators).', default: 200, min: 1, max: 2000 },
  {
    name: 'sampleSize',
    type: 'int',
    description: 'Training windows each tree isolates, drawn without replacement (scikit-learn: max_samples); at most all of them.',
    default: 256,
    min: 2,
    max: 100000,
  },
  {
    name: 'seed',
    type: 'int',
    description: 'Seed of the samples and splits: the same seed grows the same forest.',
    default: 0,
    min: 0,
    max: 2147483647,
  },
  {
    name: 'features',
    type: 'string',
    description:
      "What the trees split on: 'flattened' (every reading of the window), 'summary' (per sensor: mean, least-squares slope, " +
      "standard deviation and last reading over the window) or 'both'.",
    default: 'flattened',
    choices: FEATURE_LAYOUTS,
  },
];

/** Rows the forest reads and their stride: the windows themselves when flattened, else their features. */
function rowsOf(windows: WindowBatch, layout: FeatureLayout): { rows: ArrayLike<number>; stride: number } {
  if (layout === 'flattened') return { rows: windows.x, stride: windows.windowLength * windows.features };
  return { rows: windowFeatures(windows, layout), stride: featureCount(layout, windows.windowLength, windows.features) };
}

export const isolationForestKind: DetectorKind<IsolationForestOptions> = {
  name: 'isolation-forest',
  description:
    'An isolation forest (Liu et al. 2008, as scikit-learn grows it): random trees split healthy windows at random; a window ' +
    'isolated in few splits is anomalous. Score 2^(-E[h]/c(n)) in (0, 1]: about 0.5 or below is ordinary.',
  contributions:
    "The sensor's share of the splits along the window's paths through the trees, each split weighted 1 / (depth + 1) so that " +
    'splits near the root count most, times the score: the contributions add up to the score.',
  options: OPTIONS,
  needsLabels: false,

  resolveOptions(input) {
    return resolveOptionValues(OPTIONS, input) as unknown as IsolationForestOptions;
  },

  async fit(data, options, context) {
    const startedAt = performance.now();
    context.signal.throwIfAborted();
    assertFitData(data, 2);
    const { rows, stride } = rowsOf(data.train, options.features);
    const forest = growForest(rows, data.train.count, stride, options, context.signal);
    const detector = createDetector(forest, options.features, data.windowLength, data.sensors.length);
    const threshold = await calibrateOnHealthy(detector, data);
    await reportFitted(context, startedAt);
    const { table, binary } = packArrays({
      roots: forest.roots,
      feature: forest.feature,
      threshold: forest.threshold,
      left: forest.left,
      right: forest.right,
      leafPathLength: forest.leafPathLength,
    });
    return {
      detector,
      threshold,
      artifact: { json: { trees: forest.trees, sampleSize: forest.sampleSize, width: forest.width, arrays: table }, binary },
      scoring: {
        method: 'isolation-score',
        definition: {
          score: '2^(-E[h(x)] / c(sampleSize))',
          sampleSize: forest.sampleSize,
          trees: forest.trees,
          features: options.features,
        },
      },
      summary: { trainingWindows: data.train.count, trees: forest.trees, sampleSize: forest.sampleSize, nodes: forest.feature.length },
    };
  },

  async load(stored) {
    const { json, binary } = stored.artifact;
    const { trees, sampleSize, width } = json;
    const layout = stored.options.features;
    const expectedWidth = featureCount(layout, stored.windowLength, stored.features);
    if (width !== expectedWidth || typeof trees !== 'number' || typeof sampleSize !== 'number' || trees < 1 || sampleSize < 2) {
      throw new ArtifactError(
        `the isolation-forest artifact does not fit ${layout} features of ${stored.windowLength} x ${stored.features} windows`,
      );
    }
    const arrays = unpackArrays(json.arrays, binary);
    const feature = arrayOf(arrays, 'feature', Int32Array);
    const nodes = feature.length;
    const forest: Forest = {
      trees,
      sampleSize,
      width,
      roots: arrayOf(arrays, 'roots', Int32Array, trees),
      feature,
      threshold: arrayOf(arrays, 'threshold', Float64Array, nodes),
      left: arrayOf(arrays, 'left', Int32Array, nodes),
      right: arrayOf(arrays, 'right', Int32Array, nodes),
      leafPathLength: arrayOf(arrays, 'leafPathLength', Float64Array, nodes),
    };
    for (let node = 0; node < nodes; node++) {
      const f = feature[node];
      if (f >= width || (f >= 0 && !(forest.left[node] > node && forest.right[node] > node && forest.right[node] < nodes))) {
        throw new ArtifactError(`the isolation-forest artifact's node ${node} is malformed`);
      }
    }
    return createDetector(forest, layout, stored.windowLength, stored.features);
  },
};

function createDetector(forest: Forest, layout: FeatureLayout, windowLength: number, sensors: number): Detector {
  if (forest.width !== featureCount(layout, windowLength, sensors)) {
    throw new DetectorOptionError(
      `the forest reads ${forest.width} features, not ${layout} features of ${windowLength} x ${sensors} windows`,
    );
  }
  return {
    async score(windows: WindowBatch) {
      assertWindowShape(windows, windowLength, sensors);
      const { rows, stride } = rowsOf(windows, layout);
      const result = scoreForest(forest, rows, windows.count, stride, sensors);
      return {
        scores: result.scores,
        raw: result.pathLengths,
        contributions: result.contributions,
        directions: recentMeanReadings(windows),
      };
    },
  };
}
