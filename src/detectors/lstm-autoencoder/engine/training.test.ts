// The training loop in process: learning, reproducibility, validation, early stopping, cancellation.

import { parameterLayout, windowSize } from './architecture';
import { reconstructionErrors } from './inference';
import { splitIntoBlocks, sumBlocks } from './objective';
import { trainInProcess } from './in-process-training';
import { resolveTrainingConfig, TrainingConfigError, TrainingConfigInput } from './training-config';
import { EpochProgress, TrainingCancelledError } from './training-types';
import { syntheticWindows, TINY, useBackend } from './test-helpers';

const train = syntheticWindows(TINY, 48, 1);
const validation = syntheticWindows(TINY, 12, 2);
const QUICK: TrainingConfigInput = { architecture: TINY, epochs: 6, batchSize: 16, learningRate: 1e-2, seed: 5 };

function meanError(parameters: Float32Array, windows: Float32Array): number {
  const { windowErrors } = reconstructionErrors({ architecture: TINY, parameters }, windows);
  return windowErrors.reduce((sum, value) => sum + value, 0) / windowErrors.length;
}

describe('training in process', () => {
  beforeAll(() => useBackend('wasm'));

  test('reduces the training and validation loss and reports every epoch', async () => {
    const progress: EpochProgress[] = [];
    const result = await trainInProcess(
      { train, validation },
      { ...QUICK, epochs: 30, learningRate: 2e-2 },
      { onEpoch: (p) => progress.push(p) },
    );
    expect(progress.map((p) => p.epoch)).toEqual([...Array(30).keys()].map((e) => e + 1));
    expect(progress.every((p) => p.epochs === 30 && p.elapsedMs >= 0)).toBe(true);
    expect(progress[29].loss).toBeLessThan(0.5 * progress[0].loss);
    expect(progress[29].validationLoss!).toBeLessThan(0.5 * progress[0].validationLoss!);
    expect(result.history).toEqual(progress);
    expect(result.stopReason).toBe('completed');
    expect(result.selectedEpoch).toBe(30);
    // The validation loss is the MSE of the returned model on the validation windows.
    expect(meanError(result.model.parameters, validation)).toBeCloseTo(progress[29].validationLoss!, 6);
  });

  test('follows the cosine schedule epoch by epoch', async () => {
    const result = await trainInProcess({ train }, { ...QUICK, epochs: 4, learningRate: 0.004 });
    const expected = [0.004, 0.002 + 0.002 * Math.cos(Math.PI / 4), 0.002, 0.002 + 0.002 * Math.cos((3 * Math.PI) / 4)];
    result.history.forEach((p, e) => expect(p.learningRate).toBeCloseTo(expected[e], 15));
    expect(result.history.every((p) => p.validationLoss === null)).toBe(true);
  });

  test('is reproducible: same seed, same weights; other seed, other weights', async () => {
    const a = await trainInProcess({ train }, QUICK);
    const b = await trainInProcess({ train }, QUICK);
    const c = await trainInProcess({ train }, { ...QUICK, seed: 6 });
    expect(Buffer.from(a.model.parameters.buffer).equals(Buffer.from(b.model.parameters.buffer))).toBe(true);
    expect(a.history).toEqual(b.history.map((p, i) => ({ ...p, elapsedMs: a.history[i].elapsedMs })));
    expect(Buffer.from(a.model.parameters.buffer).equals(Buffer.from(c.model.parameters.buffer))).toBe(false);
  });

  test('the number of gradient blocks changes only rounding', async () => {
    const one = await trainInProcess({ train }, { ...QUICK, gradientBlocks: 1 });
    const three = await trainInProcess({ train }, { ...QUICK, gradientBlocks: 3 });
    let maxDifference = 0;
    one.model.parameters.forEach((value, i) => (maxDifference = Math.max(maxDifference, Math.abs(value - three.model.parameters[i]))));
    expect(maxDifference).toBeLessThan(1e-4);
  });

  test('handles a last batch smaller than the number of gradient blocks', async () => {
    const odd = syntheticWindows(TINY, 17, 3); // batches of 16 and 1, two blocks each
    const result = await trainInProcess({ train: odd }, { ...QUICK, epochs: 2 });
    expect(result.history.every((p) => Number.isFinite(p.loss))).toBe(true);
    expect(result.model.parameters.length).toBe(parameterLayout(TINY).size);
  });

  test('stops early when the validation loss stops improving and restores the best epoch', async () => {
    // A learning rate this large makes the loss bounce, so improvement stops within a few epochs.
    const result = await trainInProcess(
      { train, validation },
      {
        ...QUICK,
        epochs: 40,
        learningRate: 0.3,
        schedule: 'constant',
        clipNorm: null,
        earlyStopping: { patience: 2, minDelta: 0, restoreBest: true },
      },
    );
    const losses = result.history.map((p) => p.validationLoss!);
    const best = Math.min(...losses);
    expect(result.stopReason).toBe('early-stopping');
    expect(result.history.length).toBeLessThan(40);
    expect(result.selectedEpoch).toBe(losses.indexOf(best) + 1);
    expect(result.history.length).toBe(result.selectedEpoch + 2); // patience 2 epochs without improvement
    expect(meanError(result.model.parameters, validation)).toBeCloseTo(best, 6);
  });

  test('min delta: improvements smaller than it do not count', async () => {
    const result = await trainInProcess(
      { train, validation },
      { ...QUICK, epochs: 10, earlyStopping: { patience: 3, minDelta: 1e9, restoreBest: false } },
    );
    // Nothing improves by 1e9: the first epoch sets the best, three more epochs end training.
    expect(result.history.length).toBe(4);
    expect(result.stopReason).toBe('early-stopping');
    expect(result.selectedEpoch).toBe(4); // restoreBest off: the last epoch's weights
  });

  test('can be cancelled between batches', async () => {
    const controller = new AbortController();
    const run = trainInProcess(
      { train },
      { ...QUICK, epochs: 50 },
      {
        signal: controller.signal,
        onEpoch: (p) => p.epoch === 2 && controller.abort(),
      },
    );
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
    await expect(run).rejects.toMatchObject({ epochsCompleted: 2 });
  });

  test('an already aborted signal cancels before the first batch', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(trainInProcess({ train }, QUICK, { signal: controller.signal })).rejects.toMatchObject({ epochsCompleted: 0 });
  });

  test('rejects malformed data', async () => {
    await expect(trainInProcess({ train: train.subarray(0, windowSize(TINY) * 3 - 1) }, QUICK)).rejects.toThrow(/multiple of/);
    const withNaN = train.slice();
    withNaN[7] = Number.NaN;
    await expect(trainInProcess({ train: withNaN }, QUICK)).rejects.toThrow(/non-finite/);
  });
});

describe('training config', () => {
  test('defaults equal the PyTorch reference', () => {
    expect(resolveTrainingConfig()).toMatchObject({
      architecture: { features: 14, windowLength: 30, hidden: 64, code: 16 },
      epochs: 80,
      batchSize: 128,
      learningRate: 2e-3,
      minLearningRate: 0,
      schedule: 'cosine',
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 1e-5,
      clipNorm: 1,
      shuffle: true,
      earlyStopping: null,
    });
  });

  test.each([
    [{ epochs: 0 }, /epochs/],
    [{ batchSize: 2.5 }, /batchSize/],
    [{ learningRate: -1 }, /learningRate/],
    [{ beta2: 1 }, /beta2/],
    [{ clipNorm: 0 }, /clipNorm/],
    [{ initialisation: 'xavier' }, /initialisation/],
    [{ architecture: { hidden: 0 } }, /hidden/],
    [{ earlyStopping: { patience: 0 } }, /patience/],
    [{ epoch: 3 }, /unknown training config field "epoch"/],
  ])('rejects %o', (input, message) => {
    expect(() => resolveTrainingConfig(input as TrainingConfigInput)).toThrow(TrainingConfigError);
    expect(() => resolveTrainingConfig(input as TrainingConfigInput)).toThrow(message);
  });

  test('earlyStopping: true means the default early stopping', () => {
    expect(resolveTrainingConfig({ earlyStopping: true }).earlyStopping).toEqual({ patience: 10, minDelta: 0, restoreBest: true });
  });
});

describe('gradient blocks', () => {
  test('split a batch into contiguous, nearly equal ranges', () => {
    expect(splitIntoBlocks(10, 7, 2)).toEqual([
      { first: 10, rows: 4 },
      { first: 14, rows: 3 },
    ]);
    expect(splitIntoBlocks(0, 1, 3)).toEqual([
      { first: 0, rows: 1 },
      { first: 1, rows: 0 },
      { first: 1, rows: 0 },
    ]);
    expect(splitIntoBlocks(0, 128, 2)).toEqual([
      { first: 0, rows: 64 },
      { first: 64, rows: 64 },
    ]);
  });

  test('are summed in block order, skipping empty blocks', () => {
    const target = new Float32Array(2);
    sumBlocks([new Float32Array([1, 2]), new Float32Array([10, 20]), new Float32Array([100, 200])], [true, false, true], target);
    expect(Array.from(target)).toEqual([101, 202]);
    sumBlocks([new Float32Array([1, 2])], [false], target);
    expect(Array.from(target)).toEqual([0, 0]);
  });
});
