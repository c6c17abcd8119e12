// Fixes for two slow paths of @tensorflow/tfjs-backend-wasm 4.22, installed by re-registering the kernels
// with wrappers (the registry is looked up on every op, so this takes effect immediately and needs no
// patching of the package).
//
// 1. BatchMatMul / _FusedMatMul with transposeA or transposeB: the C++ kernel only hands untransposed
//    products to XNNPACK and sends transposed ones to a scalar triple loop (about 10x slower). We
//    materialise the transpose with the wasm Transpose kernel (XNNPACK, one pass over the operand) and run
//    the untransposed product. Autodiff of every matMul produces such products, and so do the weight
//    gradients of the fused LSTM passes.
// 2. Slice, SplitV and Unpack: the wasm Slice kernel calls backend.readSync(x), which copies the whole
//    input out of the wasm heap for every slice, so unstacking T time steps costs T full copies
//    (tf.layers' LSTM unstacks its input and splits its gates this way at every step). We read the heap
//    in place and copy only the slice. SplitV and Unpack call the module-internal slice function, not the
//    registry, so they are re-registered too.

import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type HeapArray = Float32Array | Int32Array | Uint8Array;

/** The parts of the wasm backend (BackendWasm) the in-place slice needs. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HeapArray;
  disposeData(dataId: tf.DataId): boolean;
}

const WASM = 'wasm';

export const WASM_KERNEL_FIXES = ['transposed-matmul', 'in-place-slice'] as const;
export type WasmKernelFix = (typeof WASM_KERNEL_FIXES)[number];

const installed = new Set<WasmKernelFix>();

/** Installs the fixes once per process (each worker thread has its own registry). Returns their names. */
export function installWasmKernelFixes(): WasmKernelFix[] {
  if (!installed.has('transposed-matmul')) {
    wrapKernel(tf.BatchMatMul, materialiseTransposes);
    wrapKernel(tf._FusedMatMul, materialiseTransposes);
    installed.add('transposed-matmul');
  }
  if (!installed.has('in-place-slice')) {
    replaceKernel(tf.Slice, (args) => sliceInPlace(args.inputs.x as tf.TensorInfo, args.attrs as unknown as SliceAttrs, heapBackend(args)));
    replaceKernel(tf.SplitV, splitVInPlace);
    replaceKernel(tf.Unpack, unpackInPlace);
    installed.add('in-place-slice');
  }
  return [...installed];
}

export function installedWasmKernelFixes(): WasmKernelFix[] {
  return [...installed];
}

function registeredWasmKernel(kernelName: string): tf.KernelConfig {
  const kernel = tf.getKernel(kernelName, WASM);
  if (kernel === undefined) {
    throw new Error(`the wasm backend has no ${kernelName} kernel to fix: is @tensorflow/tfjs-backend-wasm loaded?`);
  }
  return kernel;
}

/** Re-registers a kernel so that `wrapper(original, args)` runs instead; keeps its setup and dispose hooks. */
function wrapKernel(kernelName: string, wrapper: (original: tf.KernelFunc, args: KernelArgs) => ReturnType<tf.KernelFunc>): void {
  const original = registeredWasmKernel(kernelName);
  tf.unregisterKernel(kernelName, WASM);
  tf.registerKernel({ ...original, kernelFunc: (args) => wrapper(original.kernelFunc, args) });
}

function replaceKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  wrapKernel(kernelName, (original, args) => {
    // Strings live outside the heap: keep the original behaviour for them.
    const input = (args.inputs.x ?? args.inputs.value) as tf.TensorInfo;
    return input.dtype === 'string' ? original(args) : kernelFunc(args);
  });
}

function heapBackend(args: KernelArgs): WasmHeapBackend {
  return args.backend as unknown as WasmHeapBackend;
}

// ---------------------------------------------------------------- transposed products

function materialiseTransposes(original: tf.KernelFunc, args: KernelArgs): ReturnType<tf.KernelFunc> {
  const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
  if (!transposeA && !transposeB) return original(args);
  const transposeKernel = registeredWasmKernel(tf.Transpose).kernelFunc;
  const backend = heapBackend(args);
  const temporaries: tf.TensorInfo[] = [];
  const swapLastTwoAxes = (x: tf.TensorInfo): tf.TensorInfo => {
    const perm = x.shape.map((_, axis) => axis);
    const rank = perm.length;
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    const transposed = transposeKernel({ inputs: { x }, backend: args.backend, attrs: { perm } }) as tf.TensorInfo;
    temporaries.push(transposed);
    return transposed;
  };
  try {
    const a = transposeA ? swapLastTwoAxes(args.inputs.a as tf.TensorInfo) : args.inputs.a;
    const b = transposeB ? swapLastTwoAxes(args.inputs.b as tf.TensorInfo) : args.inputs.b;
    return original({
      inputs: { ...args.inputs, a, b },
      backend: args.backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    });
  } finally {
    for (const temporary of temporaries) backend.disposeData(temporary.dataId);
  }
}

// ---------------------------------------------------------------- in-place slicing

interface SliceAttrs {
  begin: number | number[];
  size?: number | number[];
}

/** Copies x[begin : begin + size] (any rank) into a new heap tensor, reading x where it lies. */
export function sliceInPlace(x: tf.TensorInfo, attrs: SliceAttrs, backend: WasmHeapBackend): tf.TensorInfo {
  const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
  const out = backend.makeOutput(size, x.dtype);
  const count = size.reduce((product, dimension) => product * dimension, 1);
  if (count === 0) return out;
  // Views only after makeOutput: an allocation may grow (and so replace) the heap's ArrayBuffer.
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  copyStridedBlock(source, x.shape, begin, size, target);
  return out;
}

/** Copies the block [begin, begin + size) of a row-major array of `shape` into the contiguous `target`. */
export function copyStridedBlock(source: HeapArray, shape: number[], begin: number[], size: number[], target: HeapArray): void {
  const rank = shape.length;
  if (rank === 0) {
    target[0] = source[0];
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) strides[axis] = strides[axis + 1] * shape[axis + 1];
  const run = size[rank - 1];
  const index = new Array<number>(rank - 1).fill(0); // odometer over the outer axes of the block
  let written = 0;
  const total = size.reduce((product, dimension) => product * dimension, 1);
  while (written < total) {
    let offset = begin[rank - 1];
    for (let axis = 0; axis < rank - 1; axis++) offset += (begin[axis] + index[axis]) * strides[axis];
    (target as Float32Array).set((source as Float32Array).subarray(offset, offset + run), written);
    written += run;
    for (let axis = rank - 2; axis >= 0; axis--) {
      if (++index[axis] < size[axis]) break;
      index[axis] = 0;
    }
  }
}

function splitVInPlace(args: KernelArgs): tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
  const splitAxis = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, splitAxis);
  const begin = new Array<number>(x.shape.length).fill(0);
  const size = x.shape.slice();
  return sizes.map((splitSize) => {
    size[splitAxis] = splitSize;
    const part = sliceInPlace(x, { begin: begin.slice(), size: size.slice() }, heapBackend(args));
    begin[splitAxis] += splitSize;
    return part;
  });
}

function unpackInPlace(args: KernelArgs): tf.TensorInfo[] {
  const value = args.inputs.value as tf.TensorInfo;
  let { axis } = args.attrs as { axis: number };
  if (axis < 0) axis += value.shape.length;
  const outShape = value.shape.filter((_, dimension) => dimension !== axis);
  const begin = new Array<number>(value.shape.length).fill(0);
  const size = value.shape.slice();
  size[axis] = 1;
  const outputs: tf.TensorInfo[] = [];
  for (let i = 0; i < value.shape[axis]; i++) {
    begin[axis] = i;
    const part = sliceInPlace(value, { begin: begin.slice(), size }, heapBackend(args));
    outputs.push({ dataId: part.dataId, dtype: part.dtype, shape: outShape });
  }
  return outputs;
}
