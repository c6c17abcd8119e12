import { ArtifactError, arrayOf, packArrays, unpackArrays } from './artifact-arrays';

describe('artifact arrays', () => {
  const arrays = {
    odd: Float32Array.from([1.5, -2.25, 3]),
    ids: Int32Array.from([7, -1, 2147483647]),
    values: Float64Array.from([Math.PI, -0, 1e-300]),
  };

  it('round-trips arrays of each type bit for bit through JSON and bytes at any offset', () => {
    const { table, binary } = packArrays(arrays);
    expect(Object.values(table).every((entry) => entry.offset % 8 === 0)).toBe(true);
    const shifted = new Uint8Array([9, 9, 9, ...binary]).subarray(3);
    const back = unpackArrays(JSON.parse(JSON.stringify(table)), shifted);
    expect(back).toEqual(arrays);
    expect(Object.is(arrayOf(back, 'values', Float64Array, 3)[1], -0)).toBe(true);
  });

  it('refuses a missing binary part, entries outside it, and arrays of another type or length', () => {
    const { table, binary } = packArrays(arrays);
    expect(() => unpackArrays(table, null)).toThrow(ArtifactError);
    expect(() => unpackArrays(table, binary.subarray(0, 20))).toThrow(/outside the 20/);
    expect(() => unpackArrays({ x: { type: 'int8', offset: 0, length: 1 } }, binary)).toThrow(/malformed/);
    const back = unpackArrays(table, binary);
    expect(() => arrayOf(back, 'ids', Float64Array)).toThrow(/no Float64Array ids/);
    expect(() => arrayOf(back, 'ids', Int32Array, 4)).toThrow(/3 values, expected 4/);
  });
});
