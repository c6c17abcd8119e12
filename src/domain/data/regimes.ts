// Operating regimes: engines that fly at several operating conditions (altitude, Mach number, throttle)
// read very different sensor values in each, and those differences dwarf the drift that degradation
// causes. The conditions are set points, so the operational settings of all rows form a few tight
// clusters (six on C-MAPSS FD002 and FD004). A regime model finds them with k-means on the standardised
// settings of the training engines, and each sensor is then normalised within its row's regime with the
// mean and std of the healthy training rows of that regime.
//
// Automatic detection: the smallest k (up to MAX_REGIMES) whose clusters leave at most
// 1 - MIN_EXPLAINED_DISPERSION of the settings' dispersion within clusters. On FD002 and FD004 the
// within-cluster share is 0.44, 0.10, 0.035, 0.007 for k = 2..5 and 0.00000 at k = 6, so six regimes;
// on FD001 and FD003 (one condition, the settings are noise) it stays above 0.16 up to k = 8: one regime,
// and the pipeline is exactly the single-condition one (no regime model at all).
import { kmeans } from 'ml-kmeans';
import { DataError } from './errors';
import type { EngineSeries } from './series';
import { ZERO_STD_RELATIVE_TOLERANCE } from './normalisation';
import { columnStats } from './stats';

export const MAX_REGIMES = 10;
/** Share of the settings' dispersion the clusters must explain to count as operating regimes. */
export const MIN_EXPLAINED_DISPERSION = 0.999;
/** k-means restarts per k (kmeans++ seeds): the best by within-cluster dispersion is kept. */
const RESTARTS = 3;
/**
 * Rows clustered at most, evenly spaced through the data: tight clusters of set points are found as well
 * on a sample, and a single noisy condition is told apart in a fraction of the time (FD001: 6.9 s on
 * every training row against ~0.4 s).
 */
const MAX_CLUSTERED_ROWS = 2_000;

export interface RegimeClusters {
  /** Standardisation of the settings before clustering: (value - centre) / scale. */
  centre: number[];
  scale: number[];
  /** One centroid per regime, in standardised settings. */
  centroids: number[][];
  /** Share of the settings' dispersion left within the clusters (0: perfectly tight). */
  withinShare: number;
}

export interface RegimeModel extends RegimeClusters {
  /** Per regime, one entry per selected sensor (feature order): mean and std over that regime's healthy training rows. */
  mean: number[][];
  std: number[][];
  /** Healthy training rows each regime's statistics rest on. */
  rows: number[];
}

export type RegimeRequest = { mode: 'auto' } | { mode: 'off' } | { mode: 'fixed'; count: number };

function standardise(rows: readonly (readonly number[])[]): { centre: number[]; scale: number[]; points: number[][] } {
  const width = rows[0].length;
  const centre: number[] = [];
  const scale: number[] = [];
  for (let column = 0; column < width; column++) {
    const { mean, std } = columnStats(rows, column);
    centre.push(mean);
    // A setting that never changes carries no regime information: centred, not scaled.
    scale.push(std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1);
  }
  const points = rows.map((row) => row.map((value, column) => (value - centre[column]) / scale[column]));
  return { centre, scale, points };
}

function dispersion(points: readonly number[][], centroids: readonly number[][], clusters: readonly number[]): number {
  let total = 0;
  points.forEach((point, index) => {
    const centroid = centroids[clusters[index]];
    for (let d = 0; d < point.length; d++) total += (point[d] - centroid[d]) ** 2;
  });
  return total;
}

function bestClustering(points: number[][], k: number, seed: number): { centroids: number[][]; clusters: number[]; within: number } {
  let best: { centroids: number[][]; clusters: number[]; within: number } | null = null;
  for (let restart = 0; restart < RESTARTS; restart++) {
    const result = kmeans(points, k, { initialization: 'kmeans++', seed: seed * 1000 + restart, maxIterations: 300 });
    const within = dispersion(points, result.centroids, result.clusters);
    if (!best || within < best.within) best = { centroids: result.centroids, clusters: result.clusters, within };
  }
  return best!;
}

/**
 * The operating regimes of the rows' settings (one row of settings per cycle): null when the request is
 * 'off', or when 'auto' finds a single condition.
 */
export function detectRegimes(settingRows: readonly (readonly number[])[], request: RegimeRequest, seed = 0): RegimeClusters | null {
  if (request.mode === 'off') return null;
  if (settingRows.length === 0 || settingRows[0].length === 0) {
    if (request.mode === 'fixed') throw new DataError('operating regimes need setting columns, and this data set has none');
    return null;
  }
  const step = Math.max(1, settingRows.length / MAX_CLUSTERED_ROWS);
  const sample = Array.from({ length: Math.min(settingRows.length, MAX_CLUSTERED_ROWS) }, (_, index) => settingRows[Math.floor(index * step)]);
  const { centre, scale, points } = standardise(sample);
  const centroid = centre.map(() => 0);
  const total = dispersion(
    points,
    [centroid],
    points.map(() => 0),
  );
  const clusterWith = (k: number): RegimeClusters => {
    const { centroids, within } = bestClustering(points, k, seed);
    return { centre, scale, centroids, withinShare: total > 0 ? within / total : 0 };
  };
  if (request.mode === 'fixed') {
    if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_REGIMES) {
      throw new DataError(`the number of regimes must be an integer from 1 to ${MAX_REGIMES}, got ${request.count}`);
    }
    if (request.count > points.length) throw new DataError(`${request.count} regimes need at least as many rows, got ${settingRows.length}`);
    return clusterWith(request.count);
  }
  if (total === 0) return null;
  for (let k = 2; k <= Math.min(MAX_REGIMES, points.length); k++) {
    const clusters = clusterWith(k);
    if (clusters.withinShare <= 1 - MIN_EXPLAINED_DISPERSION) return clusters;
  }
  return null;
}

/** The regime of one row of settings: the nearest centroid in standardised settings. */
export function regimeOf(clusters: RegimeClusters, settings: ArrayLike<number>): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let regime = 0; regime < clusters.centroids.length; regime++) {
    const centroid = clusters.centroids[regime];
    let distance = 0;
    for (let d = 0; d < centroid.length; d++) distance += ((settings[d] - clusters.centre[d]) / clusters.scale[d] - centroid[d]) ** 2;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = regime;
    }
  }
  return best;
}

/** The settings of every cycle of the engines (the rows regimes are detected on). */
export function settingRowsOf(series: readonly EngineSeries[]): number[][] {
  return series.flatMap((engine) => engine.settings);
}

/**
 * The engines with every reading replaced by its deviation from its regime's mean over the healthy rows
 * (RUL > healthyRul) of `reference`: what is left once the operating condition is taken out, to choose
 * informative sensors on. Every sensor of a reading is centred.
 */
export function withinRegimeSeries(series: readonly EngineSeries[], clusters: RegimeClusters, healthyRul: number): EngineSeries[] {
  const regimes = series.map((engine) => engine.settings.map((settings) => regimeOf(clusters, settings)));
  const width = series[0]?.readings[0]?.length ?? 0;
  const sums = clusters.centroids.map(() => new Float64Array(width));
  const counts = clusters.centroids.map(() => 0);
  series.forEach((engine, e) => {
    engine.readings.forEach((reading, r) => {
      if (engine.rul === null || engine.rul[r] <= healthyRul) return;
      const regime = regimes[e][r];
      counts[regime]++;
      for (let s = 0; s < width; s++) sums[regime][s] += reading[s];
    });
  });
  const means = sums.map((sum, regime) => Array.from(sum, (value) => (counts[regime] > 0 ? value / counts[regime] : 0)));
  return series.map((engine, e) => ({
    ...engine,
    readings: engine.readings.map((reading, r) => reading.map((value, s) => value - means[regimes[e][r]][s])),
  }));
}

/**
 * The regime model: per regime, the mean and population std of each selected sensor over the healthy
 * rows (RUL > healthyRul) of the training engines, with the zero-std rule of ./normalisation.ts (a sensor
 * constant within a regime is centred, not scaled). Every regime needs healthy training rows.
 */
export function fitRegimeModel(
  series: readonly EngineSeries[],
  clusters: RegimeClusters,
  sensorIndices: readonly number[],
  healthyRul: number,
): RegimeModel {
  const rowsByRegime: number[][][] = clusters.centroids.map(() => []);
  for (const engine of series) {
    const { settings } = engine;
    if (engine.rul === null) throw new DataError(`engine ${engine.engineId} has no RUL, so its healthy cycles are unknown`);
    engine.readings.forEach((reading, r) => {
      if (engine.rul![r] > healthyRul) rowsByRegime[regimeOf(clusters, settings[r])].push(reading as number[]);
    });
  }
  const empty = rowsByRegime.findIndex((rows) => rows.length === 0);
  if (empty >= 0) {
    throw new DataError(
      `operating regime ${empty + 1} of ${clusters.centroids.length} has no healthy training rows (RUL > ${healthyRul}): ` +
        'train on more engines, or ask for fewer regimes',
    );
  }
  const mean: number[][] = [];
  const std: number[][] = [];
  for (const rows of rowsByRegime) {
    const stats = sensorIndices.map((index) => columnStats(rows, index));
    mean.push(stats.map((stat) => stat.mean));
    std.push(stats.map((stat) => (stat.std <= ZERO_STD_RELATIVE_TOLERANCE * Math.max(1, Math.abs(stat.mean)) ? 1 : stat.std)));
  }
  return { ...clusters, mean, std, rows: rowsByRegime.map((rows) => rows.length) };
}
