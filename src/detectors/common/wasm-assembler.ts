// A minimal WebAssembly binary writer: just what the hand-written SIMD kernels need (the autoencoder's
// LSTM cells, lstm-autoencoder/engine/simd-cell-kernels.ts, LOF's distances,
// local-outlier-factor/distance-keys.ts, and PCA's products, pca-reconstruction/lane-products.ts): i32 and
// v128 locals, loops, loads and stores, f32x4 and a little f64x2 arithmetic, and one imported memory. It lets the project ship hand-written SIMD kernels as TypeScript, without a
// wasm toolchain or a binary blob.
// Opcodes follow the WebAssembly 2.0 specification (SIMD opcodes are 0xFD-prefixed LEB128 numbers).

export const ValueType = { i32: 0x7f, v128: 0x7b } as const;
type ValueTypeCode = (typeof ValueType)[keyof typeof ValueType];

function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

function name(text: string): number[] {
  const utf8 = [...Buffer.from(text, 'utf8')];
  return [...unsignedLeb(utf8.length), ...utf8];
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

const SIMD = {
  load: 0x00,
  load32Splat: 0x09,
  load64Splat: 0x0a,
  store: 0x0b,
  const: 0x0c,
  splat: 0x13,
  extractLane: 0x1f,
  add: 0xe4,
  sub: 0xe5,
  mul: 0xe6,
  div: 0xe7,
  min: 0xe8,
  max: 0xe9,
  f64x2Add: 0xf0,
  f64x2Mul: 0xf2,
} as const;

/** Emits a function body. Locals are numbered after the parameters, in order of declaration. */
export class FunctionBuilder {
  private readonly code: number[] = [];
  private readonly locals: ValueTypeCode[] = [];

  constructor(readonly parameterCount: number) {}

  local(type: ValueTypeCode): number {
    this.locals.push(type);
    return this.parameterCount + this.locals.length - 1;
  }

  get(index: number): this {
    return this.emit(0x20, ...unsignedLeb(index));
  }
  set(index: number): this {
    return this.emit(0x21, ...unsignedLeb(index));
  }
  tee(index: number): this {
    return this.emit(0x22, ...unsignedLeb(index));
  }
  i32(value: number): this {
    return this.emit(0x41, ...signedLeb(value | 0));
  }
  i32Add(): this {
    return this.emit(0x6a);
  }
  i32Mul(): this {
    return this.emit(0x6c);
  }
  i32Shl(): this {
    return this.emit(0x74);
  }
  i32GeU(): this {
    return this.emit(0x4f);
  }
  i32Eqz(): this {
    return this.emit(0x45);
  }
  /** `block` / `loop` / `if` without results, and their `end`. */
  block(): this {
    return this.emit(0x02, 0x40);
  }
  loop(): this {
    return this.emit(0x03, 0x40);
  }
  if(): this {
    return this.emit(0x04, 0x40);
  }
  else(): this {
    return this.emit(0x05);
  }
  end(): this {
    return this.emit(0x0b);
  }
  br(depth: number): this {
    return this.emit(0x0c, ...unsignedLeb(depth));
  }
  brIf(depth: number): this {
    return this.emit(0x0d, ...unsignedLeb(depth));
  }
  /** f32.store at (address on the stack) + offset; alignment hint 4 bytes. */
  f32Store(offset = 0): this {
    return this.emit(0x38, 2, ...unsignedLeb(offset));
  }
  /** f32.min of the two f32 values on the stack (NaN if either is). */
  f32Min(): this {
    return this.emit(0x96);
  }
  /** v128.load / v128.store; the alignment hint (4 bytes) does not require aligned addresses. */
  v128Load(offset = 0): this {
    return this.simd(SIMD.load).emit(2, ...unsignedLeb(offset));
  }
  v128Store(offset = 0): this {
    return this.simd(SIMD.store).emit(2, ...unsignedLeb(offset));
  }
  /** v128.load32_splat: the 4-byte value at (address on the stack) + offset in all four lanes. */
  v128Load32Splat(offset = 0): this {
    return this.simd(SIMD.load32Splat).emit(2, ...unsignedLeb(offset));
  }
  /** v128.load64_splat: the 8-byte value at (address on the stack) + offset in both lanes. */
  v128Load64Splat(offset = 0): this {
    return this.simd(SIMD.load64Splat).emit(3, ...unsignedLeb(offset));
  }
  /** v128.const holding `value` in all four f32 lanes. */
  f32x4(value: number): this {
    const bytes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
    return this.simd(SIMD.const).emit(...bytes);
  }
  f32x4Splat(): this {
    return this.simd(SIMD.splat);
  }
  f32x4ExtractLane(lane: number): this {
    return this.simd(SIMD.extractLane).emit(lane);
  }
  f32x4Add(): this {
    return this.simd(SIMD.add);
  }
  f32x4Sub(): this {
    return this.simd(SIMD.sub);
  }
  f32x4Mul(): this {
    return this.simd(SIMD.mul);
  }
  f32x4Div(): this {
    return this.simd(SIMD.div);
  }
  f32x4Min(): this {
    return this.simd(SIMD.min);
  }
  f32x4Max(): this {
    return this.simd(SIMD.max);
  }
  f64x2Add(): this {
    return this.simd(SIMD.f64x2Add);
  }
  f64x2Mul(): this {
    return this.simd(SIMD.f64x2Mul);
  }

  /** The code-section entry: local declarations, body, end. */
  encode(): number[] {
    const groups: number[][] = [];
    for (const type of this.locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === type) last[0] += 1;
      else groups.push([1, type]);
    }
    const body = [...vector(groups.map(([count, type]) => [...unsignedLeb(count), type])), ...this.code, 0x0b];
    return [...unsignedLeb(body.length), ...body];
  }

  private simd(opcode: number): this {
    return this.emit(0xfd, ...unsignedLeb(opcode));
  }

  private emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
}

export interface ExportedFunction {
  name: string;
  /** All parameters are i32; no results. */
  parameterCount: number;
  body: FunctionBuilder;
}

/** A module importing `env.memory` and exporting the given functions. */
export function assembleModule(functions: ExportedFunction[]): Uint8Array {
  const types = functions.map((fn) => [0x60, ...vector(Array.from({ length: fn.parameterCount }, () => [ValueType.i32])), 0x00]);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])), // memory, min 1 page, no max
    ...section(3, vector(functions.map((_, index) => unsignedLeb(index)))),
    ...section(7, vector(functions.map((fn, index) => [...name(fn.name), 0x00, ...unsignedLeb(index)]))),
    ...section(10, vector(functions.map((fn) => fn.body.encode()))),
  ];
  return Uint8Array.from(bytes);
}

// The WebAssembly global, typed locally: the project compiles against lib ES2022 without DOM types.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export type WasmModule = object;
export interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}
export const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** A fixed-size memory of `pages` 64 KiB pages (it cannot grow: views into it stay valid). */
export function createFixedMemory(pages: number): WasmMemory {
  if (webAssembly === undefined) throw new Error('WebAssembly is unavailable');
  return new webAssembly.Memory({ initial: pages, maximum: pages });
}
