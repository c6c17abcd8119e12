// Approximate squared distances from query points to every training point, less the query's squared norm:
// ||p||^2 - 2 q.p in float32, by a WebAssembly SIMD kernel. The bulk of LOF's neighbour search
// (./nearest-neighbours.ts re-checks the nearest few exactly in float64).
//
// The kernel is a small register-blocked matrix product: four queries times eight points per tile, eight
// f32x4 accumulators, one dimension per loop turn (with four per turn, V8's TurboFan loaded all sixteen
// query values at the top of the turn and spilled them and the accumulators to the stack, as
// `node --print-wasm-code` shows; with one, the accumulators, the two point vectors and the four query
// values stay in registers: 1.47x the keys per CPU-second, 1.27x for keysOne). Its layouts, all float32 in one WebAssembly memory:
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
/** Dimensions per loop turn of both kernels (see the header; 1, 2 or 4 work, 1 is the fastest here). */
const DIMENSIONS_PER_TURN = 1;

/**
 * Stores at `address` + `offset` the smallest of a panel's eight keys, lanes of `first` and `second`
 * (`first` is overwritten).
 */
function emitPanelMinimum(f: FunctionBuilder, first: number, second: number, address: number, offset: number): void {
  f.get(first).get(second).f32x4Min().set(first);
  f.get(address);
  f.get(first).f32x4ExtractLane(0).get(first).f32x4ExtractLane(1).f32Min();
  f.get(first).f32x4ExtractLane(2).get(first).f32x4ExtractLane(3).f32Min().f32Min();
  f.f32Store(offset);
}

/**
 * keys(queries, groups, points, norms, panels, blocks, out, stride, minima): byte addresses, counts, and
 * the row stride of `out` in bytes.
 */
function keysKernel(): FunctionBuilder {
  const f = new FunctionBuilder(9);
  const [queries, groups, points, norms, panels, blocks, out, stride, minima] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [panel, group, turn, turns, query, point, row, norm, minimum] = Array.from({ length: 9 }, () => f.local(ValueType.i32));
  const splat = f.local(ValueType.v128);
  const low = f.local(ValueType.v128);
  const high = f.local(ValueType.v128);
  // accumulators[q]: query q of the group against points 0-3 and 4-7 of the panel.
  const accumulators = Array.from({ length: QUERIES_PER_GROUP }, () => [f.local(ValueType.v128), f.local(ValueType.v128)]);

  f.get(blocks)
    .i32(2 - Math.log2(DIMENSIONS_PER_TURN))
    .i32Shl()
    .set(turns);
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
  f.i32(0).set(turn);
  f.block().loop();
  f.get(turn).get(turns).i32GeU().brIf(1);
  for (let d = 0; d < DIMENSIONS_PER_TURN; d++) {
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
  f.get(query)
    .i32(16 * DIMENSIONS_PER_TURN)
    .i32Add()
    .set(query);
  f.get(point)
    .i32(32 * DIMENSIONS_PER_TURN)
    .i32Add()
    .set(point);
  f.get(turn).i32(1).i32Add().set(turn).br(0);
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
    emitPanelMinimum(f, first, second, minimum, 0);
    f.get(minimum).get(panels).i32(2).i32Shl().i32Add().set(minimum);
  }
  f.get(group).i32(1).i32Add().set(group).br(0);
  f.end().end();
  f.get(panel).i32(1).i32Add().set(panel).br(0);
  f.end().end();
  return f;
}

/**
 * keysOne(query, points, norms, panels, blocks, out, minima): the same keys for one query (lane 0 of a
 * group at `query`), bit for bit, without computing three idle query lanes. Two panels per loop turn, so
 * that four accumulator chains rather than two hide the additions' latency; one dimension per turn.
 */
function oneQueryKernel(): FunctionBuilder {
  const f = new FunctionBuilder(7);
  const [queries, points, norms, panels, blocks, out, minima] = [0, 1, 2, 3, 4, 5, 6];
  const [panel, turn, turns, query, row, norm, minimum] = Array.from({ length: 7 }, () => f.local(ValueType.i32));
  const pointers = [f.local(ValueType.i32), f.local(ValueType.i32)];
  const splat = f.local(ValueType.v128);
  const accumulators = pointers.map(() => [f.local(ValueType.v128), f.local(ValueType.v128)]);

  /** Keys of panels panel .. panel + count - 1, as keysKernel computes them for one query. */
  const emitPanels = (count: number) => {
    for (let j = 0; j < count; j++) for (const accumulator of accumulators[j]) f.f32x4(0).set(accumulator);
    f.get(queries).set(query);
    f.get(points).get(panel).get(blocks).i32Mul().i32(7).i32Shl().i32Add().set(pointers[0]);
    if (count === 2) f.get(pointers[0]).get(blocks).i32(7).i32Shl().i32Add().set(pointers[1]);
    f.i32(0).set(turn);
    f.block().loop();
    f.get(turn).get(turns).i32GeU().brIf(1);
    for (let d = 0; d < DIMENSIONS_PER_TURN; d++) {
      f.get(query)
        .v128Load32Splat(d * 16)
        .set(splat);
      for (let j = 0; j < count; j++) {
        const [first, second] = accumulators[j];
        f.get(splat)
          .get(pointers[j])
          .v128Load(d * 32)
          .f32x4Mul()
          .get(first)
          .f32x4Add()
          .set(first);
        f.get(splat)
          .get(pointers[j])
          .v128Load(d * 32 + 16)
          .f32x4Mul()
          .get(second)
          .f32x4Add()
          .set(second);
      }
    }
    f.get(query)
      .i32(16 * DIMENSIONS_PER_TURN)
      .i32Add()
      .set(query);
    for (let j = 0; j < count; j++)
      f.get(pointers[j])
        .i32(32 * DIMENSIONS_PER_TURN)
        .i32Add()
        .set(pointers[j]);
    f.get(turn).i32(1).i32Add().set(turn).br(0);
    f.end().end();
    f.get(out).get(panel).i32(5).i32Shl().i32Add().set(row);
    f.get(norms).get(panel).i32(5).i32Shl().i32Add().set(norm);
    f.get(minima).get(panel).i32(2).i32Shl().i32Add().set(minimum);
    for (let j = 0; j < count; j++) {
      const [first, second] = accumulators[j];
      f.get(norm)
        .v128Load(j * 32)
        .get(first)
        .f32x4(2)
        .f32x4Mul()
        .f32x4Sub()
        .set(first);
      f.get(norm)
        .v128Load(j * 32 + 16)
        .get(second)
        .f32x4(2)
        .f32x4Mul()
        .f32x4Sub()
        .set(second);
      f.get(row)
        .get(first)
        .v128Store(j * 32);
      f.get(row)
        .get(second)
        .v128Store(j * 32 + 16);
      emitPanelMinimum(f, first, second, minimum, j * 4);
    }
  };

  f.get(blocks)
    .i32(2 - Math.log2(DIMENSIONS_PER_TURN))
    .i32Shl()
    .set(turns);
  f.i32(0).set(panel);
  f.block().loop();
  f.get(panel).i32(1).i32Add().get(panels).i32GeU().brIf(1);
  emitPanels(2);
  f.get(panel).i32(2).i32Add().set(panel).br(0);
  f.end().end();
  f.block();
  f.get(panel).get(panels).i32GeU().brIf(0);
  emitPanels(1);
  f.end();
  return f;
}

let compiled: WasmModule | null | undefined;

function keysModule(): WasmModule | null {
  if (compiled === undefined) {
    const bytes = assembleModule([
      { name: 'keys', parameterCount: 9, body: keysKernel() },
      { name: 'keysOne', parameterCount: 7, body: oneQueryKernel() },
    ]);
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

export type OneQueryKeysKernel = (
  query: number,
  points: number,
  norms: number,
  panels: number,
  blocks: number,
  out: number,
  minima: number,
) => void;

/** The kernels bound to `memory`; throws where the runtime has no WebAssembly SIMD (Node.js has it from 16.4 on). */
export function instantiateKeys(memory: WasmMemory): { keys: KeysKernel; keysOne: OneQueryKeysKernel } {
  const module = keysModule();
  if (module === null || webAssembly === undefined) throw new Error('LOF needs WebAssembly SIMD, which this runtime lacks');
  const { exports } = new webAssembly.Instance(module, { env: { memory } });
  return { keys: exports.keys as KeysKernel, keysOne: exports.keysOne as OneQueryKeysKernel };
}
