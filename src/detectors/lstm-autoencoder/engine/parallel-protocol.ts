// Shared-memory protocol between the main thread, the leader worker (runs the training loop and computes
// its share of each batch) and helper workers (compute their share). Per batch the leader publishes a
// command in `control` and wakes the helpers with Atomics.notify; each helper writes its blocks' gradients
// and squared errors into shared arrays and counts itself done. Parameters live in one SharedArrayBuffer:
// the leader updates them in place between batches while every helper is idle, so no copies are needed.
// Atomics on `control` order these accesses. Messages (postMessage) carry only per-epoch progress and the
// final outcome.

import { TrainingConfig } from './training-config';
import { BackendName } from './backend';
import { EpochProgress, StopReason } from './training-types';

/** Indices into the Int32Array over SharedBuffers.control. */
export const Control = {
  /** Incremented by the leader for every command. */
  generation: 0,
  command: 1,
  /** Helpers that finished the current command. */
  done: 2,
  /** Batch range of a gradient command: first position in `order` and number of windows. */
  first: 3,
  rows: 4,
  /** Set to 1 by the main thread to cancel; checked by the leader between batches. */
  cancel: 5,
  /** Set to 1 by a helper whose computation threw. */
  failed: 6,
} as const;
export const CONTROL_LENGTH = 8;

export const Command = {
  gradient: 1,
  validate: 2,
  stop: 3,
} as const;

export interface SharedBuffers {
  control: SharedArrayBuffer;
  /** Float32 training windows, sample-major. */
  train: SharedArrayBuffer;
  /** Float32 validation windows, or null. */
  validation: SharedArrayBuffer | null;
  /** Float32 parameters (flat layout of ./architecture.ts), initialised and updated by the leader. */
  parameters: SharedArrayBuffer;
  /** Int32 permutation of the training windows for the current epoch. */
  order: SharedArrayBuffer;
  /** Float32 [gradientBlocks, parameterCount]: one gradient per block. */
  blockGradients: SharedArrayBuffer;
  /** Float64 [gradientBlocks]: one sum of squared errors per block. */
  blockErrors: SharedArrayBuffer;
}

export interface WorkerSetup {
  role: 'leader' | 'helper';
  /** 0 for the leader, 1 .. threads - 1 for helpers; a thread computes the blocks k with k % threads === index. */
  index: number;
  threads: number;
  config: TrainingConfig;
  buffers: SharedBuffers;
  backendPreference: BackendName[] | null;
  /** Epoch time (ms) at which trainAutoencoder was called, for elapsedMs. */
  startedAtEpochMs: number;
  /** Niceness of the worker threads (0 = normal priority). */
  niceness: number;
}

export type WorkerMessage =
  | { type: 'ready'; index: number; backend: string }
  | { type: 'epoch'; progress: EpochProgress }
  | { type: 'done'; history: EpochProgress[]; selectedEpoch: number; stopReason: StopReason }
  | { type: 'cancelled'; epochsCompleted: number }
  | { type: 'error'; index: number; message: string; stack?: string };

/** Blocks computed by thread `index` of `threads`. */
export function blocksOfThread(index: number, threads: number, blocks: number): number[] {
  const mine: number[] = [];
  for (let k = index; k < blocks; k += threads) mine.push(k);
  return mine;
}

export interface SharedViews {
  control: Int32Array;
  train: Float32Array;
  validation: Float32Array | null;
  parameters: Float32Array;
  order: Int32Array;
  blockGradients: Float32Array[];
  blockErrors: Float64Array;
}

export function sharedViews(buffers: SharedBuffers, blocks: number): SharedViews {
  const parameters = new Float32Array(buffers.parameters);
  const size = parameters.length;
  const all = new Float32Array(buffers.blockGradients);
  return {
    control: new Int32Array(buffers.control),
    train: new Float32Array(buffers.train),
    validation: buffers.validation === null ? null : new Float32Array(buffers.validation),
    parameters,
    order: new Int32Array(buffers.order),
    blockGradients: Array.from({ length: blocks }, (_, k) => all.subarray(k * size, (k + 1) * size)),
    blockErrors: new Float64Array(buffers.blockErrors),
  };
}
