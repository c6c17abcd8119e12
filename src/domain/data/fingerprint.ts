// A fingerprint of the data a version was fitted on: the same engines with the same readings always give
// the same fingerprint, and any changed, added or removed cycle gives another.
import { createHash } from 'node:crypto';
import type { EngineSeries } from './series';

/**
 * "sha256:<hex>" of the catalogue and, for each series of `units` in unit order, its unit number and every
 * cycle's number, settings, readings and RUL, as float64 bytes (so that values are hashed exactly).
 */
export function dataFingerprint(series: readonly EngineSeries[], units: readonly number[]): string {
  const wanted = new Set(units);
  const chosen = series.filter((engine) => engine.unit !== null && wanted.has(engine.unit)).sort((a, b) => a.unit! - b.unit!);
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ sensors: chosen[0]?.sensorNames ?? [], settings: chosen[0]?.settingNames ?? [] }));
  for (const engine of chosen) {
    const values: number[] = [engine.unit!, engine.cycles.length];
    engine.cycles.forEach((cycle, index) => {
      values.push(cycle, ...engine.settings[index], ...engine.readings[index], engine.rul?.[index] ?? Number.NaN);
    });
    hash.update(new Uint8Array(Float64Array.from(values).buffer));
  }
  return `sha256:${hash.digest('hex')}`;
}
