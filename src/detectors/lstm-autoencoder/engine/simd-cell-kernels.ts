// The LSTM-cell step (./lstm-cell.ts) as WebAssembly SIMD kernels: four hidden units per instruction,
// evaluated in float32 like every other op of the network. On the reference shapes the element-wise gate
// math was about a third of the training time in plain JavaScript (scalar float64, one division per
// activation); here it runs several times faster. The kernels work in place on the workspace's buffers,
// which therefore live in the kernels' WebAssembly memory (see ./cell-kernels.ts).
//
// Activations: tanh by the same rational approximation as fastTanh (Eigen's float tanh), sigmoid(x) =
// (1 + tanh(x / 2)) / 2. Compiled per H (a multiple of 4, the lane count; other sizes use the JS
// kernels), with H baked in as immediate offsets.

import { assembleModule, FunctionBuilder, ValueType, webAssembly, type WasmMemory, type WasmModule } from '../../common/wasm-assembler';

const TANH_CLAMP = 7.905311107635498;
const TANH_NUMERATOR = [
  -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8, 1.48572235717979e-5, 6.37261928875436e-4,
  4.89352455891786e-3,
];
const TANH_DENOMINATOR = [1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3];

/** Replaces the f32x4 on the stack by its tanh (uses two v128 scratch locals). */
function emitTanh(f: FunctionBuilder, x: number, x2: number): void {
  f.f32x4(TANH_CLAMP).f32x4Min().f32x4(-TANH_CLAMP).f32x4Max().tee(x);
  f.get(x).f32x4Mul().set(x2);
  f.f32x4(TANH_NUMERATOR[0]);
  for (const coefficient of TANH_NUMERATOR.slice(1)) f.get(x2).f32x4Mul().f32x4(coefficient).f32x4Add();
  f.get(x).f32x4Mul();
  f.f32x4(TANH_DENOMINATOR[0]);
  for (const coefficient of TANH_DENOMINATOR.slice(1)) f.get(x2).f32x4Mul().f32x4(coefficient).f32x4Add();
  f.f32x4Div();
}

function emitSigmoid(f: FunctionBuilder, x: number, x2: number): void {
  f.f32x4(0.5).f32x4Mul();
  emitTanh(f, x, x2);
  f.f32x4(0.5).f32x4Mul().f32x4(0.5).f32x4Add();
}

/** 1 - v * v of the v128 local v, on the stack. */
function emitOneMinusSquare(f: FunctionBuilder, v: number): void {
  f.f32x4(1).get(v).get(v).f32x4Mul().f32x4Sub();
}

/** v * (1 - v) of the v128 local v, on the stack. */
function emitLogisticSlope(f: FunctionBuilder, v: number): void {
  f.get(v).f32x4(1).get(v).f32x4Sub().f32x4Mul();
}

/**
 * Emits `for (n = 0; n < rows; n++) { for (jb = 0; jb < Hb; jb += 16) body(); endOfRow(); }`, jb being
 * the byte offset of four hidden units within an H-wide row.
 */
function emitRowColumnLoops(
  f: FunctionBuilder,
  rows: number,
  n: number,
  jb: number,
  Hb: number,
  body: () => void,
  endOfRow: () => void,
): void {
  f.i32(0).set(n);
  f.block().loop();
  f.get(n).get(rows).i32GeU().brIf(1);
  f.i32(0).set(jb);
  f.block().loop();
  f.get(jb).i32(Hb).i32GeU().brIf(1);
  body();
  f.get(jb).i32(16).i32Add().set(jb).br(0);
  f.end().end();
  endOfRow();
  f.get(n).i32(1).i32Add().set(n).br(0);
  f.end().end();
}

/** pointer += bytes, for each pointer local. */
function emitAdvance(f: FunctionBuilder, pointers: number[], bytes: number): void {
  for (const pointer of pointers) f.get(pointer).i32(bytes).i32Add().set(pointer);
}

/** flag = (pointer != 0): absent arrays are passed as address 0. */
function emitPresent(f: FunctionBuilder, pointer: number, flag: number): void {
  f.get(pointer).i32Eqz().i32Eqz().set(flag);
}

/**
 * forward(rows, pre, recurrent, gates, cellPrev, cell, cellTanh, hidden) for a fixed H: byte addresses;
 * recurrent and cellPrev may be 0 (absent). Same semantics as lstmStepForward. The pointers walk the rows
 * and the gate blocks are immediate offsets (q * 4H bytes), so the inner loop does almost no address
 * arithmetic.
 */
function forwardKernel(H: number): FunctionBuilder {
  const Hb = 4 * H;
  const f = new FunctionBuilder(8);
  const [rows, pre, recurrent, gates, cellPrev, cell, cellTanh, hidden] = [0, 1, 2, 3, 4, 5, 6, 7];
  const n = f.local(ValueType.i32);
  const jb = f.local(ValueType.i32);
  const hasRecurrent = f.local(ValueType.i32);
  const hasCellPrev = f.local(ValueType.i32);
  const [zi, zf, zg, zo, c, x, x2] = Array.from({ length: 7 }, () => f.local(ValueType.v128));
  const gateValues = [zi, zf, zg, zo];

  emitPresent(f, recurrent, hasRecurrent);
  emitPresent(f, cellPrev, hasCellPrev);
  emitRowColumnLoops(
    f,
    rows,
    n,
    jb,
    Hb,
    () => {
      gateValues.forEach((z, q) =>
        f
          .get(pre)
          .v128Load(q * Hb)
          .set(z),
      );
      f.get(hasRecurrent).if();
      gateValues.forEach((z, q) =>
        f
          .get(z)
          .get(recurrent)
          .v128Load(q * Hb)
          .f32x4Add()
          .set(z),
      );
      f.end();
      for (const [z, activation] of [
        [zi, emitSigmoid],
        [zf, emitSigmoid],
        [zg, emitTanh],
        [zo, emitSigmoid],
      ] as const) {
        f.get(z);
        activation(f, x, x2);
        f.set(z);
      }
      gateValues.forEach((z, q) =>
        f
          .get(gates)
          .get(z)
          .v128Store(q * Hb),
      );
      // c = f * c_prev + i * g; h = o * tanh(c).
      f.get(zi).get(zg).f32x4Mul().set(c);
      f.get(hasCellPrev).if();
      f.get(c).get(zf).get(cellPrev).v128Load().f32x4Mul().f32x4Add().set(c);
      f.end();
      f.get(cell).get(c).v128Store();
      f.get(c);
      emitTanh(f, x, x2);
      f.set(c); // now tanh(c)
      f.get(cellTanh).get(c).v128Store();
      f.get(hidden).get(zo).get(c).f32x4Mul().v128Store();
      emitAdvance(f, [pre, recurrent, gates, cellPrev, cell, cellTanh, hidden], 16);
    },
    () => emitAdvance(f, [pre, recurrent, gates], 3 * Hb), // skip the row's other three gate blocks
  );
  return f;
}

/**
 * backward(rows, hiddenGrad, recurrentGrad, cellGrad, gates, cellPrev, cellTanh, gateGrad, gateGradT,
 * column, stride, gateGradSum, stepBiasGrad) for a fixed H: byte addresses except column and stride
 * (elements); hiddenGrad, recurrentGrad, cellPrev and gateGradSum may be 0 (absent). Same semantics as
 * lstmStepBackward, except that the step's bias gradient is added to the float32 [4H] stepBiasGrad.
 */
function backwardKernel(H: number): FunctionBuilder {
  const Hb = 4 * H;
  const f = new FunctionBuilder(13);
  const [rows, hiddenGrad, recurrentGrad, cellGrad, gates, cellPrev, cellTanh, gateGrad, gateGradT, column, stride, gateGradSum, stepBias] =
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const n = f.local(ValueType.i32);
  const jb = f.local(ValueType.i32);
  const [hasHidden, hasRecurrent, hasCellPrev, hasSum] = Array.from({ length: 4 }, () => f.local(ValueType.i32));
  const lane = [0, 1, 2, 3].map(() => f.local(ValueType.i32)); // byte offsets of lanes 1-3 (index 0 unused)
  const gateStep = [0, 1, 2, 3].map(() => f.local(ValueType.i32)); // byte offsets of gates 1-3 in gateGradT
  const rowT = f.local(ValueType.i32);
  const at = f.local(ValueType.i32);
  const [dh, i, fg, g, o, tc, dc, dzi, dzf, dzg, dzo] = Array.from({ length: 11 }, () => f.local(ValueType.v128));
  const gateValues = [i, fg, g, o];
  const gradValues = [dzi, dzf, dzg, dzo];

  emitPresent(f, hiddenGrad, hasHidden);
  emitPresent(f, recurrentGrad, hasRecurrent);
  emitPresent(f, cellPrev, hasCellPrev);
  emitPresent(f, gateGradSum, hasSum);
  for (let l = 1; l < 4; l++)
    f.get(stride)
      .i32(4 * l)
      .i32Mul()
      .set(lane[l]);
  for (let q = 1; q < 4; q++)
    f.get(stride)
      .i32(q * Hb)
      .i32Mul()
      .set(gateStep[q]);
  // &gateGradT[0][column]; row n adds 4 n bytes.
  f.get(gateGradT).get(column).i32(2).i32Shl().i32Add().set(rowT);
  emitRowColumnLoops(
    f,
    rows,
    n,
    jb,
    Hb,
    () => {
      // dh = outside gradient + recurrent gradient.
      f.f32x4(0).set(dh);
      for (const [present, source] of [
        [hasHidden, hiddenGrad],
        [hasRecurrent, recurrentGrad],
      ]) {
        f.get(present).if();
        f.get(dh).get(source).v128Load().f32x4Add().set(dh);
        f.end();
      }
      gateValues.forEach((v, q) =>
        f
          .get(gates)
          .v128Load(q * Hb)
          .set(v),
      );
      f.get(cellTanh).v128Load().set(tc);
      // dc = dh * o * (1 - tc^2) + dc_next
      f.get(dh).get(o).f32x4Mul();
      emitOneMinusSquare(f, tc);
      f.f32x4Mul().get(cellGrad).v128Load().f32x4Add().set(dc);
      // dzi = dc * g * i(1 - i)
      f.get(dc).get(g).f32x4Mul();
      emitLogisticSlope(f, i);
      f.f32x4Mul().set(dzi);
      // dzf = dc * c_prev * f(1 - f)
      f.f32x4(0).set(dzf);
      f.get(hasCellPrev).if();
      f.get(dc).get(cellPrev).v128Load().f32x4Mul();
      emitLogisticSlope(f, fg);
      f.f32x4Mul().set(dzf);
      f.end();
      // dzg = dc * i * (1 - g^2)
      f.get(dc).get(i).f32x4Mul();
      emitOneMinusSquare(f, g);
      f.f32x4Mul().set(dzg);
      // dzo = dh * tc * o(1 - o)
      f.get(dh).get(tc).f32x4Mul();
      emitLogisticSlope(f, o);
      f.f32x4Mul().set(dzo);
      // dc_prev = dc * f
      f.get(cellGrad).get(dc).get(fg).f32x4Mul().v128Store();
      // Row-major step gradient, running sums, bias sums.
      gradValues.forEach((v, q) =>
        f
          .get(gateGrad)
          .get(v)
          .v128Store(q * Hb),
      );
      f.get(hasSum).if();
      gradValues.forEach((v, q) =>
        f
          .get(gateGradSum)
          .get(gateGradSum)
          .v128Load(q * Hb)
          .get(v)
          .f32x4Add()
          .v128Store(q * Hb),
      );
      f.end();
      f.get(stepBias).get(jb).i32Add().set(at);
      gradValues.forEach((v, q) =>
        f
          .get(at)
          .get(at)
          .v128Load(q * Hb)
          .get(v)
          .f32x4Add()
          .v128Store(q * Hb),
      );
      // Transposed copy: gateGradT[q H + j + l][column + n] at rowT + 4 n + (4 j) stride + q gateStep + l lane.
      gradValues.forEach((v, q) => {
        f.get(rowT).get(n).i32(2).i32Shl().i32Add().get(jb).get(stride).i32Mul().i32Add();
        if (q > 0) f.get(gateStep[q]).i32Add();
        f.set(at);
        for (let l = 0; l < 4; l++) {
          f.get(at);
          if (l > 0) f.get(lane[l]).i32Add();
          f.get(v).f32x4ExtractLane(l).f32Store();
        }
      });
      emitAdvance(f, [hiddenGrad, recurrentGrad, cellGrad, gates, cellPrev, cellTanh, gateGrad, gateGradSum], 16);
    },
    () => emitAdvance(f, [gates, gateGrad, gateGradSum], 3 * Hb),
  );
  return f;
}

const compiled = new Map<number, WasmModule | null>();

/** The kernels compiled for H hidden units, or null where WebAssembly SIMD is unavailable. */
export function simdCellModule(H: number): WasmModule | null {
  if (!Number.isInteger(H) || H < 4 || H % 4 !== 0)
    throw new RangeError(`the SIMD kernels need H to be a positive multiple of 4, got ${H}`);
  let module = compiled.get(H);
  if (module === undefined) {
    const bytes = assembleModule([
      { name: 'forward', parameterCount: 8, body: forwardKernel(H) },
      { name: 'backward', parameterCount: 13, body: backwardKernel(H) },
    ]);
    module = webAssembly !== undefined && webAssembly.validate(bytes) ? new webAssembly.Module(bytes) : null;
    compiled.set(H, module);
  }
  return module;
}

export interface SimdCellExports {
  forward(
    rows: number,
    pre: number,
    recurrent: number,
    gates: number,
    cellPrev: number,
    cell: number,
    cellTanh: number,
    hidden: number,
  ): void;
  backward(
    rows: number,
    hiddenGrad: number,
    recurrentGrad: number,
    cellGrad: number,
    gates: number,
    cellPrev: number,
    cellTanh: number,
    gateGrad: number,
    gateGradT: number,
    column: number,
    stride: number,
    gateGradSum: number,
    stepBiasGrad: number,
  ): void;
}

export function instantiateSimdCells(module: WasmModule, memory: WasmMemory): SimdCellExports {
  if (webAssembly === undefined) throw new Error('WebAssembly is unavailable');
  const instance = new webAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as SimdCellExports;
}
