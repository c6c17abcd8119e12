// What windows a version scores: the sensors, their order, the window length, the normalisation and the
// operating regimes. Two versions score the same windows (and may be compared window by window, or
// combined in an ensemble) exactly when these are equal.

export interface Preprocessing {
  sensors: readonly string[];
  windowLength: number;
  normalisation: unknown;
  regimes: unknown;
}

/** JSON with object keys sorted at every level: equal values give equal text, whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A fingerprint of a version's preprocessing (stored JSON columns may come back with their keys reordered). */
export function preprocessingFingerprint(preprocessing: Preprocessing): string {
  return canonicalJson({
    sensors: preprocessing.sensors,
    windowLength: preprocessing.windowLength,
    normalisation: preprocessing.normalisation,
    regimes: preprocessing.regimes ?? null,
  });
}
