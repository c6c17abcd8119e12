// Entry point of the training worker threads (compiled to training-worker.js; see ./worker-script.ts).
// The leader runs the training loop and posts progress; helpers compute their share of every batch.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from './backend';
import { BlockEngine } from './block-engine';
import { runHelper, ThreadTeam } from './parallel-engine';
import { Control, sharedViews, WorkerMessage, WorkerSetup } from './parallel-protocol';
import { setThreadNiceness } from './thread-priority';
import { runTrainingLoop } from './training-loop';

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

function errorMessage(index: number, error: unknown): WorkerMessage {
  return error instanceof Error
    ? { type: 'error', index, message: error.message, stack: error.stack }
    : { type: 'error', index, message: String(error) };
}

async function runWorker(setup: WorkerSetup): Promise<void> {
  if (setup.niceness > 0) setThreadNiceness(setup.niceness);
  const selection = await selectBackend(setup.backendPreference ? { preference: setup.backendPreference } : {});
  post({ type: 'ready', index: setup.index, backend: selection.name });
  const shared = sharedViews(setup.buffers, setup.config.gradientBlocks);

  if (setup.role === 'helper') {
    runHelper(setup.config, shared, setup.index, setup.threads, (error) => post(errorMessage(setup.index, error)));
    return;
  }

  const team = new ThreadTeam(shared.control, setup.threads, setup.config.gradientBlocks);
  const engine = new BlockEngine(setup.config, shared, team);
  try {
    const outcome = await runTrainingLoop(setup.config, engine, shared.parameters, {
      // performance.now() counts from this thread's own start: convert the caller's start time.
      startedAt: setup.startedAtEpochMs - performance.timeOrigin,
      onEpoch: (progress) => post({ type: 'epoch', progress }),
      isCancelled: () => Atomics.load(shared.control, Control.cancel) !== 0,
    });
    if (outcome.stopReason === 'cancelled') {
      post({ type: 'cancelled', epochsCompleted: outcome.history.length });
    } else {
      post({ type: 'done', history: outcome.history, selectedEpoch: outcome.selectedEpoch, stopReason: outcome.stopReason });
    }
  } finally {
    team.stop();
  }
}

if (!isMainThread && parentPort !== null) {
  const setup = workerData as WorkerSetup;
  runWorker(setup).catch((error: unknown) => post(errorMessage(setup.index, error)));
}
