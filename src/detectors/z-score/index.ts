// The z-score kind: no model beyond each sensor's healthy median and spread, so it fits in milliseconds
// and is the baseline every other kind must beat.
import { DetectorOptionError, type Detector, type DetectorKind, type OptionSpec, type WindowBatch } from '../detector';
import { resolveOptionValues } from '../options';
import { assertFitData, assertWindowShape, calibrateOnHealthy, reportFitted } from '../common/fitting';
import { ArtifactError } from '../common/artifact-arrays';
import { MAD_TO_STD, fitRobustScale, scoreRobustZ, type RobustScale } from './robust-z';

export interface ZScoreOptions {
  recentSteps: number;
  /** Absent: every sensor (the window's score is the mean over sensors). */
  topSensors?: number;
}

const OPTIONS: readonly OptionSpec[] = [
  {
    name: 'recentSteps',
    type: 'int',
    description: "Cycles at the end of the window whose |z| are averaged per sensor (at most the window's length).",
    default: 10,
    min: 1,
    max: 1000,
  },
  {
    name: 'topSensors',
    type: 'int',
    description: "The window's score is the mean of this many largest per-sensor scores; absent: of every sensor's.",
    default: null,
    min: 1,
    max: 1000,
  },
];

function checkAgainstWindows(options: ZScoreOptions, windowLength: number, sensors: number): number {
  if (options.recentSteps > windowLength) {
    throw new DetectorOptionError(`recentSteps must be at most the window length ${windowLength}, got ${options.recentSteps}`);
  }
  const top = options.topSensors ?? sensors;
  if (top > sensors) throw new DetectorOptionError(`topSensors must be at most the ${sensors} sensors, got ${top}`);
  return top;
}

function robustScaleFrom(json: Record<string, unknown>, sensors: number): RobustScale {
  const read = (name: string) => {
    const values = json[name];
    if (!Array.isArray(values) || values.length !== sensors || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new ArtifactError(`the z-score artifact needs ${sensors} finite numbers in ${name}`);
    }
    return Float64Array.from(values as number[]);
  };
  return { median: read('median'), scale: read('scale') };
}

export const zScoreKind: DetectorKind<ZScoreOptions> = {
  name: 'z-score',
  description:
    "Robust per-sensor z-scores: each sensor's distance from its healthy median in MAD x 1.4826 units, " +
    "averaged over the window's last cycles; the window's score combines the sensors' (their mean by default).",
  contributions:
    "The sensor's mean |robust z| over the window's last recentSteps cycles: how many robust standard deviations of the healthy " +
    'training windows it reads away from its healthy median.',
  options: OPTIONS,
  needsLabels: false,

  resolveOptions(input) {
    return resolveOptionValues(OPTIONS, input) as unknown as ZScoreOptions;
  },

  async fit(data, options, context) {
    const startedAt = performance.now();
    context.signal.throwIfAborted();
    assertFitData(data);
    const topSensors = checkAgainstWindows(options, data.windowLength, data.sensors.length);
    const robust = fitRobustScale(data.train);
    const detector = createDetector(robust, options, data.windowLength);
    const threshold = await calibrateOnHealthy(detector, data);
    await reportFitted(context, startedAt);
    return {
      detector,
      threshold,
      artifact: { json: { median: Array.from(robust.median), scale: Array.from(robust.scale) }, binary: null },
      scoring: {
        method: 'robust-z',
        definition: {
          score:
            topSensors === data.sensors.length
              ? 'mean over sensors of the mean |z|'
              : `mean of the ${topSensors} largest per-sensor mean |z|`,
          z: `(reading - healthy median) / (healthy MAD x ${MAD_TO_STD})`,
          recentSteps: options.recentSteps,
          topSensors,
        },
      },
      summary: { trainingWindows: data.train.count, recentSteps: options.recentSteps, topSensors },
    };
  },

  async load(stored) {
    const robust = robustScaleFrom(stored.artifact.json, stored.features);
    return createDetector(robust, stored.options, stored.windowLength);
  },
};

function createDetector(robust: RobustScale, options: ZScoreOptions, windowLength: number): Detector {
  const sensors = robust.median.length;
  const topSensors = checkAgainstWindows(options, windowLength, sensors);
  return {
    async score(windows: WindowBatch) {
      assertWindowShape(windows, windowLength, sensors);
      return scoreRobustZ(windows, robust, options.recentSteps, topSensors);
    },
  };
}
