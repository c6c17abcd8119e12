// A CSV tokenizer for imports (RFC 4180: "-quoted values with "" inside, records ended by \n, \r\n or
// \r, empty lines skipped, a byte-order mark ignored). It replaces csv-parse on this path because
// csv-parse builds a string for every value and an object for every record: on a million-row file that
// was the largest cost of the import. Here a record is the offsets of its values in the decoded text,
// reused from one record to the next, and readings are parsed from those offsets without a string.
import { ImportFileError } from './import-errors';

const QUOTE = 34;
const LF = 10;
const CR = 13;
const BOM = '\ufeff';
/** Longest record: memory stays bounded whatever a file holds. */
export const MAX_RECORD_CHARS = 1 << 24;

/** 10^0..10^22: the powers of ten that doubles hold exactly. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, power) => 10 ** power);

/** A plain decimal number, or NaN: digits, sign, point and exponent only (no hex, Infinity, NaN or empty). */
export function parseReading(token: string): number {
  const length = token.length;
  if (length === 0 || length > 64) return Number.NaN;
  for (let index = 0; index < length; index++) {
    const code = token.charCodeAt(index);
    // 0-9 . + - e E
    if (!((code >= 48 && code <= 57) || code === 46 || code === 43 || code === 45 || code === 101 || code === 69)) return Number.NaN;
  }
  const value = +token;
  return value - value === 0 ? value : Number.NaN;
}

/** One record: its values as offsets into the decoded text (quoted values are unescaped strings). */
export class CsvRow {
  /** The line the record ends on (the header is line 1). */
  line = 0;
  length = 0;
  private source = '';
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  /** Each unquoted value read as a short decimal while tokenizing (see CsvReader.record), else NaN. */
  private numbers = new Float64Array(64);
  private quoted: (string | null)[] = [];

  /** The value at `index`, as written (unquoted). */
  text(index: number): string {
    return this.quoted[index] ?? this.source.slice(this.starts[index], this.ends[index]);
  }

  /** Every value, as written. */
  texts(): string[] {
    return Array.from({ length: this.length }, (_, index) => this.text(index));
  }

  /** The value at `index` as parseReading reads it, trimmed when it holds nothing else: NaN when it is no plain number. */
  reading(index: number): number {
    const fast = this.numbers[index];
    if (fast === fast) return fast; // not NaN
    const token = this.text(index);
    const value = parseReading(token);
    return Number.isNaN(value) ? parseReading(token.trim()) : value;
  }

  /** Whether the value at `index` is exactly `expected`, compared in place. */
  is(index: number, expected: string): boolean {
    const quoted = this.quoted[index];
    if (quoted !== null) return quoted === expected;
    const start = this.starts[index];
    const length = this.ends[index] - start;
    if (length !== expected.length) return false;
    for (let offset = 0; offset < length; offset++) {
      if (this.source.charCodeAt(start + offset) !== expected.charCodeAt(offset)) return false;
    }
    return true;
  }

  /** The value at `index` when it is 1 to 10 unquoted digits and nothing else, else NaN; read in place. */
  digits(index: number): number {
    const start = this.starts[index];
    const end = this.ends[index];
    if (this.quoted[index] !== null || end === start || end - start > 10) return Number.NaN;
    let value = 0;
    for (let at = start; at < end; at++) {
      const code = this.source.charCodeAt(at);
      if (code < 48 || code > 57) return Number.NaN;
      value = value * 10 + (code - 48);
    }
    return value;
  }

  /** An empty line: one unquoted empty value. */
  blank(): boolean {
    return this.length === 1 && this.quoted[0] === null && this.starts[0] === this.ends[0];
  }

  /** @internal */
  begin(source: string): void {
    this.source = source;
    this.length = 0;
  }

  /** @internal */
  add(start: number, end: number, quoted: string | null, number: number): void {
    if (this.length === this.starts.length) {
      const starts = new Int32Array(this.length * 2);
      const ends = new Int32Array(this.length * 2);
      const numbers = new Float64Array(this.length * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      numbers.set(this.numbers);
      this.starts = starts;
      this.ends = ends;
      this.numbers = numbers;
    }
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.numbers[this.length] = number;
    this.quoted[this.length] = quoted;
    this.length++;
  }
}

/**
 * Reads records from decoded text given piece by piece: push() a piece, then read() the complete
 * records it holds; the last piece is read with `final` set. The same CsvRow object is passed for every
 * record and is valid only during the call.
 */
export class CsvReader {
  private text = '';
  private position = 0;
  /** Line at `position`. */
  private line = 1;
  private readonly row = new CsvRow();
  private readonly delimiter: number;
  private started = false;

  constructor(
    delimiter: string,
    private readonly fileName: string,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  push(piece: string): void {
    let text = piece;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.startsWith(BOM)) text = text.slice(1);
    }
    this.text = this.position < this.text.length ? this.text.slice(this.position) + text : text;
    this.position = 0;
  }

  /** Calls onRow for each complete record, at most `max` of them; returns how many. */
  read(onRow: (row: CsvRow) => void, final: boolean, max = Infinity): number {
    let records = 0;
    while (records < max && this.position < this.text.length) {
      const end = this.record(final);
      if (end < 0) {
        if (this.text.length - this.position > MAX_RECORD_CHARS) {
          throw new ImportFileError(this.fileName, this.line, null, `a record is longer than ${MAX_RECORD_CHARS} characters`);
        }
        break;
      }
      if (!this.row.blank()) {
        onRow(this.row);
        records++;
      }
      this.line = this.row.line + 1;
      this.position = end;
    }
    return records;
  }

  /** Tokenizes the record at `position` into `row`; returns where the next one starts, or -1 when incomplete. */
  private record(final: boolean): number {
    const text = this.text;
    const length = text.length;
    const delimiter = this.delimiter;
    const row = this.row;
    row.begin(text);
    let at = this.position;
    let line = this.line;
    for (;;) {
      let code: number;
      if (at < length && text.charCodeAt(at) === QUOTE) {
        const opened = line;
        let value = '';
        let from = at + 1;
        let index = from;
        for (;;) {
          if (index >= length) {
            if (!final) return -1;
            throw new ImportFileError(this.fileName, opened, row.length + 1, 'a quoted value is not closed before the end of the file');
          }
          const inside = text.charCodeAt(index);
          if (inside === QUOTE) {
            if (index + 1 >= length && !final) return -1;
            if (text.charCodeAt(index + 1) === QUOTE) {
              value += text.slice(from, index + 1);
              index += 2;
              from = index;
              continue;
            }
            value += text.slice(from, index);
            index++;
            break;
          }
          if (inside === LF || (inside === CR && text.charCodeAt(index + 1) !== LF)) line++;
          index++;
        }
        row.add(-1, -1, value, Number.NaN);
        at = index;
        code = at < length ? text.charCodeAt(at) : -1;
        if (code !== delimiter && code !== LF && code !== CR && code !== -1) {
          throw new ImportFileError(
            this.fileName,
            line,
            row.length,
            'a quoted value must be followed by a delimiter or the end of the line',
          );
        }
      } else {
        // The value is read as `[+-]digits[.digits]` in the same pass (readings are most of a file's
        // values): with at most 15 digits, an integer below 2^53 divided by an exact power of ten, which
        // one IEEE division rounds correctly, the same double as Number(token) (Clinger's fast path).
        // Delimiters are never digits, signs or points (import-options.ts).
        const start = at;
        let negative = false;
        if (at < length) {
          const first = text.charCodeAt(at);
          if (first === 45 || first === 43) {
            negative = first === 45;
            at++;
          }
        }
        let mantissa = 0;
        let digits = 0;
        let fractionDigits = -1;
        let plain = true;
        while (at < length) {
          code = text.charCodeAt(at);
          if (code >= 48 && code <= 57) {
            mantissa = mantissa * 10 + (code - 48);
            digits++;
            if (fractionDigits >= 0) fractionDigits++;
          } else if (code === delimiter || code === LF || code === CR) {
            break;
          } else if (code === QUOTE) {
            throw new ImportFileError(this.fileName, line, row.length + 1, 'a quote (") may only open and close a whole value');
          } else if (code === 46 && fractionDigits < 0) {
            fractionDigits = 0;
          } else {
            plain = false;
          }
          at++;
        }
        let number = Number.NaN;
        if (plain && digits > 0 && digits <= 15) {
          number = fractionDigits > 0 ? mantissa / EXACT_POWERS_OF_TEN[fractionDigits] : mantissa;
          if (negative) number = -number;
        }
        row.add(start, at, null, number);
        code = at < length ? text.charCodeAt(at) : -1;
      }
      if (code === delimiter) {
        at++;
        continue;
      }
      if (code === -1) {
        if (!final) return -1;
        row.line = line;
        return at;
      }
      // \r\n is one line end; a \r at the end of a piece waits for the next one to tell.
      if (code === CR) {
        if (at + 1 >= length && !final) return -1;
        row.line = line;
        return text.charCodeAt(at + 1) === LF ? at + 2 : at + 1;
      }
      row.line = line;
      return at + 1;
    }
  }
}
