// CSV files for import tests, written from the shipped FD001 values with made-up column names: a fleet
// that is not C-MAPSS as far as the service can tell.
import zlib from 'node:zlib';
import { shippedLines } from './cmapss-fixtures';

/** Made-up names for FD001's 21 sensors (3 of them named as in the issue). */
export const FLEET_SENSORS = [
  'temperature',
  'vibration',
  'pressure',
  ...Array.from({ length: 18 }, (_, index) => `probe_${String.fromCharCode(97 + index)}`),
];
export const FLEET_SETTINGS = ['altitude', 'mach', 'throttle'];

/** FD001 train rows of the first `units` units as [unit, cycle, settings x3, sensors x21] text tokens. */
export function fd001Rows(units: number): string[][] {
  return shippedLines('train_FD001.txt')
    .map((line) => line.trim().split(/\s+/))
    .filter((tokens) => Number(tokens[0]) <= units);
}

/**
 * A CSV of the first `units` FD001 train units: header engine,cycle,op_altitude,op_mach,op_throttle and
 * the made-up sensor names; assets named "ESN-<unit>". `transform` may edit the data lines (index 0 is
 * line 2 of the file).
 */
export function fleetCsv(units: number, transform: (lines: string[]) => void = () => undefined): string {
  const header = ['engine', 'cycle', ...FLEET_SETTINGS.map((name) => `op_${name}`), ...FLEET_SENSORS].join(',');
  const lines = fd001Rows(units).map(([unit, cycle, ...values]) => [`ESN-${unit}`, cycle, ...values].join(','));
  transform(lines);
  return `${header}\n${lines.join('\n')}\n`;
}

export function gzip(text: string): Buffer {
  return zlib.gzipSync(Buffer.from(text));
}

/** Chunks of `bytes`, as a request body or a file stream would deliver them. */
export async function* chunked(bytes: Buffer | string, size = 4096): AsyncGenerator<Buffer> {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  for (let offset = 0; offset < buffer.length; offset += size) yield buffer.subarray(offset, offset + size);
}
