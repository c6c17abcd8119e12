// The wasm kernel fixes: same numbers as the cpu backend, and the slow paths are really bypassed.

import * as tf from '@tensorflow/tfjs';
import { installedWasmKernelFixes } from './wasm-kernel-fixes';
import { maxAbsDifference, useBackend } from './test-helpers';

/** Runs `compute` on cpu and on wasm (inputs built from the same seeded values) and returns both outputs. */
async function onBothBackends(compute: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const run = () =>
    tf.tidy(() => {
      const out = compute();
      return (Array.isArray(out) ? out : [out]).map((tensor) => tensor.dataSync() as Float32Array);
    });
  await useBackend('cpu');
  const cpu = run();
  await useBackend('wasm');
  const wasm = run();
  return { cpu, wasm };
}

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

describe('wasm kernel fixes', () => {
  beforeAll(() => useBackend('wasm'));
  afterAll(() => useBackend('cpu'));

  test('are installed', () => {
    expect(installedWasmKernelFixes()).toEqual(expect.arrayContaining(['transposed-matmul', 'in-place-slice']));
  });

  test.each([
    [false, false, [5, 7], [7, 3]],
    [true, false, [7, 5], [7, 3]],
    [false, true, [5, 7], [3, 7]],
    [true, true, [7, 5], [3, 7]],
    [true, false, [2, 7, 5], [2, 7, 3]],
    [false, true, [2, 5, 7], [1, 3, 7]],
    [true, true, [1, 7, 5], [2, 3, 7]],
  ])('matMul transposeA=%s transposeB=%s %j x %j equals cpu', async (transposeA, transposeB, aShape, bShape) => {
    const { cpu, wasm } = await onBothBackends(() => tf.matMul(seeded(aShape, 1), seeded(bShape, 2), transposeA, transposeB));
    expect(wasm[0].length).toBe(cpu[0].length);
    expect(maxAbsDifference(wasm[0], cpu[0])).toBeLessThan(1e-5);
  });

  test.each([
    [true, false],
    [false, true],
    [true, true],
  ])('fused matMul with bias and relu, transposeA=%s transposeB=%s, equals cpu', async (transposeA, transposeB) => {
    const { cpu, wasm } = await onBothBackends(() =>
      tf.fused.matMul({
        a: seeded(transposeA ? [6, 4] : [4, 6], 3) as tf.Tensor2D,
        b: seeded(transposeB ? [5, 6] : [6, 5], 4) as tf.Tensor2D,
        transposeA,
        transposeB,
        bias: seeded([5], 5),
        activation: 'relu',
      }),
    );
    expect(maxAbsDifference(wasm[0], cpu[0])).toBeLessThan(1e-5);
  });

  test('transposed products run through the Transpose kernel (the scalar-loop path is bypassed)', async () => {
    await useBackend('wasm');
    const transpose = tf.getKernel(tf.Transpose, 'wasm');
    const spy = jest.spyOn(transpose, 'kernelFunc');
    try {
      tf.tidy(() => tf.matMul(seeded([4, 3], 1), seeded([4, 2], 2), true, false).dataSync());
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockClear();
      tf.tidy(() => tf.matMul(seeded([3, 4], 1), seeded([4, 2], 2)).dataSync());
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  test('the gradient of a product (transposed products inside autodiff) equals cpu', async () => {
    const { cpu, wasm } = await onBothBackends(() => {
      const a = seeded([3, 5, 4], 6);
      const b = seeded([3, 4, 6], 7);
      const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]);
      return grads;
    });
    cpu.forEach((values, i) => expect(maxAbsDifference(wasm[i], values)).toBeLessThan(1e-4));
  });

  test.each([
    [[10], [3], [4]],
    [
      [6, 5],
      [1, 2],
      [3, 2],
    ],
    [
      [4, 5, 6],
      [1, 0, 2],
      [2, 5, 3],
    ],
    [
      [3, 4, 5, 6],
      [0, 1, 2, 3],
      [3, 2, 2, 3],
    ],
    [
      [2, 3, 2, 3, 2],
      [1, 0, 1, 1, 0],
      [1, 3, 1, 2, 2],
    ],
  ])('slice of %j at %j size %j equals cpu', async (shape, begin, size) => {
    const { cpu, wasm } = await onBothBackends(() => tf.slice(seeded(shape, 8), begin, size));
    expect(Array.from(wasm[0])).toEqual(Array.from(cpu[0]));
  });

  test('int32 and bool slices equal cpu', async () => {
    const { cpu, wasm } = await onBothBackends(() => [
      tf.slice(tf.range(0, 24, 1, 'int32').reshape([2, 3, 4]), [1, 1, 1], [1, 2, 2]),
      tf.slice(tf.greater(seeded([4, 4], 9), 0), [1, 0], [2, 3]).cast('int32'),
    ]);
    cpu.forEach((values, i) => expect(Array.from(wasm[i])).toEqual(Array.from(values)));
  });

  test('split, unstack and their shapes equal cpu', async () => {
    const { cpu, wasm } = await onBothBackends(() => [
      ...tf.split(seeded([4, 12], 10), 4, 1),
      ...tf.split(seeded([5, 3, 2], 11), [2, 1, 2], 0),
      ...tf.unstack(seeded([3, 5, 2], 12), 1),
      ...tf.unstack(seeded([3, 5, 2], 13), -1),
    ]);
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((values, i) => expect(Array.from(wasm[i])).toEqual(Array.from(values)));
    await useBackend('wasm');
    expect(tf.unstack(tf.zeros([3, 5, 2]), 1)[0].shape).toEqual([3, 2]);
    expect(tf.split(tf.zeros([4, 12]), [5, 7], 1)[1].shape).toEqual([4, 7]);
  });

  test('slicing reads the heap in place instead of copying the whole input (readSync)', async () => {
    await useBackend('wasm');
    const backend = tf.backend() as unknown as { readSync: (...args: unknown[]) => unknown };
    const spy = jest.spyOn(backend, 'readSync');
    try {
      tf.tidy(() => {
        const x = seeded([30, 8, 16], 14);
        tf.slice(x, [3, 0, 0], [1, 8, 16]);
        tf.unstack(x, 0);
        tf.split(x, 4, 2);
      });
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
