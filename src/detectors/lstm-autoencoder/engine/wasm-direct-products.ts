// Matrix products on the tfjs WebAssembly backend without tfjs's per-op machinery. A forward pass makes
// about 60 small products (one per recurrent step); through tf.matMul each one creates, tracks and
// disposes two tensors and dispatches a kernel, ~10 us of JavaScript around a product that takes a few
// microseconds for one window: ~0.7 ms of fixed cost per pass, most of the cost of a small pass
// (measured with bench/score's CPU split: dynamic batching makes passes of 5-20 windows).
//
// Here the left operand and the product live in two scratch regions of the backend's heap, registered
// with its C++ side as tensors under ids taken from the backend's own counter (so tfjs never hands them
// out), and the backend's exported BatchMatMul / _FusedMatMul entry points are called directly. They run
// the very same XNNPACK operator, cached on the right operand's id, that tf.matMul / tf.fused.matMul
// reach: the results are bit-identical (src/detectors/lstm-autoencoder/engine/wasm-direct-products.test.ts).
//
// This relies on internals of @tensorflow/tfjs-backend-wasm 4.22 (the Emscripten module's exports and
// the backend's id counter); directProducts() checks they are there and returns null otherwise, and the
// callers then go through tf.matMul.

import * as tf from '@tensorflow/tfjs';

/** The parts of the backend's Emscripten module used here. */
interface WasmModule {
  HEAPF32: Float32Array;
  HEAP32: Int32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _BatchMatMul(
    aId: number,
    aShape: number,
    aRank: number,
    bId: number,
    bShape: number,
    bRank: number,
    transposeA: number,
    transposeB: number,
    outId: number,
  ): void;
  __FusedMatMul(
    aId: number,
    aShape: number,
    aRank: number,
    bId: number,
    bShape: number,
    bRank: number,
    transposeA: number,
    transposeB: number,
    activation: number,
    biasId: number,
    preluWeightsId: number,
    leakyReluAlpha: number,
    outId: number,
  ): void;
  tfjs: { registerTensor(id: number, size: number, memoryOffset: number): void; disposeData(id: number): void };
}

/** The parts of BackendWasm used here. */
interface WasmBackend {
  wasm: WasmModule;
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: tf.DataId): { id: number } | undefined };
}

const LINEAR_ACTIVATION = 0; // FusableActivation.linear of the backend's C++ side

function isWasmBackend(backend: unknown): backend is WasmBackend {
  const candidate = backend as Partial<WasmBackend> | null;
  const wasm = candidate?.wasm as Partial<WasmModule> | undefined;
  return (
    typeof candidate?.dataIdNextNumber === 'number' &&
    typeof candidate.dataIdMap?.get === 'function' &&
    wasm !== undefined &&
    typeof wasm._malloc === 'function' &&
    typeof wasm._free === 'function' &&
    typeof wasm._BatchMatMul === 'function' &&
    typeof wasm.__FusedMatMul === 'function' &&
    typeof wasm.tfjs?.registerTensor === 'function' &&
    typeof wasm.tfjs?.disposeData === 'function'
  );
}

/** A stretch of the backend's heap registered as a float32 tensor of `capacity` values. */
interface HeapRegion {
  id: number;
  offset: number;
  capacity: number;
}

export class DirectProducts {
  private left: HeapRegion | null = null;
  private out: HeapRegion | null = null;
  /** Two rank-3 shapes ([1, m, k] and [1, k, n]) as int32, read by the kernels. */
  private readonly shapes: number;

  constructor(private readonly backend: WasmBackend) {
    this.shapes = backend.wasm._malloc(6 * 4) >>> 0;
  }

  /**
   * target[0 .. rows*n) = a · b (+ bias), a being row-major [rows, cols] and b a float32 [cols, n] tensor
   * on this backend.
   */
  product(a: Float32Array, rows: number, cols: number, b: tf.Tensor2D, target: Float32Array, bias?: tf.Tensor1D): void {
    const [inner, n] = b.shape;
    if (inner !== cols) throw new RangeError(`cannot multiply [${rows}, ${cols}] by [${inner}, ${n}]`);
    if (a.length < rows * cols) throw new RangeError(`matrix needs ${rows * cols} values, got ${a.length}`);
    if (target.length < rows * n) throw new RangeError(`a product of ${rows * n} values does not fit in an array of ${target.length}`);
    if (rows === 0) return;
    const { wasm } = this.backend;
    this.left = this.ensure(this.left, rows * cols);
    this.out = this.ensure(this.out, rows * n);
    // Read the views after allocating: a growing heap replaces them.
    wasm.HEAPF32.set(a.length === rows * cols ? a : a.subarray(0, rows * cols), this.left.offset >>> 2);
    const shapes = wasm.HEAP32;
    const at = this.shapes >>> 2;
    shapes[at] = 1;
    shapes[at + 1] = rows;
    shapes[at + 2] = cols;
    shapes[at + 3] = 1;
    shapes[at + 4] = cols;
    shapes[at + 5] = n;
    const bId = this.idOf(b);
    if (bias === undefined) {
      wasm._BatchMatMul(this.left.id, this.shapes, 3, bId, this.shapes + 12, 3, 0, 0, this.out.id);
    } else {
      wasm.__FusedMatMul(
        this.left.id,
        this.shapes,
        3,
        bId,
        this.shapes + 12,
        3,
        0,
        0,
        LINEAR_ACTIVATION,
        this.idOf(bias),
        0,
        0,
        this.out.id,
      );
    }
    const from = this.out.offset >>> 2;
    target.set(wasm.HEAPF32.subarray(from, from + rows * n));
  }

  /** Frees the scratch regions (they are allocated again on the next product). */
  release(): void {
    for (const region of [this.left, this.out]) if (region) this.free(region);
    this.left = null;
    this.out = null;
  }

  private idOf(tensor: tf.Tensor): number {
    if (tensor.dtype !== 'float32') throw new TypeError(`expected a float32 tensor, got ${tensor.dtype}`);
    const data = this.backend.dataIdMap.get(tensor.dataId);
    if (data === undefined) throw new Error('the tensor does not live on the active wasm backend (or was disposed)');
    return data.id;
  }

  private ensure(region: HeapRegion | null, values: number): HeapRegion {
    if (region !== null && region.capacity >= values) return region;
    if (region !== null) this.free(region);
    const capacity = Math.max(values, 2 * (region?.capacity ?? 0));
    const { wasm } = this.backend;
    const id = this.backend.dataIdNextNumber++;
    const offset = wasm._malloc(capacity * 4) >>> 0;
    wasm.tfjs.registerTensor(id, capacity, offset);
    return { id, offset, capacity };
  }

  private free(region: HeapRegion): void {
    this.backend.wasm.tfjs.disposeData(region.id);
    this.backend.wasm._free(region.offset);
  }
}

// One per backend instance (each worker thread has its own backend and so its own scratch).
const byBackend = new WeakMap<object, DirectProducts | null>();

/** Direct products on the active backend, or null when it is not the wasm backend this was written for. */
export function directProducts(): DirectProducts | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend();
  let products = byBackend.get(backend);
  if (products === undefined) {
    products = isWasmBackend(backend) ? new DirectProducts(backend) : null;
    byBackend.set(backend, products);
  }
  return products;
}
