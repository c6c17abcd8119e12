// Exact k-nearest-neighbour search by brute force with partial distances: a candidate is dropped as soon
// as its running squared distance reaches the k-th best so far, which comes early when the coordinates
// are principal axes, largest variance first (lof-model.ts rotates them so). Trees do not help here: in
// the 56 standardised summary features of a window, a k-d tree (mnemonist's) visited 4,545 of 5,032
// points per query and ran 5x slower than this scan (docs/detectors.md has the figures).

export class NeighbourSearch {
  /** k nearest of the last search, nearest first: indices into the points and squared distances. */
  readonly indices: Int32Array;
  readonly squaredDistances: Float64Array;

  /** `points`: `count` rows of `dimensions` values, row-major. */
  constructor(
    readonly points: Float64Array,
    readonly count: number,
    readonly dimensions: number,
    readonly k: number,
  ) {
    if (k < 1 || k > count) throw new RangeError(`k must be between 1 and the ${count} points, got ${k}`);
    this.indices = new Int32Array(k);
    this.squaredDistances = new Float64Array(k);
  }

  /**
   * The k nearest points to the query at `query[offset..offset + dimensions)`, leaving out point
   * `exclude` (a training point's own row), into `indices` and `squaredDistances`.
   */
  search(query: ArrayLike<number>, offset: number, exclude = -1): void {
    const { points, count, dimensions, k, indices, squaredDistances: best } = this;
    best.fill(Infinity);
    indices.fill(-1);
    for (let i = 0; i < count; i++) {
      if (i === exclude) continue;
      const limit = best[k - 1];
      const row = i * dimensions;
      let sum = 0;
      let d = 0;
      // Four values between checks of the limit.
      for (; d + 3 < dimensions && sum < limit; d += 4) {
        const a = query[offset + d] - points[row + d];
        const b = query[offset + d + 1] - points[row + d + 1];
        const c = query[offset + d + 2] - points[row + d + 2];
        const e = query[offset + d + 3] - points[row + d + 3];
        sum += a * a + b * b + c * c + e * e;
      }
      if (sum >= limit) continue;
      for (; d < dimensions; d++) {
        const a = query[offset + d] - points[row + d];
        sum += a * a;
      }
      if (sum >= limit) continue;
      // Insertion into the sorted k best; a tie keeps the earlier point first.
      let j = k - 1;
      while (j > 0 && best[j - 1] > sum) {
        best[j] = best[j - 1];
        indices[j] = indices[j - 1];
        j--;
      }
      best[j] = sum;
      indices[j] = i;
    }
  }
}
