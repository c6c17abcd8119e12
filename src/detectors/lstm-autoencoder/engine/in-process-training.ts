// Training on the calling thread: every gradient block computed in turn. Blocks the event loop for the
// duration of each epoch (it yields between epochs), so it is meant for tests, scripts and as the
// reference the worker-thread training must reproduce bit for bit; services use trainAutoencoder.

import { activeBackendName } from './backend';
import { createModel, parameterCount } from './architecture';
import { BlockEngine, soloTeam } from './block-engine';
import { resolveTrainingConfig, TrainingConfigInput } from './training-config';
import { runTrainingLoop } from './training-loop';
import { countWindows, TrainedAutoencoder, TrainingCallbacks, TrainingCancelledError, TrainingData } from './training-types';

/**
 * Trains on this thread with the active tfjs backend (select one first, see ./backend.ts). Same seed,
 * same config and same backend give the same weights as trainAutoencoder in worker threads.
 */
export async function trainInProcess(
  data: TrainingData,
  configInput: TrainingConfigInput = {},
  callbacks: TrainingCallbacks = {},
): Promise<TrainedAutoencoder> {
  const startedAt = performance.now();
  const config = resolveTrainingConfig(configInput);
  const model = createModel(config.architecture, new Float32Array(parameterCount(config.architecture)));
  const validation = data.validation ?? null;
  const trainCount = countWindows(data.train, config.architecture, 'training windows');
  if (validation !== null) countWindows(validation, config.architecture, 'validation windows');
  const blocks = config.gradientBlocks;
  const engine = new BlockEngine(
    config,
    {
      train: data.train,
      validation,
      order: new Int32Array(trainCount),
      blockGradients: Array.from({ length: blocks }, () => new Float32Array(model.parameters.length)),
      blockErrors: new Float64Array(blocks),
    },
    soloTeam(blocks),
  );
  const { signal } = callbacks;
  const outcome = await runTrainingLoop(config, engine, model.parameters, {
    startedAt,
    onEpoch: callbacks.onEpoch,
    isCancelled: () => signal?.aborted === true,
    betweenEpochs: () => new Promise<void>((resolve) => setImmediate(resolve)),
  });
  if (outcome.stopReason === 'cancelled') throw new TrainingCancelledError(outcome.history.length);
  return {
    model,
    config,
    history: outcome.history,
    selectedEpoch: outcome.selectedEpoch,
    stopReason: outcome.stopReason,
    backend: activeBackendName(),
    threads: 1,
    elapsedMs: performance.now() - startedAt,
  };
}
