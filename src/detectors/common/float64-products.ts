// Matrix products out = M X in float64 by a WebAssembly SIMD kernel (f64x2), for PCA: its scoring's
// reconstructions (pca-reconstruction/pca-model.ts) and the covariance matrix of its fit
// (./principal-axes.ts). Each output value is summed as the plain loop sums it, s = 0, then
// s += m[step] * x[step] for step = 0, 1, ... in order, each product and sum rounded once (WebAssembly
// never fuses them): the results are bit for bit those of scalar JavaScript.
//
// A tile is four rows of M against a group of four columns of X: eight f64x2 accumulators, one step per
// loop turn. Layouts, all float64 in one WebAssembly memory:
// - M in tiles of 4 rows: tile t holds rows 4t..4t+3 step by step ([step][4]); rows past M's end are zeros;
// - X in groups of 4 columns: group g holds columns 4g..4g+3 step by step ([step][4]), one group every
//   `inputStride` bytes (the layout of a tiled M^T: a product M M^T can pass the same memory twice);
// - out likewise, [row][4] per group (tiles x 4 rows), one group every `outputStride` bytes.

import { assembleModule, FunctionBuilder, ValueType, webAssembly, type WasmMemory, type WasmModule } from './wasm-assembler';

export const ROWS_PER_TILE = 4;
export const COLUMNS_PER_GROUP = 4;

/**
 * product(matrix, tiles, steps, input, groups, inputStride, output, outputStride): byte addresses, counts,
 * and the strides between groups in bytes.
 */
function productKernel(): FunctionBuilder {
  const f = new FunctionBuilder(8);
  const [matrix, tiles, steps, input, groups, inputStride, output, outputStride] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [group, tile, step, row, values, result] = Array.from({ length: 6 }, () => f.local(ValueType.i32));
  const splat = f.local(ValueType.v128);
  const low = f.local(ValueType.v128);
  const high = f.local(ValueType.v128);
  // accumulators[r]: row r of the tile against columns 0-1 and 2-3 of the group.
  const accumulators = Array.from({ length: ROWS_PER_TILE }, () => [f.local(ValueType.v128), f.local(ValueType.v128)]);

  f.i32(0).set(group);
  f.block().loop();
  f.get(group).get(groups).i32GeU().brIf(1);
  f.i32(0).set(tile);
  f.block().loop();
  f.get(tile).get(tiles).i32GeU().brIf(1);
  for (const pair of accumulators) for (const accumulator of pair) f.f64x2(0).set(accumulator);
  // row = matrix + tile * steps * 32 bytes; values = input + group * inputStride.
  f.get(matrix).get(tile).get(steps).i32Mul().i32(5).i32Shl().i32Add().set(row);
  f.get(input).get(group).get(inputStride).i32Mul().i32Add().set(values);
  f.i32(0).set(step);
  f.block().loop();
  f.get(step).get(steps).i32GeU().brIf(1);
  f.get(values).v128Load(0).set(low);
  f.get(values).v128Load(16).set(high);
  accumulators.forEach(([first, second], r) => {
    f.get(row)
      .v128Load64Splat(r * 8)
      .tee(splat)
      .get(low)
      .f64x2Mul()
      .get(first)
      .f64x2Add()
      .set(first);
    f.get(splat).get(high).f64x2Mul().get(second).f64x2Add().set(second);
  });
  f.get(row).i32(32).i32Add().set(row);
  f.get(values).i32(32).i32Add().set(values);
  f.get(step).i32(1).i32Add().set(step).br(0);
  f.end().end();
  // result = output + group * outputStride + tile * 4 rows * 32 bytes.
  f.get(output).get(group).get(outputStride).i32Mul().i32Add().get(tile).i32(7).i32Shl().i32Add().set(result);
  accumulators.forEach(([first, second], r) => {
    f.get(result)
      .get(first)
      .v128Store(r * 32);
    f.get(result)
      .get(second)
      .v128Store(r * 32 + 16);
  });
  f.get(tile).i32(1).i32Add().set(tile).br(0);
  f.end().end();
  f.get(group).i32(1).i32Add().set(group).br(0);
  f.end().end();
  return f;
}

/** [tiles of 4 rows][columns][4] the rows x columns matrix `values` (row-major), rows past its end zeros. */
export function tiled(values: Float64Array, rows: number, columns: number, out: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const tile = Math.floor(i / ROWS_PER_TILE) * columns * ROWS_PER_TILE;
    for (let j = 0; j < columns; j++) out[tile + j * ROWS_PER_TILE + (i % ROWS_PER_TILE)] = values[i * columns + j];
  }
}

let compiled: WasmModule | null | undefined;

function productModule(): WasmModule | null {
  if (compiled === undefined) {
    const bytes = assembleModule([{ name: 'product', parameterCount: 8, body: productKernel() }]);
    compiled = webAssembly !== undefined && webAssembly.validate(bytes) ? new webAssembly.Module(bytes) : null;
  }
  return compiled;
}

export type ProductKernel = (
  matrix: number,
  tiles: number,
  steps: number,
  input: number,
  groups: number,
  inputStride: number,
  output: number,
  outputStride: number,
) => void;

/** The kernel bound to `memory`; throws where the runtime has no WebAssembly SIMD (Node.js has it from 16.4 on). */
export function instantiateProduct(memory: WasmMemory): ProductKernel {
  const module = productModule();
  if (module === null || webAssembly === undefined) throw new Error('PCA needs WebAssembly SIMD, which this runtime lacks');
  return new webAssembly.Instance(module, { env: { memory } }).exports.product as ProductKernel;
}
