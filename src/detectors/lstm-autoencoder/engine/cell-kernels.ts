// The element-wise LSTM step kernels a workspace uses, and the memory its buffers live in: WebAssembly
// SIMD kernels working in place on a WebAssembly.Memory when the runtime supports them (and H is a
// multiple of 4), else the plain JavaScript loops of ./lstm-cell.ts on ordinary Float32Arrays. Both give
// the same results to float32 rounding (the JS loops compute in float64).

import { lstmStepBackward, lstmStepForward } from './lstm-cell';
import { createFixedMemory, type WasmMemory, type WasmModule } from '../../common/wasm-assembler';
import { instantiateSimdCells, SimdCellExports, simdCellModule } from './simd-cell-kernels';

export type CellKernelName = 'wasm-simd' | 'js';

export interface CellKernels {
  readonly name: CellKernelName;
  /** A zero-filled array the kernels can work on (carved from the kernels' memory). */
  allocate(length: number): Float32Array;
  /** See lstmStepForward. */
  forward(
    rows: number,
    H: number,
    pre: Float32Array,
    recurrent: Float32Array | null,
    gates: Float32Array,
    cellPrev: Float32Array | null,
    cell: Float32Array,
    cellTanh: Float32Array,
    hidden: Float32Array,
  ): void;
  /** See lstmStepBackward. */
  backward(
    rows: number,
    H: number,
    hiddenGrad: Float32Array | null,
    recurrentGrad: Float32Array | null,
    cellGrad: Float32Array,
    gates: Float32Array,
    cellPrev: Float32Array | null,
    cellTanh: Float32Array,
    gateGrad: Float32Array,
    gateGradT: Float32Array,
    column: number,
    stride: number,
    gateGradSum: Float32Array | null,
    biasGrad: Float64Array,
  ): void;
}

class JsCellKernels implements CellKernels {
  readonly name = 'js';

  allocate(length: number): Float32Array {
    return new Float32Array(length);
  }

  forward(...args: Parameters<CellKernels['forward']>): void {
    lstmStepForward(...args);
  }

  backward(...args: Parameters<CellKernels['backward']>): void {
    lstmStepBackward(...args);
  }
}

const PAGE = 65536;

class SimdCellKernels implements CellKernels {
  readonly name = 'wasm-simd';
  private readonly memory: WasmMemory;
  private readonly exports: SimdCellExports;
  private readonly buffer: ArrayBuffer;
  private next = 16; // address 0 means "absent" to the kernels, so nothing is allocated there
  private readonly stepBias: Float32Array;

  constructor(
    module: WasmModule,
    floats: number,
    private readonly H: number,
  ) {
    const maxGates = 4 * H;
    const bytes = 16 + (floats + maxGates) * 4 + 16 * 64; // + alignment slack
    const pages = Math.ceil(bytes / PAGE);
    // Fixed size: growing would detach the ArrayBuffer under every view handed out.
    this.memory = createFixedMemory(pages);
    this.buffer = this.memory.buffer;
    this.exports = instantiateSimdCells(module, this.memory);
    this.stepBias = this.allocate(maxGates);
  }

  allocate(length: number): Float32Array {
    const start = this.next;
    this.next = Math.ceil((start + length * 4) / 16) * 16; // keep every buffer 16-byte aligned
    if (this.next > this.buffer.byteLength) throw new RangeError('cell-kernel memory exhausted (sizing bug)');
    return new Float32Array(this.buffer, start, length);
  }

  private checkH(H: number): void {
    if (H !== this.H) throw new RangeError(`these kernels were compiled for H = ${this.H}, not ${H}`);
  }

  private address(view: Float32Array | null): number {
    if (view === null) return 0;
    if (view.buffer !== this.buffer) throw new Error("array is not in the cell kernels' memory");
    return view.byteOffset;
  }

  forward(
    rows: number,
    H: number,
    pre: Float32Array,
    recurrent: Float32Array | null,
    gates: Float32Array,
    cellPrev: Float32Array | null,
    cell: Float32Array,
    cellTanh: Float32Array,
    hidden: Float32Array,
  ): void {
    const a = (view: Float32Array | null) => this.address(view);
    this.checkH(H);
    this.exports.forward(rows, a(pre), a(recurrent), a(gates), a(cellPrev), a(cell), a(cellTanh), a(hidden));
  }

  backward(
    rows: number,
    H: number,
    hiddenGrad: Float32Array | null,
    recurrentGrad: Float32Array | null,
    cellGrad: Float32Array,
    gates: Float32Array,
    cellPrev: Float32Array | null,
    cellTanh: Float32Array,
    gateGrad: Float32Array,
    gateGradT: Float32Array,
    column: number,
    stride: number,
    gateGradSum: Float32Array | null,
    biasGrad: Float64Array,
  ): void {
    const a = (view: Float32Array | null) => this.address(view);
    const G = 4 * H;
    const stepBias = this.stepBias.subarray(0, G);
    stepBias.fill(0);
    this.checkH(H);
    this.exports.backward(
      rows,
      a(hiddenGrad),
      a(recurrentGrad),
      a(cellGrad),
      a(gates),
      a(cellPrev),
      a(cellTanh),
      a(gateGrad),
      a(gateGradT),
      column,
      stride,
      a(gateGradSum),
      a(stepBias),
    );
    // Per-step sums are float32 over the block's rows; accumulate the steps in float64.
    for (let q = 0; q < G; q++) biasGrad[q] += stepBias[q];
  }
}

export type CellKernelPreference = 'auto' | CellKernelName;

/**
 * Kernels plus memory for `floats` float32 values (the caller's total allocation) for LSTMs with H
 * hidden units. 'auto' picks WebAssembly SIMD when available and H % 4 === 0.
 */
export function createCellKernels(floats: number, H: number, preference: CellKernelPreference = 'auto'): CellKernels {
  if (preference !== 'js' && H % 4 === 0) {
    const module = simdCellModule(H);
    if (module !== null) {
      try {
        return new SimdCellKernels(module, floats, H);
      } catch (error) {
        // e.g. no address space left for another WebAssembly memory: the JS kernels still work.
        if (preference === 'wasm-simd') throw error;
      }
    } else if (preference === 'wasm-simd') {
      throw new Error('WebAssembly SIMD is unavailable');
    }
  } else if (preference === 'wasm-simd') {
    throw new Error(`the wasm-simd kernels need H to be a multiple of 4, got H = ${H}`);
  }
  return new JsCellKernels();
}
