// Hand-written back-propagation through time for the autoencoder, after forwardPass on the same
// workspace. The loss is L = scale * sum((output - input)^2); with scale = 1 / (batch * T * F) this is the
// batch MSE, and a block of a batch passes the whole batch's count so block gradients simply add up.
//
// Per step only the element-wise gate gradients and one product dz_t x U^T run. The weight gradients are
// a few large products after the loops, computed transposed so that no operand needs transposing:
// the gate-gradient loop writes dZ^T = [dz_0 .. dz_{T-1}]^T ([4H, T * rows]) directly, and e.g.
// dU^T = dZ^T x [h_{-1} .. h_{T-2}] ([4H, H]) is then an untransposed product whose right operand is the
// small state sequence (cheap for XNNPACK to pack), transposed into place in the gradient afterwards.

import * as tf from '@tensorflow/tfjs';
import { parameterLayout, parameterViews } from './architecture';
import { PreparedWeights, transpose } from './prepared-weights';
import { arrayProductInto, productInto, transientMatrix } from './tensor-io';
import { block, PassWorkspace } from './workspace';

/** Writes dL/d(parameters) into `gradient` (flat, parameter layout; every value is overwritten). */
export function backwardPass(
  weights: PreparedWeights,
  workspace: PassWorkspace,
  rows: number,
  scale: number,
  gradient: Float32Array,
): void {
  const { features: F, windowLength: T, hidden: H, code: C } = workspace.architecture;
  const G = 4 * H;
  const ws = workspace;
  const b = ws.backward;
  const grad = parameterViews(parameterLayout(ws.architecture), gradient);
  const kernelsT = weights.transposed;
  if (kernelsT === null) throw new Error('backwardPass needs weights prepared with { forTraining: true }');
  const steps = T * rows;

  // Output layer: dY = 2 * scale * (Y - X), also transposed; dWo^T = dY^T Hdec; dbo = column sums;
  // dHdec = dY Wo^T.
  const twiceScale = 2 * scale;
  const { outputGrad, outputGradT } = b;
  for (let s = 0; s < steps; s++) {
    for (let k = 0; k < F; k++) {
      const i = s * F + k;
      const d = twiceScale * (ws.output[i] - ws.input[i]);
      outputGrad[i] = d;
      outputGradT[k * steps + s] = d;
    }
  }
  rowSums(outputGradT, F, steps, grad.outputBias);
  withMatrices(
    [
      [outputGradT, F, steps],
      [ws.decoderHidden.subarray(rows * H, (T + 1) * rows * H), steps, H],
      [outputGrad, steps, F],
    ],
    ([outputGradT, states, outputGrad]) => {
      transposedProductInto(outputGradT, states, grad.outputKernel, F, H, b.transposedProduct);
      productInto(outputGrad, kernelsT.outputKernelT, b.decoderHiddenGrad);
    },
  );

  // Decoder: back through time; its input gradient is the sum over steps of dz_t.
  b.decoderGateGradSum.fill(0, 0, rows * G);
  backThroughTime(rows, T, H, ws, kernelsT.decoderRecurrentKernelT, {
    gates: ws.decoderGates,
    cells: ws.decoderCells,
    cellTanh: ws.decoderCellTanh,
    hiddenGrad: (t) => block(b.decoderHiddenGrad, t, rows * H),
    gateGradSum: b.decoderGateGradSum,
  });
  copyInto(b.biasGrad, grad.decoderBias);
  withMatrices(
    [
      [b.gateGradT, G, steps],
      [ws.decoderHidden.subarray(0, steps * H), steps, H],
      [ws.codes, rows, C],
      [b.decoderGateGradSum, rows, G],
    ],
    ([gateGradT, previousStates, codes, gateGradSum]) => {
      transposedProductInto(gateGradT, previousStates, grad.decoderRecurrentKernel, G, H, b.transposedProduct);
      productInto(codes, gateGradSum, grad.decoderKernel, { transposeA: true });
      productInto(gateGradSum, kernelsT.decoderKernelT, b.codeGrad);
    },
  );

  // Bottleneck: dWb = h_{T-1}^T dcode; dbb = column sums; dh_{T-1} = dcode Wb^T.
  columnSums(b.codeGrad, rows, C, grad.bottleneckBias);
  withMatrices(
    [
      [block(ws.encoderHidden, T, rows * H), rows, H],
      [b.codeGrad, rows, C],
    ],
    ([last, codeGrad]) => {
      productInto(last, codeGrad, grad.bottleneckKernel, { transposeA: true });
      productInto(codeGrad, kernelsT.bottleneckKernelT, b.lastHiddenGrad);
    },
  );

  // Encoder: only its last state feeds forward, so outside gradient enters at the last step only.
  const lastHiddenGrad = b.lastHiddenGrad.subarray(0, rows * H);
  backThroughTime(rows, T, H, ws, kernelsT.encoderRecurrentKernelT, {
    gates: ws.encoderGates,
    cells: ws.encoderCells,
    cellTanh: ws.encoderCellTanh,
    hiddenGrad: (t) => (t === T - 1 ? lastHiddenGrad : null),
    gateGradSum: null,
  });
  copyInto(b.biasGrad, grad.encoderBias);
  withMatrices(
    [
      [b.gateGradT, G, steps],
      [ws.encoderHidden.subarray(0, steps * H), steps, H],
      [ws.input, steps, F],
    ],
    ([gateGradT, previousStates, inputs]) => {
      transposedProductInto(gateGradT, previousStates, grad.encoderRecurrentKernel, G, H, b.transposedProduct);
      transposedProductInto(gateGradT, inputs, grad.encoderKernel, G, F, b.transposedProduct);
    },
  );
}

interface RecurrenceTape {
  gates: Float32Array;
  cells: Float32Array;
  cellTanh: Float32Array;
  hiddenGrad: (t: number) => Float32Array | null;
  gateGradSum: Float32Array | null;
}

/** Fills ws.backward.gateGradT with dL/dz of every step and biasGrad with their column sums. */
function backThroughTime(rows: number, T: number, H: number, ws: PassWorkspace, recurrentKernelT: tf.Tensor2D, tape: RecurrenceTape): void {
  const G = 4 * H;
  const b = ws.backward;
  b.cellGrad.fill(0, 0, rows * H);
  b.biasGrad.fill(0);
  const cellGrad = b.cellGrad.subarray(0, rows * H);
  const recurrentGrad = b.recurrentGrad.subarray(0, rows * H);
  const stepGateGrad = b.stepGateGrad.subarray(0, rows * G);
  for (let t = T - 1; t >= 0; t--) {
    ws.cells.backward(
      rows,
      H,
      tape.hiddenGrad(t),
      t < T - 1 ? recurrentGrad : null,
      cellGrad,
      block(tape.gates, t, rows * G),
      t > 0 ? block(tape.cells, t - 1, rows * H) : null,
      block(tape.cellTanh, t, rows * H),
      stepGateGrad,
      b.gateGradT,
      t * rows,
      T * rows,
      tape.gateGradSum,
      b.biasGrad,
    );
    if (t > 0) arrayProductInto(stepGateGrad, rows, G, recurrentKernelT, recurrentGrad);
  }
}

/** target [cols, rows] = (aT [rows, k] x b [k, cols])^T: a weight gradient computed transposed. */
function transposedProductInto(
  aT: tf.Tensor2D,
  b: tf.Tensor2D,
  target: Float32Array,
  rows: number,
  cols: number,
  scratch: Float32Array,
): void {
  const product = scratch.subarray(0, rows * cols);
  productInto(aT, b, product);
  transpose(product, rows, cols, target);
}

type MatrixSpec = [values: Float32Array, rows: number, cols: number];

/** Wraps arrays as transient tensors for `body` and disposes them afterwards. */
function withMatrices(specs: MatrixSpec[], body: (matrices: tf.Tensor2D[]) => void): void {
  const matrices: tf.Tensor2D[] = [];
  try {
    for (const [values, rows, cols] of specs) matrices.push(transientMatrix(values, rows, cols));
    body(matrices);
  } finally {
    for (const matrix of matrices) matrix.dispose();
  }
}

function columnSums(values: Float32Array, rows: number, cols: number, target: Float32Array): void {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let c = 0; c < cols; c++) sums[c] += values[offset + c];
  }
  for (let c = 0; c < cols; c++) target[c] = sums[c];
}

function rowSums(values: Float32Array, rows: number, cols: number, target: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    const offset = r * cols;
    for (let c = 0; c < cols; c++) sum += values[offset + c];
    target[r] = sum;
  }
}

function copyInto(source: Float64Array, target: Float32Array): void {
  for (let i = 0; i < target.length; i++) target[i] = source[i];
}
