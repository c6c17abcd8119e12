// Training in worker threads: identical weights to in-process training, progress, cancellation, errors.
//
// Workers run compiled JavaScript: `npm test` builds dist/ first; elsewhere point
// ENGINE_HEALTH_TRAINING_WORKER at a compiled training-worker.js (see src/detectors/lstm-autoencoder/engine/worker-script.ts).

import { trainInProcess } from './in-process-training';
import { trainAutoencoder } from './parallel-training';
import { TrainingConfigInput } from './training-config';
import { EpochProgress, TrainingCancelledError } from './training-types';
import { WorkerScriptNotFoundError } from './worker-script';
import { syntheticWindows, TINY, useBackend } from './test-helpers';

const train = syntheticWindows(TINY, 40, 4);
const validation = syntheticWindows(TINY, 10, 5);
const CONFIG: TrainingConfigInput = { architecture: TINY, epochs: 5, batchSize: 12, learningRate: 1e-2, seed: 9, gradientBlocks: 2 };
const WASM_ONLY = { backendPreference: ['wasm' as const] };

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('training in worker threads', () => {
  beforeAll(() => useBackend('wasm'));

  test('two threads give bit-identical weights and losses to one thread and to in-process training', async () => {
    const progress: EpochProgress[] = [];
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 1);
    let parallel;
    try {
      parallel = await trainAutoencoder({ train, validation }, CONFIG, { ...WASM_ONLY, threads: 2, onEpoch: (p) => progress.push(p) });
    } finally {
      clearInterval(ticker);
    }
    const single = await trainAutoencoder({ train, validation }, CONFIG, { ...WASM_ONLY, threads: 1 });
    const inProcess = await trainInProcess({ train, validation }, CONFIG);

    expect(parallel.threads).toBe(2);
    expect(parallel.backend).toBe('wasm');
    expect(sameBits(parallel.model.parameters, inProcess.model.parameters)).toBe(true);
    expect(sameBits(single.model.parameters, inProcess.model.parameters)).toBe(true);
    const lossesOf = (history: EpochProgress[]) => history.map((p) => [p.loss, p.validationLoss, p.learningRate]);
    expect(lossesOf(parallel.history)).toEqual(lossesOf(inProcess.history));
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5]);
    // The calling thread's event loop kept running while the workers trained.
    expect(ticks).toBeGreaterThan(1);
  });

  test('can be cancelled through an AbortSignal', async () => {
    const controller = new AbortController();
    const run = trainAutoencoder(
      { train },
      { ...CONFIG, epochs: 100000 },
      {
        ...WASM_ONLY,
        signal: controller.signal,
        onEpoch: (p) => p.epoch === 2 && controller.abort(),
      },
    );
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
    const error = (await run.catch((e: unknown) => e)) as TrainingCancelledError;
    expect(error.epochsCompleted).toBeGreaterThanOrEqual(2);
    expect(error.epochsCompleted).toBeLessThan(100000);
  });

  test('reports a failure inside a worker as a rejection', async () => {
    await expect(
      trainAutoencoder({ train }, { ...CONFIG, learningRate: 1e38, clipNorm: null, schedule: 'constant', weightDecay: 1 }, WASM_ONLY),
    ).rejects.toThrow(/training worker 0 failed: training diverged/);
  });

  test('says clearly when the compiled worker is missing', async () => {
    await expect(trainAutoencoder({ train }, CONFIG, { workerScript: '/nonexistent/training-worker.js' })).rejects.toBeInstanceOf(
      WorkerScriptNotFoundError,
    );
  });

  test('rejects a thread count above the number of gradient blocks', async () => {
    await expect(trainAutoencoder({ train }, CONFIG, { threads: 3 })).rejects.toThrow(/threads/);
  });
});
