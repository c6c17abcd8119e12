// Exact k-nearest-neighbour search by brute force, in two steps per query:
// 1. approximate squared distances to every training point, ||q||^2 + ||p||^2 - 2 q.p, in float32 by a
//    WebAssembly SIMD kernel (./distance-keys.ts), keeping the points whose approximation is within twice
//    the rounding bound of the k-th smallest so far;
// 2. their exact float64 distances, summed as they always were here: the kept points are a superset of the
//    true k nearest, whatever the rounding (the bound below), so the result is the exact one, ties ranked
//    by index.
// The products are 4x the arithmetic of the partial-distance scan this replaces (which stopped a candidate
// once its running sum passed the k-th best), but dense, branch-free and four lanes wide: 3-5x less CPU on
// FD001 (docs/detectors.md). Trees do not help: in the 56 standardised summary features of a window, a
// k-d tree (mnemonist's) visited 4,545 of 5,032 points per query and ran 5x slower than a scan.
import { instantiateKeys, POINTS_PER_PANEL, QUERIES_PER_GROUP, type KeysKernel, type OneQueryKeysKernel } from './distance-keys';
import { createFixedMemory } from '../common/wasm-assembler';

/** Queries per kernel call: 16 groups, whose values (about 14 KB for 56 features) stay in cache. */
const QUERIES_PER_CALL = 64;
const FLOAT32_ROUNDOFF = 2 ** -24;

export interface Neighbours {
  /** [queries, k] indices into the points, nearest first (equal distances: lower index first). */
  indices: Int32Array;
  /** [queries, k] their exact squared distances. */
  squaredDistances: Float64Array;
}

export class NeighbourSearch {
  private readonly blocks: number;
  private readonly panels: number;
  private readonly kernel: KeysKernel;
  private readonly oneQueryKernel: OneQueryKeysKernel;
  private readonly queryValues: Float32Array;
  private readonly keys: Float32Array;
  private readonly minima: Float32Array;
  private readonly normsAddress: number;
  private readonly queriesAddress: number;
  private readonly keysAddress: number;
  private readonly minimaAddress: number;
  private readonly largestNorm: number;
  /** Scratch for a query: the k smallest keys so far, and the points kept for the exact check. */
  private readonly smallest: Float64Array;
  private readonly kept: Int32Array;

  /** `points`: `count` rows of `dimensions` values, row-major. */
  constructor(
    readonly points: Float64Array,
    readonly count: number,
    readonly dimensions: number,
    readonly k: number,
  ) {
    if (k < 1 || k > count) throw new RangeError(`k must be between 1 and the ${count} points, got ${k}`);
    this.blocks = Math.ceil(dimensions / 4);
    this.panels = Math.ceil(count / POINTS_PER_PANEL);
    const padded = this.panels * POINTS_PER_PANEL;
    this.normsAddress = padded * this.blocks * 4 * 4;
    this.queriesAddress = this.normsAddress + padded * 4;
    this.keysAddress = this.queriesAddress + QUERIES_PER_CALL * this.blocks * 4 * 4;
    this.minimaAddress = this.keysAddress + QUERIES_PER_CALL * padded * 4;
    const memory = createFixedMemory(Math.ceil((this.minimaAddress + QUERIES_PER_CALL * this.panels * 4) / 65536));
    ({ keys: this.kernel, keysOne: this.oneQueryKernel } = instantiateKeys(memory));
    this.queryValues = new Float32Array(memory.buffer, this.queriesAddress, QUERIES_PER_CALL * this.blocks * 4);
    this.keys = new Float32Array(memory.buffer, this.keysAddress, QUERIES_PER_CALL * padded);
    this.minima = new Float32Array(memory.buffer, this.minimaAddress, QUERIES_PER_CALL * this.panels);
    const panelValues = new Float32Array(memory.buffer, 0, this.normsAddress / 4);
    const squaredNorms = new Float32Array(memory.buffer, this.normsAddress, count);
    let largest = 0;
    for (let i = 0; i < count; i++) {
      const panel = Math.floor(i / POINTS_PER_PANEL) * this.blocks * 4 * POINTS_PER_PANEL;
      let norm = 0;
      for (let d = 0; d < dimensions; d++) {
        const value = points[i * dimensions + d];
        panelValues[panel + d * POINTS_PER_PANEL + (i % POINTS_PER_PANEL)] = value;
        norm += value * value;
      }
      squaredNorms[i] = norm;
      largest = Math.max(largest, norm);
    }
    this.largestNorm = Math.sqrt(largest);
    this.smallest = new Float64Array(k);
    this.kept = new Int32Array(count);
  }

  /**
   * The k nearest points to each of `queryCount` queries (rows of `queries`, `dimensions` values each),
   * leaving out point exclude[r] for query r (a training point's own row) when given.
   */
  search(queries: Float64Array, queryCount: number, exclude?: Int32Array, signal?: AbortSignal): Neighbours {
    const { dimensions, k, blocks, panels, queryValues } = this;
    const indices = new Int32Array(queryCount * k);
    const squaredDistances = new Float64Array(queryCount * k);
    const stride = panels * POINTS_PER_PANEL;
    for (let start = 0; start < queryCount; start += QUERIES_PER_CALL) {
      signal?.throwIfAborted();
      const chunk = Math.min(QUERIES_PER_CALL, queryCount - start);
      for (let r = 0; r < chunk; r++) {
        const group = Math.floor(r / QUERIES_PER_GROUP) * blocks * 4 * QUERIES_PER_GROUP;
        for (let d = 0; d < dimensions; d++)
          queryValues[group + d * QUERIES_PER_GROUP + (r % QUERIES_PER_GROUP)] = queries[(start + r) * dimensions + d];
      }
      // One query alone (a scoreWindow call) would leave three of a group's four lanes idle.
      if (chunk === 1) this.oneQueryKernel(this.queriesAddress, 0, this.normsAddress, panels, blocks, this.keysAddress, this.minimaAddress);
      else {
        const groups = Math.ceil(chunk / QUERIES_PER_GROUP);
        this.kernel(this.queriesAddress, groups, 0, this.normsAddress, panels, blocks, this.keysAddress, stride * 4, this.minimaAddress);
      }
      for (let r = 0; r < chunk; r++) {
        const query = start + r;
        // The previous query's neighbours (consecutive windows of an engine share most) bound this one's.
        const previous = query > 0 ? (query - 1) * k : -1;
        this.nearest(queries, query * dimensions, r, exclude?.[query] ?? -1, previous, indices, squaredDistances, query * k);
      }
    }
    return { indices, squaredDistances };
  }

  /**
   * The k nearest to the query at query[offset..], from row r of the keys, into indices and distances at `at`;
   * indices[previous..previous + k] (when previous >= 0) are k points whose keys bound the k-th smallest.
   */
  private nearest(
    query: Float64Array,
    offset: number,
    r: number,
    exclude: number,
    previous: number,
    indices: Int32Array,
    best: Float64Array,
    at: number,
  ): void {
    const { points, count, dimensions, k, panels, keys, minima, smallest, kept, largestNorm } = this;
    const row = r * panels * POINTS_PER_PANEL;
    let queryNorm = 0;
    for (let d = 0; d < dimensions; d++) queryNorm += query[offset + d] * query[offset + d];
    // A key, ||p||^2 - 2 q.p in float32 (u = 2^-24), is off by at most 2 (n + 2) u ||q|| ||p|| for the
    // n = 4 * blocks products (inputs rounded to float32, then n - 1 additions, in any order), plus
    // u ||p||^2 for the norm and u |key| for the subtraction: under 2 (n + 3) u ||q|| L + 2 u L^2 with L the
    // largest ||p||. Taken 4x over.
    const tolerance = 8 * FLOAT32_ROUNDOFF * ((4 * this.blocks + 3) * Math.sqrt(queryNorm) * largestNorm + largestNorm * largestNorm);
    // The true k-th key is at most the k-th smallest key + tolerance, so each true neighbour's key is at
    // most that + tolerance: keep every point within 2 tolerances of the k-th smallest key so far, passing
    // over the panels of 8 points whose smallest key is beyond that. Any k points other than the excluded
    // one bound the k-th smallest key from the start: the largest key of the previous query's neighbours.
    // A NaN key fails every comparison: its point is kept, and checked exactly (a NaN start keeps all).
    let start = Infinity;
    if (previous >= 0) {
      start = -Infinity;
      for (let j = previous; j < previous + k; j++) {
        const i = indices[j];
        if (i < 0 || i === exclude) {
          start = Infinity;
          break;
        }
        start = Math.max(start, keys[row + i]);
      }
    }
    smallest.fill(Infinity);
    let bound = Infinity;
    let cutoff = start + 2 * tolerance;
    let keptCount = 0;
    for (let panel = 0; panel < panels; panel++) {
      if (minima[r * panels + panel] > cutoff) continue;
      const end = Math.min(count, (panel + 1) * POINTS_PER_PANEL);
      for (let i = panel * POINTS_PER_PANEL; i < end; i++) {
        const key = keys[row + i];
        if (key > cutoff || i === exclude) continue;
        kept[keptCount++] = i;
        if (!(key < bound)) continue;
        let j = k - 1;
        while (j > 0 && smallest[j - 1] > key) {
          smallest[j] = smallest[j - 1];
          j--;
        }
        smallest[j] = key;
        bound = smallest[k - 1];
        cutoff = Math.min(cutoff, bound + 2 * tolerance);
      }
    }
    const limit = bound + 2 * tolerance;
    best.fill(Infinity, at, at + k);
    indices.fill(-1, at, at + k);
    const last = at + k - 1;
    for (let n = 0; n < keptCount; n++) {
      const i = kept[n];
      if (keys[row + i] > limit) continue;
      const point = i * dimensions;
      let sum = 0;
      let d = 0;
      for (; d + 3 < dimensions; d += 4) {
        const a = query[offset + d] - points[point + d];
        const b = query[offset + d + 1] - points[point + d + 1];
        const c = query[offset + d + 2] - points[point + d + 2];
        const e = query[offset + d + 3] - points[point + d + 3];
        sum += a * a + b * b + c * c + e * e;
      }
      for (; d < dimensions; d++) {
        const a = query[offset + d] - points[point + d];
        sum += a * a;
      }
      if (sum >= best[last]) continue;
      // Insertion into the sorted k best; a tie keeps the earlier point first.
      let j = last;
      while (j > at && best[j - 1] > sum) {
        best[j] = best[j - 1];
        indices[j] = indices[j - 1];
        j--;
      }
      best[j] = sum;
      indices[j] = i;
    }
  }
}
