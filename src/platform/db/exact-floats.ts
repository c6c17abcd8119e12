// Prisma 6 rounds JavaScript numbers it sends to the database to 16 significant digits, in typed
// arguments, raw-query arguments and JSON values alike (prisma/prisma#11096, open). Reads are exact.
// Values that must survive a round trip bit for bit (normalisation statistics, thresholds, scores) are
// therefore sent as text, which JavaScript prints with every digit needed, and cast in SQL.

/** A float8 argument as text: use with `$n::text::float8`. */
export function exactFloat(value: number): string {
  return String(value);
}

/** A float8[] argument as text elements: use with `$n::text[]::float8[]`. */
export function exactFloats(values: ArrayLike<number>): string[] {
  return Array.from(values, String);
}

/** A JSON argument as text: use with `$n::text::jsonb`. */
export function exactJson(value: unknown): string {
  return JSON.stringify(value);
}
