// Direct products on the wasm backend: the same bits as tf.matMul / tf.fused.matMul, scratch that grows
// without leaking, and no direct path on other backends.

import * as tf from '@tensorflow/tfjs';
import { arrayProductInto } from './tensor-io';
import { directProducts } from './wasm-direct-products';
import { useBackend } from './test-helpers';

function seededArray(length: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomUniform([length], -1, 1, 'float32', seed).dataSync() as Float32Array).slice();
}

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

describe('direct products on wasm', () => {
  beforeAll(() => useBackend('wasm'));
  afterAll(() => useBackend('cpu'));

  test.each([
    [1, 4, 16, false],
    [5, 7, 3, true],
    [37, 64, 256, true],
    [3, 64, 256, false], // smaller after larger: the scratch is reused
    [300, 14, 256, true], // larger: the scratch grows
  ])('[%i x %i] . [%i x ...] gives the bits of tfjs (bias %s)', (rows, cols, n, withBias) => {
    const direct = directProducts();
    expect(direct).not.toBeNull();
    const a = seededArray(rows * cols, rows);
    const b = tf.tensor2d(seededArray(cols * n, cols), [cols, n]);
    const bias = withBias ? tf.tensor1d(seededArray(n, n)) : undefined;
    const expected = tf.tidy(() => {
      const left = tf.tensor2d(a, [rows, cols]);
      const product = bias ? tf.fused.matMul({ a: left, b, bias }) : tf.matMul(left, b);
      return product.dataSync() as Float32Array;
    });
    const target = new Float32Array(rows * n + 3).fill(7); // longer than the product: the tail is left alone
    direct!.product(a, rows, cols, b, target, bias);
    expect(bitsOf(target.subarray(0, rows * n))).toEqual(bitsOf(expected));
    expect(Array.from(target.subarray(rows * n))).toEqual([7, 7, 7]);
    tf.dispose([b, ...(bias ? [bias] : [])]);
  });

  test('arrayProductInto takes the direct path on wasm and leaves no tensor or backend data behind', () => {
    const b = tf.tensor2d(seededArray(6 * 5, 2), [6, 5]);
    const a = seededArray(4 * 6, 3);
    const target = new Float32Array(20);
    arrayProductInto(a, 4, 6, b, target); // scratch allocated once
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) arrayProductInto(a, 4, 6, b, target);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
    const expected = tf.tidy(() => tf.matMul(tf.tensor2d(a, [4, 6]), b).dataSync() as Float32Array);
    expect(bitsOf(target)).toEqual(bitsOf(expected));
    b.dispose();
  });

  test('refuses mismatched shapes, short arrays and tensors of another dtype', () => {
    const direct = directProducts()!;
    const b = tf.tensor2d(seededArray(12, 4), [3, 4]);
    expect(() => direct.product(new Float32Array(6), 2, 2, b, new Float32Array(8))).toThrow(/cannot multiply/);
    expect(() => direct.product(new Float32Array(5), 2, 3, b, new Float32Array(8))).toThrow(/needs 6 values/);
    expect(() => direct.product(new Float32Array(6), 2, 3, b, new Float32Array(7))).toThrow(/does not fit/);
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4], 'int32');
    expect(() => direct.product(new Float32Array(6), 2, 3, ints as tf.Tensor2D, new Float32Array(8))).toThrow(/float32/);
    tf.dispose([b, ints]);
  });

  test('there is no direct path on the cpu backend', async () => {
    await useBackend('cpu');
    try {
      expect(directProducts()).toBeNull();
    } finally {
      await useBackend('wasm');
    }
  });
});
