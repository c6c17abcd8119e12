// trainAutoencoder: training in worker threads, so the calling (server) thread stays responsive, with
// each batch's gradient computed by up to `gradientBlocks` threads at once. The calling thread only
// copies the windows into shared memory, relays progress and cancellation, and collects the result.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createModel, parameterCount } from './architecture';
import { BackendName } from './backend';
import { CONTROL_LENGTH, Control, SharedBuffers, WorkerMessage, WorkerSetup } from './parallel-protocol';
import { resolveTrainingConfig, TrainingConfigInput } from './training-config';
import { countWindows, EpochProgress, TrainedAutoencoder, TrainingCallbacks, TrainingCancelledError, TrainingData } from './training-types';
import { resolveTrainingWorkerScript } from './worker-script';

export interface ParallelTrainingOptions extends TrainingCallbacks {
  /** Worker threads computing gradients; default min(gradientBlocks, available cores). Does not change results. */
  threads?: number;
  /** Backends the workers try, in order (default: the same preference as selectBackend). */
  backendPreference?: BackendName[];
  /**
   * Niceness of the training threads, 0 (default) to 19: a serving process trains at a lower priority
   * so that its requests keep their latency (Linux; ignored elsewhere). Does not change results.
   */
  niceness?: number;
  /** Compiled training-worker.js to run (default: see ./worker-script.ts). */
  workerScript?: string;
}

function sharedCopy(values: Float32Array): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(values.byteLength);
  new Float32Array(buffer).set(values);
  return buffer;
}

export async function trainAutoencoder(
  data: TrainingData,
  configInput: TrainingConfigInput = {},
  options: ParallelTrainingOptions = {},
): Promise<TrainedAutoencoder> {
  const startedAtEpochMs = performance.timeOrigin + performance.now();
  const config = resolveTrainingConfig(configInput);
  const trainCount = countWindows(data.train, config.architecture, 'training windows');
  const validation = data.validation ?? null;
  if (validation !== null) countWindows(validation, config.architecture, 'validation windows');
  const threads = options.threads ?? Math.min(config.gradientBlocks, availableParallelism());
  if (!Number.isInteger(threads) || threads < 1 || threads > config.gradientBlocks) {
    throw new RangeError(`threads must be an integer in [1, gradientBlocks = ${config.gradientBlocks}], got ${threads}`);
  }
  const script = resolveTrainingWorkerScript(options.workerScript);
  if (options.signal?.aborted) throw new TrainingCancelledError(0);

  const size = parameterCount(config.architecture);
  const buffers: SharedBuffers = {
    control: new SharedArrayBuffer(CONTROL_LENGTH * Int32Array.BYTES_PER_ELEMENT),
    train: sharedCopy(data.train),
    validation: validation === null ? null : sharedCopy(validation),
    parameters: new SharedArrayBuffer(size * Float32Array.BYTES_PER_ELEMENT), // initialised by the leader
    order: new SharedArrayBuffer(trainCount * Int32Array.BYTES_PER_ELEMENT),
    blockGradients: new SharedArrayBuffer(config.gradientBlocks * size * Float32Array.BYTES_PER_ELEMENT),
    blockErrors: new SharedArrayBuffer(config.gradientBlocks * Float64Array.BYTES_PER_ELEMENT),
  };
  const control = new Int32Array(buffers.control);

  const workers = Array.from({ length: threads }, (_, index) => {
    const setup: WorkerSetup = {
      role: index === 0 ? 'leader' : 'helper',
      index,
      threads,
      config,
      buffers,
      backendPreference: options.backendPreference ?? null,
      niceness: options.niceness ?? 0,
      startedAtEpochMs,
    };
    return new Worker(script, { workerData: setup });
  });

  const cancel = () => Atomics.store(control, Control.cancel, 1);
  options.signal?.addEventListener('abort', cancel);
  try {
    const outcome = await new Promise<{
      history: EpochProgress[];
      selectedEpoch: number;
      stopReason: TrainedAutoencoder['stopReason'];
      backend: string;
    }>((resolve, reject) => {
      const backends = new Map<number, string>();
      const fail = (error: Error) => {
        cancel(); // lets a still-running leader wind down before it is terminated
        reject(error);
      };
      workers.forEach((worker, index) => {
        worker.on('message', (message: WorkerMessage) => {
          switch (message.type) {
            case 'ready':
              backends.set(message.index, message.backend);
              if (new Set(backends.values()).size > 1) {
                fail(new Error(`worker threads selected different backends: ${[...backends.values()].join(', ')}`));
              }
              break;
            case 'epoch':
              try {
                options.onEpoch?.(message.progress);
              } catch (error) {
                fail(error instanceof Error ? error : new Error(String(error)));
              }
              break;
            case 'done':
              resolve({ ...message, backend: backends.get(0) ?? 'unknown' });
              break;
            case 'cancelled':
              reject(new TrainingCancelledError(message.epochsCompleted));
              break;
            case 'error': {
              const error = new Error(`training worker ${message.index} failed: ${message.message}`);
              if (message.stack) error.stack = `${error.message}\n--- in the worker:\n${message.stack}`;
              fail(error);
              break;
            }
          }
        });
        worker.on('error', (error) => fail(new Error(`training worker ${index} crashed: ${error.message}`)));
        worker.on('exit', (code) => {
          if (code !== 0) fail(new Error(`training worker ${index} exited with code ${code}`));
        });
      });
    });
    return {
      model: createModel(config.architecture, new Float32Array(buffers.parameters).slice()),
      config,
      history: outcome.history,
      selectedEpoch: outcome.selectedEpoch,
      stopReason: outcome.stopReason,
      backend: outcome.backend,
      threads,
      elapsedMs: performance.timeOrigin + performance.now() - startedAtEpochMs,
    };
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
