// PCA's two products, basis times centred windows and transposed basis times coordinates, for eight
// windows at once in float64 by a WebAssembly SIMD kernel: each matrix value is loaded once, splat, and
// multiplied into four f64x2 accumulators (the eight windows' lanes). Each lane's sum is the same float64
// operations in the same order as a plain loop (a product, then an addition, term by term), so the
// scores are those of the JavaScript loops this replaces, bit for bit.
//
// product(matrix, input, output, rows, inner): output[i][l] = sum over k of matrix[i][k] * input[k][l]
// for l < 8, all byte addresses into one memory of float64 values; matrix row-major [rows][inner], input
// [inner][8], output [rows][8].
import { assembleModule, createFixedMemory, FunctionBuilder, ValueType, webAssembly, type WasmModule } from '../common/wasm-assembler';

export const LANES = 8;

function productKernel(): FunctionBuilder {
  const f = new FunctionBuilder(5);
  const [matrix, input, output, rows, inner] = [0, 1, 2, 3, 4];
  const [row, k, value, lanes] = Array.from({ length: 4 }, () => f.local(ValueType.i32));
  const splat = f.local(ValueType.v128);
  const accumulators = Array.from({ length: LANES / 2 }, () => f.local(ValueType.v128));

  f.i32(0).set(row);
  f.get(matrix).set(value);
  f.block().loop();
  f.get(row).get(rows).i32GeU().brIf(1);
  for (const accumulator of accumulators) f.f32x4(0).set(accumulator);
  f.get(input).set(lanes);
  f.i32(0).set(k);
  f.block().loop();
  f.get(k).get(inner).i32GeU().brIf(1);
  f.get(value).v128Load64Splat().set(splat);
  accumulators.forEach((accumulator, pair) => {
    f.get(accumulator)
      .get(splat)
      .get(lanes)
      .v128Load(pair * 16)
      .f64x2Mul()
      .f64x2Add()
      .set(accumulator);
  });
  f.get(value).i32(8).i32Add().set(value);
  f.get(lanes)
    .i32(LANES * 8)
    .i32Add()
    .set(lanes);
  f.get(k).i32(1).i32Add().set(k).br(0);
  f.end().end();
  accumulators.forEach((accumulator, pair) => {
    f.get(output)
      .get(accumulator)
      .v128Store(pair * 16);
  });
  f.get(output)
    .i32(LANES * 8)
    .i32Add()
    .set(output);
  f.get(row).i32(1).i32Add().set(row).br(0);
  f.end().end();
  return f;
}

let compiled: WasmModule | null | undefined;

function productModule(): WasmModule | null {
  if (compiled === undefined) {
    const bytes = assembleModule([{ name: 'product', parameterCount: 5, body: productKernel() }]);
    compiled = webAssembly !== undefined && webAssembly.validate(bytes) ? new webAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** A basis and its work buffers in one WebAssembly memory, lane-interleaved: value d of lane l at d * LANES + l. */
export interface LaneProducts {
  /** [dimensions, LANES] the centred windows, written by the caller. */
  centred: Float64Array;
  /** [dimensions, LANES] the transposed basis times the coordinates, after `run`. */
  reconstruction: Float64Array;
  /** coordinates = basis centred, then reconstruction = basis^T coordinates. */
  run(): void;
}

/** `basis`: [rows, dimensions], one axis per row. Throws where the runtime has no WebAssembly SIMD. */
export function laneProducts(basis: Float64Array, rows: number, dimensions: number): LaneProducts {
  const module = productModule();
  if (module === null || webAssembly === undefined) throw new Error('PCA scoring needs WebAssembly SIMD, which this runtime lacks');
  const basisBytes = rows * dimensions * 8;
  const transposedAt = basisBytes;
  const centredAt = transposedAt + basisBytes;
  const coordinatesAt = centredAt + dimensions * LANES * 8;
  const reconstructionAt = coordinatesAt + rows * LANES * 8;
  const memory = createFixedMemory(Math.max(1, Math.ceil((reconstructionAt + dimensions * LANES * 8) / 65536)));
  new Float64Array(memory.buffer, 0, rows * dimensions).set(basis);
  const transposed = new Float64Array(memory.buffer, transposedAt, rows * dimensions);
  for (let j = 0; j < rows; j++) for (let d = 0; d < dimensions; d++) transposed[d * rows + j] = basis[j * dimensions + d];
  const product = new webAssembly.Instance(module, { env: { memory } }).exports.product as (
    matrix: number,
    input: number,
    output: number,
    rows: number,
    inner: number,
  ) => void;
  return {
    centred: new Float64Array(memory.buffer, centredAt, dimensions * LANES),
    reconstruction: new Float64Array(memory.buffer, reconstructionAt, dimensions * LANES),
    run() {
      product(0, centredAt, coordinatesAt, rows, dimensions);
      product(transposedAt, coordinatesAt, reconstructionAt, dimensions, rows);
    },
  };
}
