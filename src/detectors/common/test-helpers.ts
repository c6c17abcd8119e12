// What the classic kinds' tests share: FD001's reference windows built by the product's own pipeline, fit
// inputs made of them, and the checks every kind must pass (the DetectorKind contract).
import { windowBatch } from '../detector';
import { SHIPPED_DATASET_DIR } from '../../platform/repository';
import { readSubsetFiles } from '../../modules/datasets/cmapss-files';
import { seriesFromTrajectories } from '../../domain/data/series';
import { prepareDataset, REFERENCE_SPLIT, type PreparedDataset } from '../../domain/data/splits';
import { evaluateScores } from '../../domain/evaluation/metrics';
import { calibrateThreshold } from '../../domain/evaluation/threshold';
import type {
  DetectorArtifact,
  DetectorKind,
  FitContext,
  FitData,
  FitProgress,
  FittedDetector,
  WindowBatch,
  WindowScores,
} from '../detector';

let cached: PreparedDataset | undefined;

/** FD001 with the reference split (5,032 training, 708 calibration, 3,913 test windows of 30 x 14). */
export function fd001(): PreparedDataset {
  cached ??= prepareDataset(seriesFromTrajectories(readSubsetFiles(SHIPPED_DATASET_DIR, 'FD001').train), REFERENCE_SPLIT, {
    windowLength: 30,
    stride: 1,
  });
  return cached;
}

/** The pipeline's own conversion (src/modules/training/training-pipeline.ts). */
export const batchOf = windowBatch;

/** Windows `indices` of `batch`, copied. */
export function pickWindows(batch: WindowBatch, indices: readonly number[]): WindowBatch {
  const size = batch.windowLength * batch.features;
  const x = new Float32Array(indices.length * size);
  indices.forEach((index, k) => x.set(batch.x.subarray(index * size, (index + 1) * size), k * size));
  return { x, count: indices.length, windowLength: batch.windowLength, features: batch.features };
}

/** Every `step`-th window of `batch`, at most `limit`. */
export function everyNth(batch: WindowBatch, step: number, limit = Infinity): WindowBatch {
  const indices: number[] = [];
  for (let i = 0; i < batch.count && indices.length < limit; i += step) indices.push(i);
  return pickWindows(batch, indices);
}

export function fitDataOf(dataset: PreparedDataset, train = batchOf(dataset.train), calibration = batchOf(dataset.calibration)): FitData {
  return {
    sensors: dataset.sensorNames,
    windowLength: dataset.windowLength,
    train,
    calibration,
    thresholdQuantile: 0.99,
    preprocessing: 'test windows',
    trainTrajectories: async () => null,
    calibrationTrajectories: async () => null,
  };
}

export function fitContext(signal = new AbortController().signal): FitContext & { progress: FitProgress[] } {
  const progress: FitProgress[] = [];
  return {
    signal,
    progress,
    async onProgress(step) {
      progress.push(step);
    },
    runtime: {},
    cacheKey: 'test',
  };
}

/** The artifact as the registry stores and reads it back: JSON text and a copy of the bytes. */
export function storedCopy(artifact: DetectorArtifact): DetectorArtifact {
  const json = JSON.parse(JSON.stringify(artifact.json)) as Record<string, unknown>;
  // A Buffer-like view at an odd offset, as a database driver may hand the bytes back.
  const binary = artifact.binary === null ? null : new Uint8Array([0, ...artifact.binary]).subarray(1);
  return { json, binary };
}

export function rocAucOf(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const { rocAuc } = evaluateScores(labels, scores, Infinity);
  if (rocAuc === null) throw new Error('one class only');
  return rocAuc;
}

/** Checks that each of the first `count` windows' contributions add up to its score. */
export function expectContributionsToAddUp(result: WindowScores, sensors: number, count = result.scores.length): void {
  for (let w = 0; w < count; w++) {
    const sum = result.contributions.subarray(w * sensors, (w + 1) * sensors).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(result.scores[w], 5);
  }
}

/** Pearson correlation of two equally long series. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i] / a.length;
    mb += b[i] / b.length;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/**
 * The checks every kind passes on small FD001 data (`train` training windows; the test windows of the
 * reference split, every 10th): determinism, a stored copy that scores identically, contributions and
 * directions of the documented shape, the threshold as the quantile of the calibration scores, progress
 * and cancellation, and clear errors for bad options and windows of the wrong shape.
 */
export function describeKindContract<Options>(kind: DetectorKind<Options>, input: Record<string, unknown>, trainStep = 10): void {
  describe(`${kind.name} ${JSON.stringify(input)}: the detector contract`, () => {
    let data: FitData;
    let test: WindowBatch;
    let fitted: FittedDetector;
    let context: ReturnType<typeof fitContext>;
    beforeAll(async () => {
      const dataset = fd001();
      data = fitDataOf(dataset, everyNth(batchOf(dataset.train), trainStep), everyNth(batchOf(dataset.calibration), 2));
      test = everyNth(batchOf(dataset.test), 10);
      context = fitContext();
      fitted = await kind.fit(data, kind.resolveOptions(input), context);
    });

    it('reports its progress and sets the threshold at the quantile of the calibration scores', async () => {
      expect(context.progress.length).toBeGreaterThanOrEqual(1);
      const { scores } = await fitted.detector.score(data.calibration);
      expect(fitted.threshold).toBe(calibrateThreshold(scores, data.thresholdQuantile));
    });

    it('scores with finite scores, non-negative contributions and directions of one value per sensor', async () => {
      const result = await fitted.detector.score(test);
      const sensors = test.features;
      expect(result.scores).toHaveLength(test.count);
      expect(result.raw).toHaveLength(test.count);
      expect(result.contributions).toHaveLength(test.count * sensors);
      expect(result.directions).not.toBeNull();
      expect(result.directions).toHaveLength(test.count * sensors);
      expect(result.scores.every(Number.isFinite)).toBe(true);
      expect(result.contributions.every((value) => value >= 0 && Number.isFinite(value))).toBe(true);
      expect(result.directions!.every(Number.isFinite)).toBe(true);
    });

    it('fits the same detector again from the same data and options', async () => {
      const again = await kind.fit(data, kind.resolveOptions(input), fitContext());
      expect(again.threshold).toBe(fitted.threshold);
      expect((await again.detector.score(test)).scores).toEqual((await fitted.detector.score(test)).scores);
    });

    it('loads from a stored copy of its artifact a detector that scores identically', async () => {
      const loaded = await kind.load(
        {
          cacheKey: 'stored',
          options: kind.resolveOptions(input),
          artifact: storedCopy(fitted.artifact),
          scoring: fitted.scoring,
          features: data.sensors.length,
          windowLength: data.windowLength,
        },
        {},
      );
      expect(await loaded.score(test)).toEqual(await fitted.detector.score(test));
    });

    it('stops when the job is cancelled, before it starts or while it fits, and reports nothing then', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(kind.fit(data, kind.resolveOptions(input), fitContext(controller.signal))).rejects.toThrow();
      // A job cancelled after the fit's first look at its signal: the next look must stop it.
      let looks = 0;
      const cancelledLater = {
        get aborted() {
          return looks > 0;
        },
        throwIfAborted() {
          if (looks++ > 0) throw new Error('cancelled');
        },
      } as AbortSignal;
      const cancelled = fitContext(cancelledLater);
      await expect(kind.fit(data, kind.resolveOptions(input), cancelled)).rejects.toThrow('cancelled');
      expect(looks).toBeGreaterThan(1);
      expect(cancelled.progress).toEqual([]);
    });

    it('refuses windows of another shape and unknown options', async () => {
      await expect(fitted.detector.score({ ...test, features: test.features - 1 })).rejects.toThrow(/fitted on 30 x 14/);
      expect(() => kind.resolveOptions({ ...input, noSuchOption: 1 })).toThrow(/unknown option noSuchOption/);
    });
  });
}
