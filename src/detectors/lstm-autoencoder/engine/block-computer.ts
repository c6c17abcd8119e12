// What one thread computes for a training step: the loss and gradient (or just the loss) of the blocks of
// a batch assigned to it. Used by the in-process engine (all blocks) and by every worker thread (its share).

import { AutoencoderArchitecture } from './architecture';
import { blockGradient, BlockRange, blockSquaredError } from './objective';
import { withPreparedWeights } from './prepared-weights';
import { PassWorkspace } from './workspace';

export class BlockComputer {
  private readonly workspace: PassWorkspace;

  /** `capacity`: the largest block (ceil(batch size / gradient blocks)). */
  constructor(
    readonly architecture: AutoencoderArchitecture,
    capacity: number,
  ) {
    this.workspace = new PassWorkspace(architecture, capacity, { training: true });
  }

  /**
   * For each assigned block k: gradients[k] = gradient of the batch loss restricted to ranges[k] (windows
   * order[first .. first + rows)) and squaredErrors[k] = its sum of squared errors.
   */
  gradients(
    parameters: Float32Array,
    windows: Float32Array,
    order: Int32Array,
    ranges: readonly BlockRange[],
    assigned: readonly number[],
    batchRows: number,
    gradients: readonly Float32Array[],
    squaredErrors: Float64Array,
  ): void {
    const blocks = assigned.filter((k) => ranges[k].rows > 0);
    if (blocks.length === 0) return;
    withPreparedWeights(this.architecture, parameters, { forTraining: true }, (weights) => {
      for (const k of blocks) {
        squaredErrors[k] = blockGradient(
          weights,
          this.workspace,
          { windows, indices: order, first: ranges[k].first, rows: ranges[k].rows },
          batchRows,
          gradients[k],
        );
      }
    });
  }

  /** squaredErrors[k] = sum of squared reconstruction errors of windows ranges[k] (consecutive). */
  squaredErrors(
    parameters: Float32Array,
    windows: Float32Array,
    ranges: readonly BlockRange[],
    assigned: readonly number[],
    squaredErrors: Float64Array,
  ): void {
    const blocks = assigned.filter((k) => ranges[k].rows > 0);
    if (blocks.length === 0) return;
    withPreparedWeights(this.architecture, parameters, { forTraining: false }, (weights) => {
      for (const k of blocks) {
        squaredErrors[k] = blockSquaredError(weights, this.workspace, {
          windows,
          indices: null,
          first: ranges[k].first,
          rows: ranges[k].rows,
        });
      }
    });
  }
}
