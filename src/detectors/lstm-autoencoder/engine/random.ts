// Seeded pseudo-random numbers for weight initialisation and shuffling. All randomness of training comes
// from here (never from Math.random or tf.random*), so the same seed gives the same weights on the same
// backend, in-process or in worker threads.

import seedrandom from 'seedrandom';

export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
}

/** Alea: fast, good statistical quality, and its state is a few numbers (seedrandom's recommendation). */
export function createRandom(seed: number | string): RandomSource {
  const generator = seedrandom.alea(String(seed));
  return { next: () => generator() };
}

/** A derived stream, so e.g. shuffling does not shift when the initialisation draws more numbers. */
export function deriveRandom(seed: number | string, purpose: string): RandomSource {
  return createRandom(`${String(seed)}/${purpose}`);
}

export function uniform(random: RandomSource, low: number, high: number): number {
  return low + (high - low) * random.next();
}

/** Standard normal by the Box-Muller transform (one value per call; simplicity over speed). */
export function standardNormal(random: RandomSource): number {
  let u = random.next();
  while (u <= Number.MIN_VALUE) u = random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** In-place Fisher-Yates shuffle. */
export function shuffleInPlace(values: Int32Array | number[], random: RandomSource): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const swap = values[i];
    values[i] = values[j];
    values[j] = swap;
  }
}
