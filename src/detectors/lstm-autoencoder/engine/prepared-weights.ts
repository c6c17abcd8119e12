// The parameters as tfjs tensors, uploaded once per parameter version (per training batch, per scoring
// call) rather than once per time step. Plain-array state flows through the passes; these tensors are the
// right-hand sides of their matrix products.

import * as tf from '@tensorflow/tfjs';
import { AutoencoderArchitecture, parameterLayout, parameterViews } from './architecture';
import { ownedTensor } from './tensor-io';

export interface PreparedWeights {
  architecture: AutoencoderArchitecture;
  encoderKernel: tf.Tensor2D;
  encoderRecurrentKernel: tf.Tensor2D;
  encoderBias: tf.Tensor1D;
  bottleneckKernel: tf.Tensor2D;
  bottleneckBias: tf.Tensor1D;
  decoderKernel: tf.Tensor2D;
  decoderRecurrentKernel: tf.Tensor2D;
  decoderBias: tf.Tensor1D;
  outputKernel: tf.Tensor2D;
  outputBias: tf.Tensor1D;
  /** Transposed kernels, only when prepared for training: back-propagation multiplies by them. */
  transposed: TransposedKernels | null;
}

/**
 * Back-propagating through a layer multiplies by its kernel transposed (the recurrent kernel once per
 * step). Untransposed products are the fast path on every backend, so the transposes are made once here.
 */
export interface TransposedKernels {
  encoderRecurrentKernelT: tf.Tensor2D; // [4H, H]
  decoderRecurrentKernelT: tf.Tensor2D; // [4H, H]
  decoderKernelT: tf.Tensor2D; // [4H, C]
  bottleneckKernelT: tf.Tensor2D; // [C, H]
  outputKernelT: tf.Tensor2D; // [F, H]
}

/** [rows, cols] row-major -> [cols, rows] row-major, into `out` (a new array by default). */
export function transpose(
  values: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array = new Float32Array(rows * cols),
): Float32Array {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

export function prepareWeights(
  architecture: AutoencoderArchitecture,
  parameters: Float32Array,
  options: { forTraining: boolean },
): PreparedWeights {
  const layout = parameterLayout(architecture);
  const p = parameterViews(layout, parameters);
  const { features: F, hidden: H, code: C } = architecture;
  const G = 4 * H;
  const matrix = (values: Float32Array, rows: number, cols: number) => ownedTensor(values, [rows, cols]) as tf.Tensor2D;
  const vector = (values: Float32Array) => ownedTensor(values, [values.length]) as tf.Tensor1D;
  return {
    architecture,
    encoderKernel: matrix(p.encoderKernel, F, G),
    encoderRecurrentKernel: matrix(p.encoderRecurrentKernel, H, G),
    encoderBias: vector(p.encoderBias),
    bottleneckKernel: matrix(p.bottleneckKernel, H, C),
    bottleneckBias: vector(p.bottleneckBias),
    decoderKernel: matrix(p.decoderKernel, C, G),
    decoderRecurrentKernel: matrix(p.decoderRecurrentKernel, H, G),
    decoderBias: vector(p.decoderBias),
    outputKernel: matrix(p.outputKernel, H, F),
    outputBias: vector(p.outputBias),
    transposed: options.forTraining
      ? {
          encoderRecurrentKernelT: tf.tensor2d(transpose(p.encoderRecurrentKernel, H, G), [G, H]),
          decoderRecurrentKernelT: tf.tensor2d(transpose(p.decoderRecurrentKernel, H, G), [G, H]),
          decoderKernelT: tf.tensor2d(transpose(p.decoderKernel, C, G), [G, C]),
          bottleneckKernelT: tf.tensor2d(transpose(p.bottleneckKernel, H, C), [C, H]),
          outputKernelT: tf.tensor2d(transpose(p.outputKernel, H, F), [F, H]),
        }
      : null,
  };
}

export function disposeWeights(weights: PreparedWeights): void {
  const tensors: Array<tf.Tensor | null> = [
    weights.encoderKernel,
    weights.encoderRecurrentKernel,
    weights.encoderBias,
    weights.bottleneckKernel,
    weights.bottleneckBias,
    weights.decoderKernel,
    weights.decoderRecurrentKernel,
    weights.decoderBias,
    weights.outputKernel,
    weights.outputBias,
    ...(weights.transposed === null ? [] : Object.values(weights.transposed)),
  ];
  for (const tensor of tensors) tensor?.dispose();
}

/** Runs `body` with weights prepared from `parameters` and always disposes them. */
export function withPreparedWeights<T>(
  architecture: AutoencoderArchitecture,
  parameters: Float32Array,
  options: { forTraining: boolean },
  body: (weights: PreparedWeights) => T,
): T {
  const weights = prepareWeights(architecture, parameters, options);
  try {
    return body(weights);
  } finally {
    disposeWeights(weights);
  }
}
