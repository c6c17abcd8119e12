// The isolation forest of Liu, Ting and Zhou (2008), grown and scored the way scikit-learn's
// IsolationForest does (sklearn/ensemble/_iforest.py with its ExtraTreeRegressor(max_features=1,
// splitter='random')): each tree isolates a sample of psi rows drawn without replacement, splitting a node
// on a feature drawn uniformly among those not constant in it, at a threshold drawn uniformly between
// their minimum and maximum there (x <= threshold goes left), down to a depth of ceil(log2 psi). A row's
// path length in a tree is the depth of the leaf it reaches plus c(rows of the training sample in that
// leaf), the expected depth still needed to isolate it among them; its score is 2^(-E[h] / c(psi)).
import seedrandom from 'seedrandom';

/** scikit-learn's FEATURE_THRESHOLD: a feature whose range in a node is no wider is constant there. */
const FEATURE_THRESHOLD = 1e-7;
const EULER_GAMMA = 0.5772156649015329;

/**
 * c(n): the average path length of an unsuccessful search in a binary search tree of n keys, which is the
 * expected depth at which a random split tree isolates a point among n (scikit-learn's
 * _average_path_length: 0 for n <= 1, 1 for n = 2, else 2 (ln(n - 1) + gamma) - 2 (n - 1) / n).
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

export interface Forest {
  trees: number;
  /** Rows each tree was grown on (psi): min(sampleSize, training rows). */
  sampleSize: number;
  /** Features of a row. */
  width: number;
  /** [trees] each tree's root node. */
  roots: Int32Array;
  /** Per node: the feature it splits on, -1 for a leaf. */
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Per leaf: its depth + c(training rows in it). */
  leafPathLength: Float64Array;
}

export interface ForestOptions {
  trees: number;
  sampleSize: number;
  seed: number;
}

/** Grows a forest on `count` rows of `width` features (row-major). */
export function growForest(rows: ArrayLike<number>, count: number, width: number, options: ForestOptions, signal?: AbortSignal): Forest {
  const psi = Math.min(options.sampleSize, count);
  const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
  const random = seedrandom.alea(String(options.seed));
  const capacity = options.trees * (2 * psi - 1);
  const feature = new Int32Array(capacity);
  const threshold = new Float64Array(capacity);
  const left = new Int32Array(capacity);
  const right = new Int32Array(capacity);
  const leafPathLength = new Float64Array(capacity);
  const roots = new Int32Array(options.trees);
  const pool = Int32Array.from({ length: count }, (_, i) => i);
  const sample = new Int32Array(psi);
  const featureOrder = Int32Array.from({ length: width }, (_, f) => f);
  // Pending nodes: [node, first sample, end sample, depth].
  const stack: number[] = [];
  let nodes = 0;

  for (let tree = 0; tree < options.trees; tree++) {
    signal?.throwIfAborted();
    // A partial Fisher-Yates shuffle of the pool draws psi rows without replacement.
    for (let i = 0; i < psi; i++) {
      const j = i + Math.floor(random() * (count - i));
      const swap = pool[i];
      pool[i] = pool[j];
      pool[j] = swap;
      sample[i] = pool[i];
    }
    roots[tree] = nodes++;
    stack.push(roots[tree], 0, psi, 0);
    while (stack.length > 0) {
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const node = stack.pop()!;
      const size = end - start;
      let split = -1;
      let low = 0;
      let high = 0;
      if (depth < maxDepth && size > 1) {
        // Features in random order until one is not constant among the node's rows.
        for (let i = 0; i < width && split < 0; i++) {
          const j = i + Math.floor(random() * (width - i));
          const f = featureOrder[j];
          featureOrder[j] = featureOrder[i];
          featureOrder[i] = f;
          low = Infinity;
          high = -Infinity;
          for (let k = start; k < end; k++) {
            const value = rows[sample[k] * width + f];
            if (value < low) low = value;
            if (value > high) high = value;
          }
          if (high > low + FEATURE_THRESHOLD) split = f;
        }
      }
      if (split < 0) {
        feature[node] = -1;
        leafPathLength[node] = depth + averagePathLength(size);
        continue;
      }
      let cut = low + (high - low) * random();
      if (cut === high) cut = low;
      // Rows <= cut to the front.
      let middle = start;
      for (let k = start; k < end; k++) {
        if (rows[sample[k] * width + split] <= cut) {
          const swap = sample[k];
          sample[k] = sample[middle];
          sample[middle] = swap;
          middle++;
        }
      }
      feature[node] = split;
      threshold[node] = cut;
      left[node] = nodes++;
      right[node] = nodes++;
      stack.push(right[node], middle, end, depth + 1, left[node], start, middle, depth + 1);
    }
  }
  return {
    trees: options.trees,
    sampleSize: psi,
    width,
    roots,
    feature: feature.slice(0, nodes),
    threshold: threshold.slice(0, nodes),
    left: left.slice(0, nodes),
    right: right.slice(0, nodes),
    leafPathLength: leafPathLength.slice(0, nodes),
  };
}

export interface ForestScores {
  /** 2^(-E[h] / c(psi)), in (0, 1]: higher is more anomalous, about 0.5 and below is ordinary. */
  scores: Float64Array;
  /** E[h], the mean path length over the trees. */
  pathLengths: Float64Array;
  /** [count, sensors] see scoreForest. */
  contributions: Float32Array;
}

/**
 * Scores `count` rows (row r's features at rows[r * stride + f]). Contributions, DIFFI-like (Carletti et
 * al.'s depth-based isolation feature importance, simplified): every split on a row's path counts
 * 1 / (depth + 1), splits near the root weighing most as they separate the bulk of the healthy sample;
 * feature f belongs to sensor f % sensors; a sensor's contribution is its share of the counts, times the
 * score (so the contributions add up to the score).
 */
export function scoreForest(forest: Forest, rows: ArrayLike<number>, count: number, stride: number, sensors: number): ForestScores {
  const { trees, roots, feature, threshold, left, right, leafPathLength } = forest;
  const normaliser = averagePathLength(forest.sampleSize);
  const scores = new Float64Array(count);
  const pathLengths = new Float64Array(count);
  const contributions = new Float32Array(count * sensors);
  const weights = new Float64Array(sensors);
  for (let r = 0; r < count; r++) {
    const offset = r * stride;
    weights.fill(0);
    let total = 0;
    let pathSum = 0;
    for (let t = 0; t < trees; t++) {
      let node = roots[t];
      let depth = 0;
      while (feature[node] >= 0) {
        const f = feature[node];
        const weight = 1 / (depth + 1);
        weights[f % sensors] += weight;
        total += weight;
        node = rows[offset + f] <= threshold[node] ? left[node] : right[node];
        depth++;
      }
      pathSum += leafPathLength[node];
    }
    const meanPath = pathSum / trees;
    const score = Math.pow(2, -meanPath / normaliser);
    scores[r] = score;
    pathLengths[r] = meanPath;
    if (total > 0) for (let s = 0; s < sensors; s++) contributions[r * sensors + s] = (score * weights[s]) / total;
  }
  return { scores, pathLengths, contributions };
}
