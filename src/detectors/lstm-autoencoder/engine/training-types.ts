// Public types of training: the data handed in, the progress reported, the result handed back.

import { AutoencoderArchitecture, AutoencoderModel, windowSize } from './architecture';
import { TrainingConfig } from './training-config';

export interface TrainingData {
  /** Training windows, sample-major [count, windowLength, features] (row-major float32). */
  train: Float32Array;
  /** Validation windows in the same layout, for the per-epoch validation loss; optional. */
  validation?: Float32Array | null;
}

export interface EpochProgress {
  /** 1-based epoch just finished. */
  epoch: number;
  epochs: number;
  /** Mean training loss (MSE) over the epoch's batches, weighted by batch size, before each update. */
  loss: number;
  /** MSE on the validation windows after the epoch; null without validation data. */
  validationLoss: number | null;
  /** Learning rate used during the epoch. */
  learningRate: number;
  /** Since training started (including worker start-up). */
  elapsedMs: number;
}

export type StopReason = 'completed' | 'early-stopping';

export interface TrainedAutoencoder {
  model: AutoencoderModel;
  config: TrainingConfig;
  history: EpochProgress[];
  /** Epoch (1-based) whose parameters `model` holds when early stopping restored the best; else the last. */
  selectedEpoch: number;
  stopReason: StopReason;
  /** tfjs backend the training ran on, and how many threads computed gradients. */
  backend: string;
  threads: number;
  elapsedMs: number;
}

export interface TrainingCallbacks {
  /** Called after every epoch (from the main thread when training in workers). */
  onEpoch?: (progress: EpochProgress) => void;
  /** Cooperative cancellation, checked between batches; the promise then rejects with TrainingCancelledError. */
  signal?: AbortSignal;
}

export class TrainingCancelledError extends Error {
  constructor(readonly epochsCompleted: number) {
    super(`training cancelled after ${epochsCompleted} completed epoch(s)`);
    this.name = 'TrainingCancelledError';
  }
}

/** Number of windows in `windows`; throws unless it is a whole, non-empty number of windows. */
export function countWindows(windows: Float32Array, architecture: AutoencoderArchitecture, what: string): number {
  if (!(windows instanceof Float32Array)) throw new TypeError(`${what} must be a Float32Array`);
  const size = windowSize(architecture);
  if (windows.length === 0 || windows.length % size !== 0) {
    throw new RangeError(`${what} has ${windows.length} values: not a positive multiple of windowLength x features = ${size}`);
  }
  for (let i = 0; i < windows.length; i++) {
    if (!Number.isFinite(windows[i])) throw new RangeError(`${what} contains a non-finite value at index ${i}`);
  }
  return windows.length / size;
}
