// Approximate squared distances from query points to every training point, less the query's squared norm:
// ||p||^2 - 2 q.p in float32, by a WebAssembly SIMD kernel. The bulk of LOF's neighbour search
// (./nearest-neighbours.ts re-checks the nearest few exactly in float64).
//
// The kernel is a small register-blocked matrix product: four queries times eight points per tile, eight
// f32x4 accumulators, four dimensions per loop turn. Its layouts, all float32 in one WebAssembly memory:
// - points in panels of 8: panel j holds points 8j..8j+7 dimension by dimension ([dimension][8]);
// - the points' squared norms, ||p||^2, in order;
// - queries in groups of 4: group g holds queries 4g..4g+3 dimension by dimension ([dimension][4]);
// - the results row by row: query r's with point i at out[r * stride + i], and the smallest of each
//   panel's eight at minima[r * panels + j], which lets the caller skip whole panels.
// Dimensions are padded with zeros to a multiple of 4 (`blocks` of 4); the lanes of padding points and
// queries hold whatever the caller left there and are ignored.

import { assembleModule, FunctionBuilder, ValueType, webAssembly, type WasmMemory, type WasmModule } from '../common/wasm-assembler';

export const POINTS_PER_PANEL = 8;
export const QUERIES_PER_GROUP = 4;

/**
 * keys(queries, groups, points, norms, panels, blocks, out, stride, minima): byte addresses, counts, and
 * the row stride of `out` in bytes.
 */
function keysKernel(): FunctionBuilder {
  const f = new FunctionBuilder(9);
  const [queries, groups, points, norms, panels, blocks, out, stride, minima] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [panel, group, block, query, point, row, norm, minimum] = Array.from({ length: 8 }, () => f.local(ValueType.i32));
  const splat = f.local(ValueType.v128);
  const low = f.local(ValueType.v128);
  const high = f.local(ValueType.v128);
  // accumulators[q]: query q of the group against points 0-3 and 4-7 of the panel.
  const accumulators = Array.from({ length: QUERIES_PER_GROUP }, () => [f.local(ValueType.v128), f.local(ValueType.v128)]);

  f.i32(0).set(panel);
  f.block().loop();
  f.get(panel).get(panels).i32GeU().brIf(1);
  f.i32(0).set(group);
  f.block().loop();
  f.get(group).get(groups).i32GeU().brIf(1);
  for (const pair of accumulators) for (const accumulator of pair) f.f32x4(0).set(accumulator);
  // query = queries + group * blocks * 64 bytes; point = points + panel * blocks * 128 bytes.
  f.get(queries).get(group).get(blocks).i32Mul().i32(6).i32Shl().i32Add().set(query);
  f.get(points).get(panel).get(blocks).i32Mul().i32(7).i32Shl().i32Add().set(point);
  f.i32(0).set(block);
  f.block().loop();
  f.get(block).get(blocks).i32GeU().brIf(1);
  for (let d = 0; d < 4; d++) {
    f.get(point)
      .v128Load(d * 32)
      .set(low);
    f.get(point)
      .v128Load(d * 32 + 16)
      .set(high);
    accumulators.forEach(([first, second], q) => {
      f.get(query)
        .v128Load32Splat(d * 16 + q * 4)
        .tee(splat)
        .get(low)
        .f32x4Mul()
        .get(first)
        .f32x4Add()
        .set(first);
      f.get(splat).get(high).f32x4Mul().get(second).f32x4Add().set(second);
    });
  }
  f.get(query).i32(64).i32Add().set(query);
  f.get(point).i32(128).i32Add().set(point);
  f.get(block).i32(1).i32Add().set(block).br(0);
  f.end().end();
  // row = out + group * 4 * stride + panel * 32 bytes, then one stride per query; ||p||^2 - 2 q.p there.
  f.get(out).get(group).i32(2).i32Shl().get(stride).i32Mul().i32Add().get(panel).i32(5).i32Shl().i32Add().set(row);
  f.get(norms).get(panel).i32(5).i32Shl().i32Add().set(norm);
  f.get(norm).v128Load(0).set(low);
  f.get(norm).v128Load(16).set(high);
  // minimum = minima + (group * 4 * panels + panel) * 4 bytes, then one row of panels per query.
  f.get(minima).get(group).i32(2).i32Shl().get(panels).i32Mul().get(panel).i32Add().i32(2).i32Shl().i32Add().set(minimum);
  for (const [first, second] of accumulators) {
    f.get(low).get(first).f32x4(2).f32x4Mul().f32x4Sub().set(first);
    f.get(high).get(second).f32x4(2).f32x4Mul().f32x4Sub().set(second);
    f.get(row).get(first).v128Store(0);
    f.get(row).get(second).v128Store(16);
    f.get(row).get(stride).i32Add().set(row);
    f.get(first).get(second).f32x4Min().set(first);
    f.get(minimum);
    f.get(first).f32x4ExtractLane(0).get(first).f32x4ExtractLane(1).f32Min();
    f.get(first).f32x4ExtractLane(2).get(first).f32x4ExtractLane(3).f32Min().f32Min();
    f.f32Store(0);
    f.get(minimum).get(panels).i32(2).i32Shl().i32Add().set(minimum);
  }
  f.get(group).i32(1).i32Add().set(group).br(0);
  f.end().end();
  f.get(panel).i32(1).i32Add().set(panel).br(0);
  f.end().end();
  return f;
}

let compiled: WasmModule | null | undefined;

function keysModule(): WasmModule | null {
  if (compiled === undefined) {
    const bytes = assembleModule([{ name: 'keys', parameterCount: 9, body: keysKernel() }]);
    compiled = webAssembly !== undefined && webAssembly.validate(bytes) ? new webAssembly.Module(bytes) : null;
  }
  return compiled;
}

export type KeysKernel = (
  queries: number,
  groups: number,
  points: number,
  norms: number,
  panels: number,
  blocks: number,
  out: number,
  stride: number,
  minima: number,
) => void;

/** The kernel bound to `memory`; throws where the runtime has no WebAssembly SIMD (Node.js has it from 16.4 on). */
export function instantiateKeys(memory: WasmMemory): KeysKernel {
  const module = keysModule();
  if (module === null || webAssembly === undefined) throw new Error('LOF needs WebAssembly SIMD, which this runtime lacks');
  return new webAssembly.Instance(module, { env: { memory } }).exports.keys as KeysKernel;
}
