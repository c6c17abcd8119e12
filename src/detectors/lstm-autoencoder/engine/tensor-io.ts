// Moving matrices between plain Float32Arrays and tfjs tensors, and matrix products whose result lands in
// a caller-owned array. The fused passes keep all state in Float32Arrays and use tfjs only for products
// (XNNPACK on wasm, libtensorflow with tfjs-node), so these few functions are the whole interface.

import * as tf from '@tensorflow/tfjs';
import { directProducts } from './wasm-direct-products';

interface WasmHeapReader {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * A tensor over `values` (row-major [rows, cols]) for immediate use. On the cpu backend the tensor
 * aliases `values` (no copy), so the caller must dispose it before changing `values`.
 */
export function transientMatrix(values: Float32Array, rows: number, cols: number): tf.Tensor2D {
  if (values.length < rows * cols) throw new RangeError(`matrix needs ${rows * cols} values, got ${values.length}`);
  return tf.tensor2d(values.length === rows * cols ? values : values.subarray(0, rows * cols), [rows, cols], 'float32');
}

/** A tensor holding a copy of `values`, safe to keep while `values` changes. */
export function ownedTensor(values: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(values.slice(), shape, 'float32');
}

/**
 * Copies a float32 tensor's values into `target` at `offset`. On wasm this reads the heap in place
 * (dataSync would first copy the values into a fresh ArrayBuffer: 2-4x slower per recurrent step); the
 * tensor must live on the active backend, which holds for tensors created in the same synchronous pass.
 */
export function readInto(tensor: tf.Tensor, target: Float32Array, offset = 0): void {
  if (tensor.dtype !== 'float32') throw new TypeError(`expected a float32 tensor, got ${tensor.dtype}`);
  if (offset + tensor.size > target.length) {
    throw new RangeError(`tensor of ${tensor.size} values does not fit at ${offset} in an array of ${target.length}`);
  }
  const values =
    tf.getBackend() === 'wasm'
      ? (tf.backend() as unknown as WasmHeapReader).typedArrayFromHeap(tensor)
      : (tensor.dataSync() as Float32Array);
  target.set(values, offset);
}

export interface ProductOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /** Added to every row of the product (fused into the matrix product where the backend can). */
  bias?: tf.Tensor1D;
}

/** target[0 .. m*n) = op(a) · op(b) (+ bias). Disposes only the product, not a, b or bias. */
export function productInto(a: tf.Tensor2D, b: tf.Tensor2D, target: Float32Array, options: ProductOptions = {}): void {
  const { transposeA = false, transposeB = false, bias } = options;
  const product = bias === undefined ? tf.matMul(a, b, transposeA, transposeB) : tf.fused.matMul({ a, b, transposeA, transposeB, bias });
  try {
    readInto(product, target);
  } finally {
    product.dispose();
  }
}

/**
 * target = a · op(b) (+ bias) with `a` given as a row-major [rows, cols] array. On wasm, untransposed
 * products skip tfjs's per-op machinery (./wasm-direct-products.ts), with bit-identical results.
 */
export function arrayProductInto(
  a: Float32Array,
  rows: number,
  cols: number,
  b: tf.Tensor2D,
  target: Float32Array,
  options: ProductOptions = {},
): void {
  const direct = options.transposeA || options.transposeB ? null : directProducts();
  if (direct !== null) {
    direct.product(a, rows, cols, b, target, options.bias);
    return;
  }
  const left = transientMatrix(a, rows, cols);
  try {
    productInto(left, b, target, options);
  } finally {
    left.dispose();
  }
}
