// The training objective (mean squared reconstruction error) on blocks of windows: the unit of work that
// training splits between threads, and the blocking of a batch or a window set into such units.

import { PreparedWeights } from './prepared-weights';
import { backwardPass } from './backward-pass';
import { forwardPass, sumSquaredError } from './forward-pass';
import { loadWindows, PassWorkspace } from './workspace';

export interface WindowBlock {
  /** Sample-major windows [count, T, F]. */
  windows: Float32Array;
  /** Positions in `windows` of the batch's windows (a shuffled order); null = consecutive windows. */
  indices: Int32Array | null;
  /** First entry of `indices` (or first window) of this block, and how many windows it has. */
  first: number;
  rows: number;
}

/**
 * Gradient of the batch MSE restricted to this block: writes it into `gradient` (flat parameter layout)
 * and returns the block's sum of squared errors. `batchRows` is the size of the whole batch the block
 * belongs to, so that the gradients of a batch's blocks add up to the batch gradient.
 */
export function blockGradient(
  weights: PreparedWeights,
  workspace: PassWorkspace,
  block: WindowBlock,
  batchRows: number,
  gradient: Float32Array,
): number {
  const { windowLength, features } = workspace.architecture;
  loadWindows(workspace, block.windows, block.indices, block.first, block.rows);
  forwardPass(weights, workspace, block.rows);
  backwardPass(weights, workspace, block.rows, 1 / (batchRows * windowLength * features), gradient);
  return sumSquaredError(workspace, block.rows);
}

/** Sum of squared reconstruction errors of a block of windows, in chunks of the workspace's capacity. */
export function blockSquaredError(weights: PreparedWeights, workspace: PassWorkspace, block: WindowBlock): number {
  let sum = 0;
  for (let done = 0; done < block.rows; done += workspace.capacity) {
    const rows = Math.min(workspace.capacity, block.rows - done);
    loadWindows(workspace, block.windows, block.indices, block.first + done, rows);
    forwardPass(weights, workspace, rows);
    sum += sumSquaredError(workspace, rows);
  }
  return sum;
}

export interface BlockRange {
  first: number;
  rows: number;
}

/**
 * Splits `rows` consecutive items starting at `first` into `blocks` contiguous ranges as equal as
 * possible (the first rows % blocks ranges get one more); ranges may be empty when rows < blocks. This
 * split is part of what makes results reproducible: every execution strategy uses the same blocks.
 */
export function splitIntoBlocks(first: number, rows: number, blocks: number): BlockRange[] {
  const base = Math.floor(rows / blocks);
  const extra = rows % blocks;
  const ranges: BlockRange[] = [];
  let start = first;
  for (let k = 0; k < blocks; k++) {
    const size = base + (k < extra ? 1 : 0);
    ranges.push({ first: start, rows: size });
    start += size;
  }
  return ranges;
}

/** Adds per-block vectors in block order (float64 accumulation), so any thread layout sums identically. */
export function sumBlocks(blockVectors: readonly Float32Array[], used: readonly boolean[], target: Float32Array): void {
  const n = target.length;
  const active = blockVectors.filter((_, k) => used[k]);
  if (active.length === 0) {
    target.fill(0);
    return;
  }
  if (active.length === 1) {
    target.set(active[0].subarray(0, n));
    return;
  }
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const vector of active) sum += vector[i];
    target[i] = sum;
  }
}

/** Sum of per-block values in block order. */
export function sumInOrder(values: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < values.length; k++) sum += values[k];
  return sum;
}
