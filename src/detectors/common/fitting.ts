// What every classic kind does around its own fit: stop when the job is cancelled, report its one step,
// check the windows it is given, and set its threshold on the healthy calibration windows.
import { calibrateThreshold } from '../../domain/evaluation/threshold';
import type { Detector, FitContext, FitData, WindowBatch } from '../detector';

/** The classic kinds fit in one go: one step of one. */
export async function reportFitted(context: FitContext, startedAt: number): Promise<void> {
  context.signal.throwIfAborted();
  await context.onProgress({
    step: 1,
    totalSteps: 1,
    loss: null,
    validationLoss: null,
    learningRate: null,
    elapsedMs: performance.now() - startedAt,
  });
}

/** Throws unless `windows` has the shape the detector was fitted on. */
export function assertWindowShape(windows: WindowBatch, windowLength: number, features: number): void {
  if (windows.windowLength !== windowLength || windows.features !== features) {
    throw new RangeError(
      `windows of ${windows.windowLength} cycles x ${windows.features} sensors, but the detector was fitted on ${windowLength} x ${features}`,
    );
  }
  if (windows.x.length < windows.count * windowLength * features) {
    throw new RangeError(`${windows.count} windows need ${windows.count * windowLength * features} values, got ${windows.x.length}`);
  }
}

/** Throws unless the data's windows agree with each other and there are training windows to fit on. */
export function assertFitData(data: FitData, minimumTrainingWindows = 1): void {
  assertWindowShape(data.train, data.windowLength, data.sensors.length);
  assertWindowShape(data.calibration, data.windowLength, data.sensors.length);
  if (data.train.count < minimumTrainingWindows) {
    throw new RangeError(`fitting needs at least ${minimumTrainingWindows} training windows, got ${data.train.count}`);
  }
  if (data.calibration.count < 1) throw new RangeError('calibrating the threshold needs at least one calibration window');
}

/** The FitData.thresholdQuantile quantile of the detector's scores of the healthy calibration windows. */
export async function calibrateOnHealthy(detector: Detector, data: FitData): Promise<number> {
  const { scores } = await detector.score(data.calibration);
  return calibrateThreshold(scores, data.thresholdQuantile);
}
