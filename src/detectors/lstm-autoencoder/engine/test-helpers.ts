// Shared helpers for the model tests (not a test file itself: jest only runs *.test.ts).

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { AutoencoderArchitecture } from './architecture';
import { installWasmKernelFixes } from './wasm-kernel-fixes';
import { createRandom } from './random';

/** Small enough for fast tests, big enough that every dimension is distinct (catches transposed layouts). */
export const TINY: AutoencoderArchitecture = { features: 3, windowLength: 5, hidden: 4, code: 2 };

let wasmReady: Promise<void> | undefined;

/** Switches the active backend; wasm gets the same kernel fixes as in production. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  tf.env().set('PROD', true); // no "install tfjs-node" banner in test output
  if (name === 'wasm') {
    wasmReady ??= (async () => {
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
      installWasmKernelFixes();
    })();
    await wasmReady;
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
}

/** Smooth random windows (a sum of sinusoids plus noise), so an autoencoder can learn them. */
export function syntheticWindows(architecture: AutoencoderArchitecture, count: number, seed: number): Float32Array {
  const { windowLength: T, features: F } = architecture;
  const random = createRandom(`windows/${seed}`);
  const out = new Float32Array(count * T * F);
  for (let n = 0; n < count; n++) {
    const phase = random.next() * 2 * Math.PI;
    const level = random.next() - 0.5;
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < F; k++) {
        out[(n * T + t) * F + k] = level + 0.8 * Math.sin(phase + 0.4 * t + k) + 0.05 * (random.next() - 0.5);
      }
    }
  }
  return out;
}

/** ||a - b|| / ||b||. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

export function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]));
  return max;
}
