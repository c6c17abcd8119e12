// Scoring windows sent by clients: validate, reuse stored scores, score the rest in one batch with the
// version's detector, and persist windows and scores together (all or nothing).
import type { PrismaClient } from '@prisma/client';
import { isRepresentable, MAX_NORMALISED_MAGNITUDE, type Normalisation } from '../../domain/data/normalisation';
import { LOOK_BACK_CYCLES } from '../../domain/data/windows';
import { ErrorCode, notFound, ServiceError } from '../../platform/errors';
import type { LoadedModel, ModelRegistry, VersionSummary } from '../registry/model-registry';
import type { QueryExecutor } from '../../platform/db/migrations';
import { clientWindowHash, encodeValues, findScoresByHash, storeScoredWindows, type StoredScore } from './window-store';
import { reportScoringBatch, reportWindowsScored } from '../../platform/observability/events';
import type { DatasetService, VersionColumns } from '../datasets/dataset-service';

export const MAX_BATCH_WINDOWS = 1_000;

export interface SensorColumn {
  sensor: string;
  values: number[];
}

export interface WindowInput {
  values?: number[][] | null;
  /** With `values`: the operational settings of each row, for versions that normalise within operating regimes. */
  settings?: number[][] | null;
  /** Named sensor columns; they may include setting columns (setting1...) for versions with operating regimes. */
  columns?: SensorColumn[] | null;
  engineId?: number | null;
  endCycle?: number | null;
}

export interface SensorContribution {
  sensor: string;
  error: number;
  share: number;
  /** Mean signed residual over the window's last cycles; null for scores stored before it was recorded. */
  residual: number | null;
}

export interface ScoreResult {
  windowId: number;
  modelVersionId: number;
  score: number;
  threshold: number;
  isAnomaly: boolean;
  reconstructionError: number;
  contributions: SensorContribution[];
  engineId: number | null;
  endCycle: number | null;
  cached: boolean;
  scoredAt: Date;
}

/** A validated window: raw readings (windowLength x model sensors, row-major) and its identity. */
interface PreparedWindow {
  /** Every row given: the engine's earlier cycles, if any, then the window's (readingsOf). */
  raw: Float64Array;
  /** Those rows' settings (x settings, row-major), for a version with operating regimes; null otherwise. */
  settings: Float64Array | null;
  /** The window's own rows, as stored; the hash covers every row given, since earlier ones change a look-back's score. */
  encoded: Buffer;
  hash: string;
  engineId: number | null;
  endCycle: number | null;
}

function invalidWindow(index: number, message: string): ServiceError {
  return new ServiceError(ErrorCode.INVALID_WINDOW, `windows[${index}]: ${message}`, { index });
}

/**
 * Raw readings in the model's sensor order from either input form, each one finite and within what the
 * model can represent once normalised (see MAX_NORMALISED_MAGNITUDE); throws INVALID_WINDOW. The window
 * is the last windowLength rows; up to LOOK_BACK_CYCLES rows before them are its engine's earlier
 * cycles (read by a version that looks back, see LoadedModel.normalise). Named columns
 * must be sensors of `catalogue`, the sensor names of the version's data set, or its settings (`settingNames`,
 * read by settingsOf).
 */
export function readingsOf(
  input: WindowInput,
  index: number,
  version: Pick<VersionSummary, 'sensors' | 'windowLength'>,
  normalisation: Normalisation,
  catalogue: ReadonlySet<string>,
  settingNames: ReadonlySet<string> = new Set(),
): Float64Array {
  const { sensors, windowLength } = version;
  const hasValues = input.values != null;
  const hasColumns = input.columns != null;
  if (hasValues === hasColumns)
    throw invalidWindow(index, 'give either values (rows of readings) or columns (named sensors), not both or neither');
  const rowCount = (given: number, what: string): number => {
    if (given < windowLength || given > windowLength + LOOK_BACK_CYCLES) {
      throw invalidWindow(
        index,
        `${what} must hold ${windowLength} ${hasValues ? 'rows (one per cycle)' : 'readings'}, or up to ${windowLength + LOOK_BACK_CYCLES} ` +
          `with the engine's ${LOOK_BACK_CYCLES} earlier cycles first, got ${given}`,
      );
    }
    return given;
  };
  if (hasValues) {
    const rows = input.values!;
    const raw = new Float64Array(rowCount(rows.length, 'values') * sensors.length);
    rows.forEach((row, t) => {
      if (row.length !== sensors.length) {
        throw invalidWindow(index, `values[${t}] must hold ${sensors.length} readings (${sensors.join(', ')}), got ${row.length}`);
      }
      row.forEach((value, s) => (raw[t * sensors.length + s] = value));
    });
    return checkedReadings(raw, index, sensors, normalisation);
  }
  const byName = new Map<string, number[]>();
  for (const column of input.columns!) {
    if (settingNames.has(column.sensor)) continue;
    if (!catalogue.has(column.sensor)) {
      const known = [...catalogue];
      throw invalidWindow(
        index,
        `unknown sensor "${column.sensor}": the version's data set has ${known.slice(0, 30).join(', ')}${known.length > 30 ? ', ...' : ''}`,
      );
    }
    if (byName.has(column.sensor)) throw invalidWindow(index, `sensor ${column.sensor} is given twice`);
    byName.set(column.sensor, column.values);
  }
  const columns = sensors.map((sensor) => {
    const values = byName.get(sensor);
    if (!values) throw invalidWindow(index, `columns must include ${sensor} (the version reads ${sensors.join(', ')})`);
    return values;
  });
  const rows = rowCount(columns[0].length, `column ${sensors[0]}`);
  const raw = new Float64Array(rows * sensors.length);
  columns.forEach((values, s) => {
    if (values.length !== rows)
      throw invalidWindow(index, `column ${sensors[s]} must hold as many readings as ${sensors[0]} (${rows}), got ${values.length}`);
    values.forEach((value, t) => (raw[t * sensors.length + s] = value));
  });
  return checkedReadings(raw, index, sensors, normalisation);
}

/** The readings, refused (INVALID_WINDOW) when one is not finite or beyond what the model represents. */
function checkedReadings(raw: Float64Array, index: number, sensors: readonly string[], normalisation: Normalisation): Float64Array {
  const bad = raw.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    const t = Math.floor(bad / sensors.length);
    throw invalidWindow(index, `reading of ${sensors[bad % sensors.length]} at row ${t} is not a finite number`);
  }
  const extreme = raw.findIndex((value, position) => !isRepresentable(value, position % sensors.length, normalisation));
  if (extreme >= 0) {
    const s = extreme % sensors.length;
    throw invalidWindow(
      index,
      `reading of ${sensors[s]} at row ${Math.floor(extreme / sensors.length)} is ${raw[extreme]}, more than ${MAX_NORMALISED_MAGNITUDE} ` +
        `standard deviations from its healthy mean (${normalisation.mean[s]}): beyond what the model can represent; check the sensor's units`,
    );
  }
  return raw;
}

/**
 * The settings of every row (rowCount x settings, row-major: one row per row of readings) for a version that normalises within
 * operating regimes, from `settings` rows or named setting columns; null for other versions (settings
 * sent to them are not needed and ignored). Throws INVALID_WINDOW.
 */
export function settingsOf(
  input: WindowInput,
  index: number,
  rowCount: number,
  regimes: { settings: readonly string[] } | null,
): Float64Array | null {
  if (!regimes) return null;
  const names = regimes.settings;
  const settings = new Float64Array(rowCount * names.length);
  const needed = `this version normalises within operating regimes: give the settings of every row (${names.join(', ')})`;
  if (input.values != null) {
    const rows = input.settings;
    if (rows == null) throw invalidWindow(index, `${needed} as settings`);
    if (rows.length !== rowCount)
      throw invalidWindow(index, `settings must hold ${rowCount} rows (one per row of values), got ${rows.length}`);
    rows.forEach((row, t) => {
      if (row.length !== names.length)
        throw invalidWindow(index, `settings[${t}] must hold ${names.length} values (${names.join(', ')}), got ${row.length}`);
      row.forEach((value, s) => (settings[t * names.length + s] = value));
    });
  } else {
    names.forEach((name, s) => {
      const column = input.columns?.find((candidate) => candidate.sensor === name);
      if (!column) throw invalidWindow(index, `${needed} as columns; ${name} is missing`);
      if (column.values.length !== rowCount)
        throw invalidWindow(index, `column ${name} must hold ${rowCount} values (one per reading), got ${column.values.length}`);
      column.values.forEach((value, t) => (settings[t * names.length + s] = value));
    });
  }
  const bad = settings.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0)
    throw invalidWindow(index, `setting ${names[bad % names.length]} at row ${Math.floor(bad / names.length)} is not a finite number`);
  return settings;
}

/** Each sensor's error, share of the total and signed residual (empty residuals: unknown), worst first. */
export function contributionsOf(
  sensors: readonly string[],
  sensorErrors: ArrayLike<number>,
  recentResiduals: ArrayLike<number>,
): SensorContribution[] {
  let total = 0;
  for (let s = 0; s < sensors.length; s++) total += sensorErrors[s];
  const known = recentResiduals.length === sensors.length;
  return sensors
    .map((sensor, s) => ({
      sensor,
      error: sensorErrors[s],
      share: total > 0 ? sensorErrors[s] / total : 0,
      residual: known ? recentResiduals[s] : null,
    }))
    .sort((a, b) => b.error - a.error);
}

function fromStored(stored: StoredScore, version: VersionSummary, cached: boolean): ScoreResult {
  return {
    windowId: stored.windowId,
    modelVersionId: version.id,
    score: stored.score,
    threshold: stored.threshold,
    isAnomaly: stored.isAnomaly,
    reconstructionError: stored.reconstructionError,
    contributions: contributionsOf(version.sensors, stored.sensorErrors, stored.recentResiduals),
    engineId: stored.engineId,
    endCycle: stored.endCycle,
    cached,
    scoredAt: stored.createdAt,
  };
}

export interface BatchingOptions {
  /** Most windows in one shared pass (default 256). */
  maxBatch?: number;
  /**
   * Shared passes of one version in flight at once (default 2: one computing while the other waits on
   * the database). Single-window calls arriving while they are busy wait for the next pass.
   */
  maxPassesInFlight?: number;
}

interface PendingWindow {
  window: PreparedWindow;
  resolve(result: ScoreResult): void;
  reject(error: unknown): void;
}

/** Single-window calls of one version waiting for a pass, and the passes of that version in flight. */
interface VersionQueue {
  loaded: LoadedModel;
  waiting: PendingWindow[];
  inFlight: number;
  flushScheduled: boolean;
}

export class ScoringService {
  private readonly maxBatch: number;
  private readonly maxPassesInFlight: number;
  private readonly queues = new Map<number, VersionQueue>();

  constructor(
    private readonly prisma: PrismaClient,
    /** The database driver itself: scoring writes large arguments that Prisma serialises slowly. */
    private readonly query: QueryExecutor,
    private readonly registry: ModelRegistry,
    /** Named columns are checked against the sensor catalogue of the version's data set. */
    private readonly datasets: DatasetService,
    options: BatchingOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.maxPassesInFlight = options.maxPassesInFlight ?? 2;
  }

  /**
   * Scores one window. Concurrent calls for the same version share forward passes and writes (dynamic
   * batching without a fixed wait): a call arriving while the version's passes are all busy joins the
   * next pass, which starts as soon as one of them ends; an idle service starts a pass at once (after
   * the current event-loop turn, so that calls arriving together go together). Validation errors stay
   * per call.
   */
  async scoreWindow(input: WindowInput, modelVersionId?: number | null): Promise<ScoreResult> {
    const loaded = await this.registry.load(await this.registry.resolve(modelVersionId));
    const window = this.prepare(input, 0, loaded, await this.datasets.columnsOfVersion(loaded.version));
    await this.checkEngines([window]);
    return new Promise<ScoreResult>((resolve, reject) => {
      let queue = this.queues.get(loaded.version.id);
      if (!queue) {
        queue = { loaded, waiting: [], inFlight: 0, flushScheduled: false };
        this.queues.set(loaded.version.id, queue);
      }
      queue.waiting.push({ window, resolve, reject });
      this.scheduleFlush(queue);
    });
  }

  private scheduleFlush(queue: VersionQueue): void {
    if (queue.flushScheduled || queue.waiting.length === 0 || queue.inFlight >= this.maxPassesInFlight) return;
    queue.flushScheduled = true;
    setImmediate(() => {
      queue.flushScheduled = false;
      this.flush(queue);
    });
  }

  private flush(queue: VersionQueue): void {
    if (queue.waiting.length === 0 || queue.inFlight >= this.maxPassesInFlight) return;
    const items = queue.waiting.splice(0, this.maxBatch);
    queue.inFlight++;
    reportScoringBatch(items.length, 'dynamic'); // metrics hook
    this.score(
      queue.loaded,
      items.map((item) => item.window),
    )
      .then(
        (results) => items.forEach((item, index) => item.resolve(results[index])),
        (error) => items.forEach((item) => item.reject(error)),
      )
      .finally(() => {
        queue.inFlight--;
        if (queue.inFlight === 0 && queue.waiting.length === 0) this.queues.delete(queue.loaded.version.id);
        else this.scheduleFlush(queue);
      });
    this.scheduleFlush(queue);
  }

  /** Scores up to MAX_BATCH_WINDOWS windows with one version (default: the active one). */
  async scoreWindows(inputs: readonly WindowInput[], modelVersionId?: number | null): Promise<ScoreResult[]> {
    if (inputs.length === 0) throw new ServiceError(ErrorCode.BAD_USER_INPUT, 'give at least one window');
    if (inputs.length > MAX_BATCH_WINDOWS) {
      throw new ServiceError(
        ErrorCode.BATCH_TOO_LARGE,
        `at most ${MAX_BATCH_WINDOWS} windows can be scored in one call, got ${inputs.length}`,
        {
          limit: MAX_BATCH_WINDOWS,
        },
      );
    }
    const loaded = await this.registry.load(await this.registry.resolve(modelVersionId));
    const columns = await this.datasets.columnsOfVersion(loaded.version);
    const prepared = inputs.map((input, index) => this.prepare(input, index, loaded, columns));
    await this.checkEngines(prepared);
    reportScoringBatch(prepared.length, 'request'); // metrics hook
    return this.score(loaded, prepared);
  }

  private prepare(input: WindowInput, index: number, loaded: LoadedModel, columns: VersionColumns): PreparedWindow {
    const { version } = loaded;
    const raw = readingsOf(input, index, version, loaded.normalisation, columns.sensorNames, columns.settingNames);
    const settings = settingsOf(input, index, raw.length / version.sensors.length, loaded.regimes);
    const engineId = input.engineId ?? null;
    const endCycle = input.endCycle ?? null;
    if ((engineId === null) !== (endCycle === null)) throw invalidWindow(index, 'engineId and endCycle go together: give both or neither');
    if (endCycle !== null && (!Number.isInteger(endCycle) || endCycle < version.windowLength)) {
      throw invalidWindow(index, `endCycle must be an integer of at least ${version.windowLength} (the window length), got ${endCycle}`);
    }
    const windowSize = version.windowLength * version.sensors.length;
    const encoded = encodeValues(raw.subarray(raw.length - windowSize));
    const hash = clientWindowHash(
      { sensors: version.sensors, values: raw, length: version.windowLength, engineId, endCycle, settings },
      raw.length === windowSize ? encoded : encodeValues(raw),
    );
    return { raw, settings, encoded, hash, engineId, endCycle };
  }

  private async checkEngines(prepared: readonly PreparedWindow[]): Promise<void> {
    const ids = [...new Set(prepared.map((window) => window.engineId).filter((id): id is number => id !== null))];
    if (ids.length === 0) return;
    const found = await this.prisma.engine.findMany({ where: { id: { in: ids } }, select: { id: true } });
    const known = new Set(found.map((engine) => engine.id));
    const missing = ids.find((id) => !known.has(id));
    if (missing !== undefined) throw notFound('engine', missing);
  }

  private async score(loaded: LoadedModel, prepared: readonly PreparedWindow[]): Promise<ScoreResult[]> {
    const { version } = loaded;
    const stored = await findScoresByHash(
      this.query,
      version.id,
      prepared.map((window) => window.hash),
    );
    const results = new Map<string, ScoreResult>();
    for (const [hash, score] of stored) results.set(hash, fromStored(score, version, true));
    const toCompute = [...new Map(prepared.filter((window) => !stored.has(window.hash)).map((window) => [window.hash, window])).values()];
    if (toCompute.length > 0) {
      const { scores, raw, contributions, directions } = await loaded.detector.score(
        loaded.normalise(
          toCompute.map((window) => window.raw),
          toCompute.map((window) => window.settings ?? new Float64Array(0)),
        ),
      );
      const features = version.sensors.length;
      const scored = toCompute.map((window, index) => ({
        contentHash: window.hash,
        engineId: window.engineId,
        endCycle: window.endCycle,
        values: window.encoded,
        reconstructionError: raw[index],
        score: scores[index],
        isAnomaly: scores[index] > version.threshold,
        sensorErrors: contributions.subarray(index * features, (index + 1) * features),
        recentResiduals: directions ? directions.subarray(index * features, (index + 1) * features) : [],
      }));
      const written = await storeScoredWindows(
        this.query,
        version,
        { source: 'CLIENT', length: version.windowLength, sensors: version.sensors },
        scored,
      );
      for (const window of scored) {
        const { windowId, createdAt } = written.get(window.contentHash)!;
        // createdAt is null when a concurrent call stored the same window first: same model, same score.
        results.set(window.contentHash, {
          windowId,
          modelVersionId: version.id,
          score: window.score,
          threshold: version.threshold,
          isAnomaly: window.isAnomaly,
          reconstructionError: window.reconstructionError,
          contributions: contributionsOf(version.sensors, window.sensorErrors, window.recentResiduals),
          engineId: window.engineId,
          endCycle: window.endCycle,
          cached: createdAt === null,
          scoredAt: createdAt ?? new Date(),
        });
      }
    }
    const output = prepared.map((window) => results.get(window.hash)!);
    reportWindowsScored(version.id, output); // metrics hook
    return output;
  }
}
