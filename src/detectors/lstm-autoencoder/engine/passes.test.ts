// The hand-written forward and backward passes against tf.layers and tfjs autodiff.

import * as tf from '@tensorflow/tfjs';
import { AutoencoderArchitecture, parameterLayout } from './architecture';
import { forwardPass } from './forward-pass';
import { blockGradient } from './objective';
import { initialiseModel, InitialisationScheme } from './initialisation';
import { toLayersModel } from './layers-model';
import { fastSigmoid, fastTanh } from './lstm-cell';
import { withPreparedWeights } from './prepared-weights';
import { CellKernelName } from './cell-kernels';
import { loadWindows, PassWorkspace } from './workspace';
import { maxAbs, maxAbsDifference, relativeError, syntheticWindows, TINY, useBackend } from './test-helpers';

const OTHER: AutoencoderArchitecture = { features: 2, windowLength: 7, hidden: 5, code: 3 };

/** Sample-major reconstruction [rows, T, F] from the fast forward pass. */
function fastReconstruction(
  architecture: AutoencoderArchitecture,
  parameters: Float32Array,
  windows: Float32Array,
  rows: number,
  cellKernels: CellKernelName,
): Float32Array {
  const { windowLength: T, features: F } = architecture;
  const workspace = new PassWorkspace(architecture, rows, { cellKernels });
  expect(workspace.cells.name).toBe(cellKernels);
  loadWindows(workspace, windows, null, 0, rows);
  withPreparedWeights(architecture, parameters, { forTraining: false }, (weights) => forwardPass(weights, workspace, rows));
  const out = new Float32Array(rows * T * F);
  for (let n = 0; n < rows; n++) {
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < F; k++) out[(n * T + t) * F + k] = workspace.output[(t * rows + n) * F + k];
    }
  }
  return out;
}

function layersReconstruction(
  architecture: AutoencoderArchitecture,
  parameters: Float32Array,
  windows: Float32Array,
  rows: number,
): Float32Array {
  const layersModel = toLayersModel({ architecture, parameters });
  try {
    return tf
      .tidy(() => {
        const x = tf.tensor3d(windows.slice(0, rows * architecture.windowLength * architecture.features), [
          rows,
          architecture.windowLength,
          architecture.features,
        ]);
        return (layersModel.predict(x) as tf.Tensor).dataSync() as Float32Array;
      })
      .slice();
  } finally {
    layersModel.dispose();
  }
}

/** Loss and gradients by tfjs autodiff through the tf.layers model, in parameter-layout order. */
function autodiffGradient(architecture: AutoencoderArchitecture, parameters: Float32Array, windows: Float32Array, rows: number) {
  const layersModel = toLayersModel({ architecture, parameters });
  try {
    const variables = layersModel.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const { windowLength: T, features: F } = architecture;
    const x = tf.tensor3d(windows.slice(0, rows * T * F), [rows, T, F]);
    const { value, grads } = tf.variableGrads(() => {
      const y = layersModel.apply(x, { training: true }) as tf.Tensor;
      return tf.mean(tf.square(tf.sub(y, x))) as tf.Scalar;
    }, variables);
    const gradient = new Float32Array(parameterLayout(architecture).size);
    let offset = 0;
    for (const variable of variables) {
      const values = grads[variable.name].dataSync();
      gradient.set(values, offset);
      offset += values.length;
    }
    const loss = value.dataSync()[0];
    tf.dispose([x, value, ...Object.values(grads)]);
    return { loss, gradient };
  } finally {
    layersModel.dispose();
  }
}

function fastGradient(
  architecture: AutoencoderArchitecture,
  parameters: Float32Array,
  windows: Float32Array,
  rows: number,
  cellKernels: CellKernelName,
) {
  const gradient = new Float32Array(parameterLayout(architecture).size);
  const workspace = new PassWorkspace(architecture, rows, { training: true, cellKernels });
  expect(workspace.cells.name).toBe(cellKernels);
  const sse = withPreparedWeights(architecture, parameters, { forTraining: true }, (weights) =>
    blockGradient(weights, workspace, { windows, indices: null, first: 0, rows }, rows, gradient),
  );
  return { loss: sse / (rows * architecture.windowLength * architecture.features), gradient };
}

describe('fast activations', () => {
  test('tanh and sigmoid approximations stay within 3e-7 of the exact functions', () => {
    let tanhError = 0;
    let sigmoidError = 0;
    for (let x = -20; x <= 20; x += 1e-3) {
      tanhError = Math.max(tanhError, Math.abs(fastTanh(x) - Math.tanh(x)));
      sigmoidError = Math.max(sigmoidError, Math.abs(fastSigmoid(x) - 1 / (1 + Math.exp(-x))));
    }
    expect(tanhError).toBeLessThan(3e-7);
    expect(sigmoidError).toBeLessThan(2e-7);
    expect(fastTanh(0)).toBe(0);
    expect(fastTanh(1e6)).toBeCloseTo(1, 6);
  });
});

const EIGHT: AutoencoderArchitecture = { features: 5, windowLength: 6, hidden: 8, code: 3 };

type Case = [InitialisationScheme, AutoencoderArchitecture, number, CellKernelName];
const CASES: Case[] = [
  ['pytorch', TINY, 3, 'wasm-simd'],
  ['pytorch', TINY, 3, 'js'],
  ['keras', TINY, 5, 'wasm-simd'],
  ['pytorch', EIGHT, 7, 'wasm-simd'],
  ['keras', EIGHT, 2, 'js'],
  ['pytorch', OTHER, 4, 'js'], // H = 5: not a multiple of the SIMD width
];

describe.each(['cpu', 'wasm'] as const)('fast passes on the %s backend', (backend) => {
  beforeAll(() => useBackend(backend));

  test.each(CASES)('forward pass equals the tf.layers model (%s init, %o, %i windows, %s cells)', (scheme, architecture, rows, cells) => {
    const { parameters } = initialiseModel(architecture, scheme, 7);
    const windows = syntheticWindows(architecture, rows, 1);
    const fast = fastReconstruction(architecture, parameters, windows, rows, cells);
    const reference = layersReconstruction(architecture, parameters, windows, rows);
    expect(maxAbsDifference(fast, reference)).toBeLessThan(1e-5 * Math.max(1, maxAbs(reference)));
    expect(relativeError(fast, reference)).toBeLessThan(2e-6);
  });

  test.each(CASES)(
    'gradients equal tfjs autodiff of the tf.layers model (%s init, %o, %i windows, %s cells)',
    (scheme, architecture, rows, cells) => {
      const { parameters } = initialiseModel(architecture, scheme, 3);
      const windows = syntheticWindows(architecture, rows, 2);
      const fast = fastGradient(architecture, parameters, windows, rows, cells);
      const reference = autodiffGradient(architecture, parameters, windows, rows);
      expect(Math.abs(fast.loss - reference.loss)).toBeLessThan(1e-6 * reference.loss);
      // Whole vector and every parameter block on its own (a block with a wrong transposition or gate
      // order would hide in the global norm).
      expect(relativeError(fast.gradient, reference.gradient)).toBeLessThan(1e-5);
      for (const block of parameterLayout(architecture).blocks) {
        const range = [block.offset, block.offset + block.size] as const;
        const error = relativeError(fast.gradient.subarray(...range), reference.gradient.subarray(...range));
        expect({ block: block.name, ok: error < 1e-5, error }).toMatchObject({ block: block.name, ok: true });
      }
    },
  );

  test.each(['wasm-simd', 'js'] as const)('gradients of the blocks of a batch add up to the batch gradient (%s cells)', (cellKernels) => {
    const architecture = TINY;
    const rows = 5;
    const { parameters } = initialiseModel(architecture, 'pytorch', 11);
    const windows = syntheticWindows(architecture, rows, 3);
    const whole = fastGradient(architecture, parameters, windows, rows, cellKernels).gradient;
    const size = parameterLayout(architecture).size;
    const parts = [new Float32Array(size), new Float32Array(size)];
    const workspace = new PassWorkspace(architecture, rows, { training: true, cellKernels });
    withPreparedWeights(architecture, parameters, { forTraining: true }, (weights) => {
      blockGradient(weights, workspace, { windows, indices: null, first: 0, rows: 3 }, rows, parts[0]);
      blockGradient(weights, workspace, { windows, indices: null, first: 3, rows: 2 }, rows, parts[1]);
    });
    const sum = parts[0].map((value, i) => value + parts[1][i]);
    expect(relativeError(sum, whole)).toBeLessThan(1e-6);
  });
});

describe('reference-size network', () => {
  beforeAll(() => useBackend('wasm'));

  test('SIMD and JS cell kernels agree on the forward pass and the gradient', () => {
    const architecture = { features: 14, windowLength: 30, hidden: 64, code: 16 };
    const { parameters } = initialiseModel(architecture, 'pytorch', 1);
    const windows = syntheticWindows(architecture, 6, 4);
    const simd = fastGradient(architecture, parameters, windows, 6, 'wasm-simd');
    const js = fastGradient(architecture, parameters, windows, 6, 'js');
    expect(Math.abs(simd.loss - js.loss)).toBeLessThan(1e-6 * js.loss);
    expect(relativeError(simd.gradient, js.gradient)).toBeLessThan(1e-5);
    const reference = layersReconstruction(architecture, parameters, windows, 6);
    expect(relativeError(fastReconstruction(architecture, parameters, windows, 6, 'wasm-simd'), reference)).toBeLessThan(2e-6);
  });
});
