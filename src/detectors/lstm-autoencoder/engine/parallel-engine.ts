// The worker-thread side of block-parallel training (see ./parallel-protocol.ts): the leader's Team of
// helper threads, and the helpers' wait-compute-report loop. The blocks and their summation are those of
// ./block-engine.ts, so results equal in-process training bit for bit.

import { windowSize } from './architecture';
import { blockCapacity, Team, TeamCommand } from './block-engine';
import { BlockComputer } from './block-computer';
import { splitIntoBlocks } from './objective';
import { blocksOfThread, Command, Control, SharedViews } from './parallel-protocol';
import { TrainingConfig } from './training-config';

/** Helpers 1 .. threads - 1, driven through the control words of shared memory. */
export class ThreadTeam implements Team {
  readonly ownBlocks: readonly number[];
  private readonly helpers: number;

  constructor(
    private readonly control: Int32Array,
    threads: number,
    blocks: number,
  ) {
    this.ownBlocks = blocksOfThread(0, threads, blocks);
    this.helpers = threads - 1;
  }

  start(command: TeamCommand, first: number, rows: number): void {
    this.dispatch(command === 'gradient' ? Command.gradient : Command.validate, first, rows);
  }

  finish(): void {
    const { control } = this;
    for (;;) {
      const done = Atomics.load(control, Control.done);
      if (done >= this.helpers) break;
      Atomics.wait(control, Control.done, done);
    }
    if (Atomics.load(control, Control.failed) !== 0) throw new Error('a helper thread failed (see its error)');
  }

  /** Tells the helpers to return from their loop. */
  stop(): void {
    this.dispatch(Command.stop, 0, 0);
  }

  private dispatch(command: number, first: number, rows: number): void {
    const { control } = this;
    Atomics.store(control, Control.done, 0);
    Atomics.store(control, Control.command, command);
    Atomics.store(control, Control.first, first);
    Atomics.store(control, Control.rows, rows);
    // The generation bump publishes the writes above (and the leader's parameter update before it).
    Atomics.add(control, Control.generation, 1);
    Atomics.notify(control, Control.generation);
  }
}

/** A helper's life: wait for a command, compute its blocks, report, until told to stop. */
export function runHelper(
  config: TrainingConfig,
  shared: SharedViews,
  index: number,
  threads: number,
  reportError: (error: unknown) => void,
): void {
  const values = windowSize(config.architecture);
  const trainCount = shared.train.length / values;
  const validationCount = shared.validation === null ? 0 : shared.validation.length / values;
  const computer = new BlockComputer(config.architecture, blockCapacity(config, trainCount));
  const mine = blocksOfThread(index, threads, config.gradientBlocks);
  const { control } = shared;
  let seen = 0;
  for (;;) {
    Atomics.wait(control, Control.generation, seen);
    const generation = Atomics.load(control, Control.generation);
    if (generation === seen) continue;
    seen = generation;
    const command = Atomics.load(control, Control.command);
    if (command === Command.stop) return;
    try {
      if (command === Command.gradient) {
        const first = Atomics.load(control, Control.first);
        const rows = Atomics.load(control, Control.rows);
        const ranges = splitIntoBlocks(first, rows, config.gradientBlocks);
        computer.gradients(shared.parameters, shared.train, shared.order, ranges, mine, rows, shared.blockGradients, shared.blockErrors);
      } else if (command === Command.validate && shared.validation !== null) {
        const ranges = splitIntoBlocks(0, validationCount, config.gradientBlocks);
        computer.squaredErrors(shared.parameters, shared.validation, ranges, mine, shared.blockErrors);
      }
    } catch (error) {
      Atomics.store(control, Control.failed, 1);
      reportError(error);
    } finally {
      Atomics.add(control, Control.done, 1);
      Atomics.notify(control, Control.done);
    }
  }
}
