// Preallocated buffers for the forward and backward passes over up to `capacity` windows.
//
// Everything is time-major: a sequence buffer holds T blocks of [rows, X], block t contiguous, so one
// step's slice is a subarray (no copy) and the whole sequence is a [T * rows, X] matrix for the products
// that run once per pass (input projection, output layer, weight gradients). With `rows` below capacity
// the blocks are packed at stride rows * X, i.e. only a prefix of each buffer is used.

import { AutoencoderArchitecture, validateArchitecture } from './architecture';
import { CellKernelPreference, CellKernels, createCellKernels } from './cell-kernels';

export interface WorkspaceOptions {
  /** Also allocate the buffers of the backward pass (default false: scoring only). */
  training?: boolean;
  /** Element-wise step kernels: 'auto' (default) = WebAssembly SIMD where available. */
  cellKernels?: CellKernelPreference;
}

type Sizes = Record<string, number>;

function forwardSizes(architecture: AutoencoderArchitecture, capacity: number): Sizes {
  const { features: F, windowLength: T, hidden: H, code: C } = architecture;
  const G = 4 * H;
  const c = capacity;
  return {
    input: T * c * F,
    encoderGates: T * c * G,
    encoderCells: T * c * H,
    encoderCellTanh: T * c * H,
    encoderHidden: (T + 1) * c * H,
    codes: c * C,
    decoderInput: c * G,
    decoderGates: T * c * G,
    decoderCells: T * c * H,
    decoderCellTanh: T * c * H,
    decoderHidden: (T + 1) * c * H,
    output: T * c * F,
    recurrent: c * G,
  };
}

function backwardSizes(architecture: AutoencoderArchitecture, capacity: number): Sizes {
  const { features: F, windowLength: T, hidden: H, code: C } = architecture;
  const G = 4 * H;
  const c = capacity;
  return {
    outputGrad: T * c * F,
    outputGradT: T * c * F,
    decoderHiddenGrad: T * c * H,
    stepGateGrad: c * G,
    gateGradT: T * c * G,
    decoderGateGradSum: c * G,
    cellGrad: c * H,
    recurrentGrad: c * H,
    codeGrad: c * C,
    lastHiddenGrad: c * H,
    transposedProduct: G * Math.max(H, F, C),
  };
}

function total(sizes: Sizes): number {
  return Object.values(sizes).reduce((sum, size) => sum + size, 0);
}

export class PassWorkspace {
  readonly architecture: AutoencoderArchitecture;
  readonly capacity: number;
  /** The element-wise step kernels; every buffer below lives in their memory. */
  readonly cells: CellKernels;

  /** [T, rows, F] the windows being reconstructed. */
  readonly input: Float32Array;
  /** [T, rows, 4H] encoder gate activations (first the input projections, overwritten step by step). */
  readonly encoderGates: Float32Array;
  /** [T, rows, H] encoder cell states c_t and tanh(c_t). */
  readonly encoderCells: Float32Array;
  readonly encoderCellTanh: Float32Array;
  /** [T + 1, rows, H] encoder hidden states; block 0 is h_{-1} = 0, block t + 1 is h_t. */
  readonly encoderHidden: Float32Array;
  /** [rows, C] bottleneck codes. */
  readonly codes: Float32Array;
  /** [rows, 4H] code x decoder kernel + bias: the decoder's input projection, the same at every step. */
  readonly decoderInput: Float32Array;
  readonly decoderGates: Float32Array;
  readonly decoderCells: Float32Array;
  readonly decoderCellTanh: Float32Array;
  readonly decoderHidden: Float32Array;
  /** [T, rows, F] reconstruction. */
  readonly output: Float32Array;
  /** [rows, 4H] h_{t-1} x recurrent kernel of the current step. */
  readonly recurrent: Float32Array;

  private readonly backwardBuffers: BackwardBuffers | null;

  constructor(architecture: AutoencoderArchitecture, capacity: number, options: WorkspaceOptions = {}) {
    validateArchitecture(architecture);
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.architecture = { ...architecture };
    this.capacity = capacity;
    const forward = forwardSizes(architecture, capacity);
    const backward = options.training ? backwardSizes(architecture, capacity) : null;
    // Sized once, up front: the kernels' memory cannot grow under the views handed out.
    this.cells = createCellKernels(total(forward) + (backward ? total(backward) : 0), architecture.hidden, options.cellKernels);
    const a = (name: string) => this.cells.allocate(forward[name]);
    this.input = a('input');
    this.encoderGates = a('encoderGates');
    this.encoderCells = a('encoderCells');
    this.encoderCellTanh = a('encoderCellTanh');
    this.encoderHidden = a('encoderHidden');
    this.codes = a('codes');
    this.decoderInput = a('decoderInput');
    this.decoderGates = a('decoderGates');
    this.decoderCells = a('decoderCells');
    this.decoderCellTanh = a('decoderCellTanh');
    this.decoderHidden = a('decoderHidden');
    this.output = a('output');
    this.recurrent = a('recurrent');
    this.backwardBuffers = backward ? new BackwardBuffers(backward, this.cells, 4 * architecture.hidden) : null;
  }

  /** Buffers of the backward pass (workspaces created with { training: true } only). */
  get backward(): BackwardBuffers {
    if (this.backwardBuffers === null) throw new Error('this workspace was created without { training: true }');
    return this.backwardBuffers;
  }
}

export class BackwardBuffers {
  /** [T, rows, F] dL/d(output), and its transpose [F, T * rows]. */
  readonly outputGrad: Float32Array;
  readonly outputGradT: Float32Array;
  /** [T, rows, H] dL/dh_t of the decoder from the output layer. */
  readonly decoderHiddenGrad: Float32Array;
  /** [rows, 4H] dL/dz_t of the current step (left operand of the step's product with U^T). */
  readonly stepGateGrad: Float32Array;
  /**
   * [4H, T * rows] dL/dz of all steps, transposed: the left operand of the weight-gradient products
   * (dU^T = dZ^T [h_{-1} .. h_{T-2}], dW^T = dZ^T inputs). Decoder first, then reused by the encoder.
   */
  readonly gateGradT: Float32Array;
  /** [rows, 4H] sum over steps of the decoder's dL/dz_t. */
  readonly decoderGateGradSum: Float32Array;
  /** [rows, H] dL/dc carried backwards, and dL/dh_t through the recurrence. */
  readonly cellGrad: Float32Array;
  readonly recurrentGrad: Float32Array;
  /** [rows, C] dL/d(code); [rows, H] dL/dh_{T-1} of the encoder. */
  readonly codeGrad: Float32Array;
  readonly lastHiddenGrad: Float32Array;
  /** Room for one transposed weight gradient ([4H, max(H, F, C)]) before it is transposed into place. */
  readonly transposedProduct: Float32Array;
  /** [4H] float64 accumulator of bias gradients. */
  readonly biasGrad: Float64Array;

  constructor(sizes: Sizes, cells: CellKernels, gates: number) {
    const a = (name: string) => cells.allocate(sizes[name]);
    this.outputGrad = a('outputGrad');
    this.outputGradT = a('outputGradT');
    this.decoderHiddenGrad = a('decoderHiddenGrad');
    this.stepGateGrad = a('stepGateGrad');
    this.gateGradT = a('gateGradT');
    this.decoderGateGradSum = a('decoderGateGradSum');
    this.cellGrad = a('cellGrad');
    this.recurrentGrad = a('recurrentGrad');
    this.codeGrad = a('codeGrad');
    this.lastHiddenGrad = a('lastHiddenGrad');
    this.transposedProduct = a('transposedProduct');
    this.biasGrad = new Float64Array(gates);
  }
}

/** Block t of a time-major buffer whose blocks hold `blockSize` values. */
export function block(buffer: Float32Array, t: number, blockSize: number): Float32Array {
  return buffer.subarray(t * blockSize, (t + 1) * blockSize);
}

/**
 * Copies windows (sample-major [count, T, F] rows of `source`) into the workspace's time-major input.
 * `indices` selects windows (training batches); null means windows first .. first + rows - 1.
 */
export function loadWindows(workspace: PassWorkspace, source: Float32Array, indices: Int32Array | null, first: number, rows: number): void {
  if (rows > workspace.capacity) throw new RangeError(`${rows} windows exceed the workspace capacity ${workspace.capacity}`);
  const { windowLength: T, features: F } = workspace.architecture;
  const windowSize = T * F;
  const input = workspace.input;
  for (let n = 0; n < rows; n++) {
    const window = indices === null ? first + n : indices[first + n];
    const from = window * windowSize;
    if (from < 0 || from + windowSize > source.length) throw new RangeError(`window ${window} is outside the data`);
    for (let t = 0; t < T; t++) {
      const to = (t * rows + n) * F;
      const at = from + t * F;
      for (let k = 0; k < F; k++) input[to + k] = source[at + k];
    }
  }
}
