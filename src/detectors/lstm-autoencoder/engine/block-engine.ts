// The GradientEngine of training, for any thread layout: each batch (and the validation set) is split
// into `gradientBlocks` blocks, this thread computes its own blocks, a team of other threads (possibly
// empty) computes the rest into the same per-block arrays, and the blocks are summed in block order.
// Training in process and in worker threads therefore do the same arithmetic in the same order and give
// bit-identical results on the same backend.

import { windowSize } from './architecture';
import { BlockComputer } from './block-computer';
import { splitIntoBlocks, sumBlocks, sumInOrder } from './objective';
import { TrainingConfig } from './training-config';
import { GradientEngine } from './training-loop';

export type TeamCommand = 'gradient' | 'validate';

/** The other threads computing blocks, as seen by the thread that runs the training loop. */
export interface Team {
  /** Blocks this thread computes itself. */
  readonly ownBlocks: readonly number[];
  /** Starts the other threads on their blocks of `command` (for 'gradient': batch `order[first .. first + rows)`). */
  start(command: TeamCommand, first: number, rows: number): void;
  /** Waits until they are done; throws if one of them failed. */
  finish(): void;
}

/** No other threads: this one computes every block. */
export function soloTeam(blocks: number): Team {
  return { ownBlocks: Array.from({ length: blocks }, (_, k) => k), start: () => undefined, finish: () => undefined };
}

/** Largest block of a batch: what a thread's workspace must hold. */
export function blockCapacity(config: TrainingConfig, trainCount: number): number {
  return Math.ceil(Math.min(config.batchSize, trainCount) / config.gradientBlocks);
}

export interface BlockEngineMemory {
  train: Float32Array;
  validation: Float32Array | null;
  /** Permutation of the training windows (written by the training loop). */
  order: Int32Array;
  /** One gradient per block, and one sum of squared errors per block. */
  blockGradients: Float32Array[];
  blockErrors: Float64Array;
}

export class BlockEngine implements GradientEngine {
  readonly order: Int32Array;
  readonly trainCount: number;
  readonly validationCount: number;
  private readonly computer: BlockComputer;

  constructor(
    private readonly config: TrainingConfig,
    private readonly memory: BlockEngineMemory,
    private readonly team: Team,
  ) {
    const values = windowSize(config.architecture);
    this.order = memory.order;
    this.trainCount = memory.train.length / values;
    this.validationCount = memory.validation === null ? 0 : memory.validation.length / values;
    this.computer = new BlockComputer(config.architecture, blockCapacity(config, this.trainCount));
  }

  batchGradient(parameters: Float32Array, first: number, rows: number, gradient: Float32Array): number {
    const { blockGradients, blockErrors, train } = this.memory;
    const ranges = splitIntoBlocks(first, rows, this.config.gradientBlocks);
    blockErrors.fill(0);
    this.team.start('gradient', first, rows);
    this.computer.gradients(parameters, train, this.order, ranges, this.team.ownBlocks, rows, blockGradients, blockErrors);
    this.team.finish();
    sumBlocks(
      blockGradients,
      ranges.map((range) => range.rows > 0),
      gradient,
    );
    return sumInOrder(blockErrors);
  }

  validationSquaredError(parameters: Float32Array): number {
    const { validation, blockErrors } = this.memory;
    if (validation === null) return 0;
    const ranges = splitIntoBlocks(0, this.validationCount, this.config.gradientBlocks);
    blockErrors.fill(0);
    this.team.start('validate', 0, this.validationCount);
    this.computer.squaredErrors(parameters, validation, ranges, this.team.ownBlocks, blockErrors);
    this.team.finish();
    return sumInOrder(blockErrors);
  }
}
