// Reading the output of `COPY (SELECT one_bytea_column ...) TO STDOUT (FORMAT binary)`: the bytes of each
// value as they arrive, without the hex text (twice the size) that a bytea column costs both sides in a
// query's results. The format: an 11-byte signature, 32-bit flags and header-extension length (and the
// extension), then per row a 16-bit field count and each field's 32-bit length and bytes, then -1.
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;

/** The bytes of every value of a one-column binary COPY stream, in order, as pieces. */
export async function* copiedBytes(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  /** Bytes of the current value still to come; 0 between values. */
  let remaining = 0;
  /** Bytes still to skip: the header, then its extension. */
  let header = -1;
  let ended = false;
  for await (const piece of stream) {
    const data = pending.length === 0 ? piece : Buffer.concat([pending, piece]);
    let at = 0;
    for (;;) {
      if (remaining > 0) {
        const size = Math.min(remaining, data.length - at);
        if (size === 0) break;
        yield data.subarray(at, at + size);
        at += size;
        remaining -= size;
        continue;
      }
      if (header === -1) {
        if (data.length - at < HEADER_BYTES) break;
        if (!data.subarray(at, at + SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
        header = data.readInt32BE(at + SIGNATURE.length + 4);
        at += HEADER_BYTES;
        continue;
      }
      if (header > 0) {
        const skipped = Math.min(header, data.length - at);
        if (skipped === 0) break;
        header -= skipped;
        at += skipped;
        continue;
      }
      if (ended || data.length - at < 2) break;
      const fields = data.readInt16BE(at);
      if (fields === -1) {
        ended = true;
        at += 2;
        continue;
      }
      if (fields !== 1) throw new Error(`expected one column a row, found ${fields}`);
      if (data.length - at < 6) break;
      const length = data.readInt32BE(at + 2);
      if (length < 0) throw new Error('a copied value is null');
      remaining = length;
      at += 6;
    }
    pending = data.subarray(at);
  }
  if (!ended || remaining > 0) throw new Error('the binary COPY stream ended early');
}
