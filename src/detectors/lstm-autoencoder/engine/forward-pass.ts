// The autoencoder's forward pass over the windows loaded in a workspace, keeping what back-propagation
// needs. Per pass: one product projects the inputs of all T encoder steps, one per step multiplies
// h_{t-1} by the recurrent kernel (all four gates at once), the decoder's input projection runs once
// (its input is the same code at every step) and one product maps all decoder states to the output.

import { PreparedWeights } from './prepared-weights';
import { arrayProductInto } from './tensor-io';
import { block, PassWorkspace } from './workspace';

export function forwardPass(weights: PreparedWeights, workspace: PassWorkspace, rows: number): void {
  if (rows < 1 || rows > workspace.capacity) throw new RangeError(`rows must be in [1, ${workspace.capacity}], got ${rows}`);
  const { features: F, windowLength: T, hidden: H, code: C } = workspace.architecture;
  const G = 4 * H;
  const ws = workspace;

  // Encoder: input projections of all steps, written where the step's gates will be activated in place.
  arrayProductInto(ws.input, T * rows, F, weights.encoderKernel, ws.encoderGates, { bias: weights.encoderBias });
  ws.encoderHidden.fill(0, 0, rows * H); // h_{-1} = 0: read by the weight-gradient products
  runRecurrence(rows, T, H, weights.encoderRecurrentKernel, ws, (t) => block(ws.encoderGates, t, rows * G), {
    gates: ws.encoderGates,
    cells: ws.encoderCells,
    cellTanh: ws.encoderCellTanh,
    hidden: ws.encoderHidden,
  });

  // Bottleneck, then the decoder's input projection, once.
  arrayProductInto(block(ws.encoderHidden, T, rows * H), rows, H, weights.bottleneckKernel, ws.codes, { bias: weights.bottleneckBias });
  arrayProductInto(ws.codes, rows, C, weights.decoderKernel, ws.decoderInput, { bias: weights.decoderBias });
  const decoderInput = ws.decoderInput.subarray(0, rows * G);
  ws.decoderHidden.fill(0, 0, rows * H);
  runRecurrence(rows, T, H, weights.decoderRecurrentKernel, ws, () => decoderInput, {
    gates: ws.decoderGates,
    cells: ws.decoderCells,
    cellTanh: ws.decoderCellTanh,
    hidden: ws.decoderHidden,
  });

  // Output layer on all decoder states h_0 .. h_{T-1} at once.
  const states = ws.decoderHidden.subarray(rows * H, (T + 1) * rows * H);
  arrayProductInto(states, T * rows, H, weights.outputKernel, ws.output, { bias: weights.outputBias });
}

interface RecurrenceBuffers {
  gates: Float32Array;
  cells: Float32Array;
  cellTanh: Float32Array;
  hidden: Float32Array;
}

function runRecurrence(
  rows: number,
  T: number,
  H: number,
  recurrentKernel: PreparedWeights['encoderRecurrentKernel'],
  ws: PassWorkspace,
  projection: (t: number) => Float32Array,
  { gates, cells, cellTanh, hidden }: RecurrenceBuffers,
): void {
  const G = 4 * H;
  for (let t = 0; t < T; t++) {
    // h_{-1} = 0 contributes nothing: the first step needs no product.
    if (t > 0) arrayProductInto(block(hidden, t, rows * H), rows, H, recurrentKernel, ws.recurrent);
    ws.cells.forward(
      rows,
      H,
      projection(t),
      t > 0 ? ws.recurrent : null,
      block(gates, t, rows * G),
      t > 0 ? block(cells, t - 1, rows * H) : null,
      block(cells, t, rows * H),
      block(cellTanh, t, rows * H),
      block(hidden, t + 1, rows * H),
    );
  }
}

/** Sum over the loaded windows of the squared reconstruction error (double precision). */
export function sumSquaredError(workspace: PassWorkspace, rows: number): number {
  const { features: F, windowLength: T } = workspace.architecture;
  const { input, output } = workspace;
  let sum = 0;
  for (let i = 0, n = T * rows * F; i < n; i++) {
    const d = output[i] - input[i];
    sum += d * d;
  }
  return sum;
}
