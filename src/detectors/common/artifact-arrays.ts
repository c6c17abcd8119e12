// Large numeric arrays of an artifact go into its binary part, byte for byte (little-endian, as on every
// platform Node runs on here), so that a loaded detector scores bit-for-bit like the fitted one; the JSON
// part keeps a table of where each array lies.

const TYPES = { float64: Float64Array, float32: Float32Array, int32: Int32Array } as const;
type ArrayType = keyof typeof TYPES;
export type NumericArray = Float64Array | Float32Array | Int32Array;

export interface ArrayEntry {
  type: ArrayType;
  /** Byte offset in the binary part (a multiple of 8). */
  offset: number;
  length: number;
}
export type ArrayTable = Record<string, ArrayEntry>;

function typeOf(array: NumericArray): ArrayType {
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Float32Array) return 'float32';
  return 'int32';
}

export function packArrays(arrays: Record<string, NumericArray>): { table: ArrayTable; binary: Uint8Array } {
  const table: ArrayTable = {};
  let size = 0;
  for (const [name, array] of Object.entries(arrays)) {
    table[name] = { type: typeOf(array), offset: size, length: array.length };
    size += Math.ceil(array.byteLength / 8) * 8;
  }
  const binary = new Uint8Array(size);
  for (const [name, array] of Object.entries(arrays)) {
    binary.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), table[name].offset);
  }
  return { table, binary };
}

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactError';
  }
}

/** The arrays of a packed binary part (copies, so that they are aligned whatever buffer `binary` views). */
export function unpackArrays(table: unknown, binary: Uint8Array | null): Record<string, NumericArray> {
  if (binary === null) throw new ArtifactError('the artifact has no binary part');
  if (typeof table !== 'object' || table === null) throw new ArtifactError('the artifact has no array table');
  const arrays: Record<string, NumericArray> = {};
  for (const [name, entry] of Object.entries(table as Record<string, Partial<ArrayEntry>>)) {
    const { type, offset, length } = entry;
    if (type === undefined || !(type in TYPES) || !Number.isInteger(offset) || !Number.isInteger(length)) {
      throw new ArtifactError(`array ${name}: malformed entry`);
    }
    const Type = TYPES[type];
    const bytes = (length as number) * Type.BYTES_PER_ELEMENT;
    if ((offset as number) < 0 || (offset as number) + bytes > binary.byteLength) {
      throw new ArtifactError(
        `array ${name}: bytes ${offset}..${(offset as number) + bytes} lie outside the ${binary.byteLength} of the binary part`,
      );
    }
    const copy = binary.slice(offset as number, (offset as number) + bytes);
    arrays[name] = new Type(copy.buffer, 0, length as number);
  }
  return arrays;
}

/** The array `name` of `arrays`, of the expected type and length. */
export function arrayOf<T extends NumericArray>(
  arrays: Record<string, NumericArray>,
  name: string,
  type: { new (length: number): T },
  length?: number,
): T {
  const array = arrays[name];
  if (!(array instanceof type)) throw new ArtifactError(`the artifact has no ${type.name} ${name}`);
  if (length !== undefined && array.length !== length) {
    throw new ArtifactError(`array ${name} has ${array.length} values, expected ${length}`);
  }
  return array;
}
