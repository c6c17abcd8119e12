// Score trajectories of stored engines: the score of every window along an engine's life under one model
// version. Windows are scored once per version and stored; later reads come from the stored scores.
import type { Engine, PrismaClient } from '@prisma/client';
import { MAX_STORED_INTEGER } from '../../domain/data/cmapss';
import { clampToRepresentable, isRepresentable, MAX_NORMALISED_MAGNITUDE } from '../../domain/data/normalisation';
import type { EngineSeries } from '../../domain/data/series';
import { sensorIndices, UnknownSensorError } from '../../domain/data/sensors';
import { LOOK_BACK_CYCLES, slidingWindows } from '../../domain/data/windows';
import { windowBatch, type WindowScores } from '../../detectors/detector';
import { badInput, ErrorCode, ServiceError } from '../../platform/errors';
import { UNLIMITED_SCORING, type ScoringBudget } from '../../platform/graphql/scoring-budget';
import { loadSeries, rulOf } from '../engines/engine-series';
import type { AppendPlan, EngineService } from '../engines/engine-service';
import type { LoadedModel, ModelRegistry } from '../registry/model-registry';
import type { QueryExecutor } from '../../platform/db/migrations';
import { storeEngineWindowScores, transactionExecutor } from './window-store';
import { contributionsOf, type SensorContribution } from './scoring-service';
import type { AlertNotifier } from '../alerts/alert-notifier';
import type { AlertedVersion } from '../alerts/alert-store';

export interface TrajectoryPoint {
  /** Cache key for clients: "engineId:modelVersionId:endCycle". */
  id: string;
  /** The window's engine and scoring version: what its contributions are read by. */
  engineId: number;
  modelVersionId: number;
  endCycle: number;
  score: number;
  reconstructionError: number;
  isAnomaly: boolean;
  /** Remaining useful life at the window's last cycle, when known. */
  rul: number | null;
}

export interface Trajectory {
  /** Cache key for clients: engine, version and the range asked, so that two ranges never overwrite each other. */
  id: string;
  engineId: number;
  modelVersionId: number;
  threshold: number;
  windowLength: number;
  points: TrajectoryPoint[];
  /** End cycles of the flagged windows. */
  flaggedCycles: number[];
  firstFlaggedCycle: number | null;
}

/** A trajectory's cache key: engine, version and the range of end cycles asked (an open end left empty). */
function trajectoryId(engineId: number, modelVersionId: number, fromCycle?: number | null, toCycle?: number | null): string {
  return `${engineId}:${modelVersionId}:${fromCycle ?? ''}-${toCycle ?? ''}`;
}

function pointId(engineId: number, modelVersionId: number, endCycle: number): string {
  return `${engineId}:${modelVersionId}:${endCycle}`;
}

interface ScoredRow {
  end_cycle: number;
  score: number;
  reconstruction_error: number;
  is_anomaly: boolean;
}

/** The positions of a version's sensors in an engine's catalogue; BAD_USER_INPUT when the engine lacks one. */
function versionSensorIndices(catalogue: readonly string[], sensors: readonly string[], engineId: number): number[] {
  try {
    return sensorIndices(catalogue, sensors);
  } catch (error) {
    if (error instanceof UnknownSensorError) {
      throw badInput(
        `engine ${engineId} has no sensor "${error.sensor}", which the version reads: score it with a version of its data set`,
      );
    }
    throw error;
  }
}

/** The first cycle to read for windows ending at `firstEnd` or later: their own cycles and the look-back before them. */
function historyStart(firstEnd: number, windowLength: number): number {
  return Math.max(1, firstEnd - windowLength + 1 - LOOK_BACK_CYCLES);
}

/** The series with every non-finite stored reading replaced by the largest finite one of its sign (NaN: positive). */
function withFiniteReadings(series: EngineSeries): EngineSeries {
  if (series.readings.every((reading) => reading.every(Number.isFinite))) return series;
  const extreme = (value: number) => (Number.isFinite(value) ? value : value < 0 ? -Number.MAX_VALUE : Number.MAX_VALUE);
  return { ...series, readings: series.readings.map((reading) => reading.map(extreme)) };
}

/** The scores of the windows an append completes, computed before anything is written. */
export interface AppendScores {
  trajectory: Trajectory;
  /** Stores those windows and scores (inside the append's transaction). */
  store(query: QueryExecutor): Promise<void>;
}

function invalidReading(cycle: number, sensor: number, name: string, value: number, mean: number): ServiceError {
  return new ServiceError(
    ErrorCode.INVALID_WINDOW,
    `cycles[${cycle}].sensors[${sensor}] (${name}) is ${value}, more than ${MAX_NORMALISED_MAGNITUDE} standard deviations ` +
      `from its healthy mean (${mean}): beyond what the model can represent; check the sensor's units`,
    { cycle, sensor },
  );
}

/** Windows ending within [fromCycle, toCycle] (either bound optional). */
export interface CycleWindowRange {
  fromCycle?: number | null;
  toCycle?: number | null;
}

/** Most windows one trajectory read returns. */
export const MAX_TRAJECTORY_POINTS = 20_000;

// As an append's: storing a long engine's scores with its alerts takes a few seconds on a busy machine.
const SCORING_TRANSACTION = { timeout: 60_000, maxWait: 10_000 };

export class TrajectoryService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly query: QueryExecutor,
    private readonly engines: EngineService,
    private readonly registry: ModelRegistry,
    private readonly alertNotifier: AlertNotifier,
  ) {}

  /**
   * The trajectory of an engine under a version (default: the active one), scoring what is missing
   * first (charged to `budget`); `range` keeps only windows ending within it. At most
   * MAX_TRAJECTORY_POINTS windows are read at once.
   */
  async trajectory(
    engineId: number,
    modelVersionId?: number | null,
    range: CycleWindowRange = {},
    budget: ScoringBudget = UNLIMITED_SCORING,
  ): Promise<Trajectory> {
    const { fromCycle, toCycle } = range;
    for (const [name, value] of [
      ['fromCycle', fromCycle],
      ['toCycle', toCycle],
    ] as const) {
      if (value != null && (!Number.isInteger(value) || value < 1)) throw badInput(`${name} must be a positive integer, got ${value}`);
    }
    if (fromCycle != null && toCycle != null && fromCycle > toCycle) {
      throw badInput(`fromCycle (${fromCycle}) must not exceed toCycle (${toCycle})`);
    }
    const engine = await this.engines.get(engineId);
    const loaded = await this.registry.load(await this.registry.resolve(modelVersionId));
    await this.ensureScored(engine, loaded, budget);
    const rows = await this.query<ScoredRow>(
      `SELECT s.end_cycle, s.score, s.reconstruction_error, s.is_anomaly
         FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'ENGINE' AND w.length = $3
        WHERE s.model_version_id = $1 AND s.engine_id = $2 AND s.end_cycle >= $4 AND s.end_cycle <= $5
        ORDER BY s.end_cycle LIMIT $6`,
      [loaded.version.id, engine.id, loaded.version.windowLength, fromCycle ?? 0, toCycle ?? MAX_STORED_INTEGER, MAX_TRAJECTORY_POINTS + 1],
    );
    return this.toTrajectory(engine, loaded, rows, fromCycle, toCycle);
  }

  /**
   * The whole trajectories of `engines` under one version (default: the active one), each as
   * `trajectory` gives it, or its error: a fleet page's read. What is already scored and alerted (the
   * usual case) costs two queries for all the engines, not four per engine.
   */
  async trajectories(
    engines: readonly Engine[],
    modelVersionId?: number | null,
    budget: ScoringBudget = UNLIMITED_SCORING,
  ): Promise<(Trajectory | Error)[]> {
    const loaded = await this.registry.load(await this.registry.resolve(modelVersionId));
    const { version } = loaded;
    const ids = engines.map((engine) => engine.id);
    // An array literal as one text parameter (integers from storage), as window-store passes arrays.
    const idList = `{${ids.join(',')}}`;
    const states = await this.query<{ engine_id: number; stored: number; unalerted: boolean }>(
      `SELECT e.id AS engine_id,
              (SELECT count(*)::int FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'ENGINE' AND w.length = $3
                WHERE s.model_version_id = $1 AND s.engine_id = e.id) AS stored,
              EXISTS (SELECT 1 FROM scores WHERE model_version_id = $1 AND engine_id = e.id AND is_anomaly)
                AND NOT EXISTS (SELECT 1 FROM alerts WHERE model_version_id = $1 AND engine_id = e.id) AS unalerted
         FROM unnest($2::int[]) AS e(id)`,
      [version.id, idList, version.windowLength],
    );
    const state = new Map(states.map((row) => [row.engine_id, row]));
    // Engines not wholly scored or alerted yet take the one-engine path, one after the other (scoring
    // charges the request's budget in turn).
    for (const engine of engines) {
      const { stored, unalerted } = state.get(engine.id)!;
      if (stored < Math.max(0, engine.lastCycle - version.windowLength + 1) || unalerted) await this.ensureScored(engine, loaded, budget);
    }
    const rows = await this.query<ScoredRow & { engine_id: number }>(
      `SELECT s.engine_id, s.end_cycle, s.score, s.reconstruction_error, s.is_anomaly
         FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'ENGINE' AND w.length = $3
        WHERE s.model_version_id = $1 AND s.engine_id = ANY($2::int[])
        ORDER BY s.engine_id, s.end_cycle`,
      [version.id, idList, version.windowLength],
    );
    const byEngine = new Map<number, ScoredRow[]>(ids.map((id) => [id, []]));
    for (const row of rows) byEngine.get(row.engine_id)!.push(row);
    return engines.map((engine) => {
      try {
        return this.toTrajectory(engine, loaded, byEngine.get(engine.id)!);
      } catch (error) {
        return error as Error;
      }
    });
  }

  private toTrajectory(
    engine: Engine,
    loaded: LoadedModel,
    rows: ScoredRow[],
    fromCycle?: number | null,
    toCycle?: number | null,
  ): Trajectory {
    if (rows.length > MAX_TRAJECTORY_POINTS) {
      throw new ServiceError(
        ErrorCode.BATCH_TOO_LARGE,
        `engine ${engine.id} has more than ${MAX_TRAJECTORY_POINTS} windows in the range asked: read them in parts with fromCycle and toCycle`,
        { limit: MAX_TRAJECTORY_POINTS },
      );
    }
    const ruls = rulOf(
      engine,
      rows.map((row) => row.end_cycle),
    );
    const points = rows.map((row, index) => ({
      id: pointId(engine.id, loaded.version.id, row.end_cycle),
      engineId: engine.id,
      modelVersionId: loaded.version.id,
      endCycle: row.end_cycle,
      score: row.score,
      reconstructionError: row.reconstruction_error,
      isAnomaly: row.is_anomaly,
      rul: ruls?.[index] ?? null,
    }));
    const flaggedCycles = points.filter((point) => point.isAnomaly).map((point) => point.endCycle);
    return {
      id: trajectoryId(engine.id, loaded.version.id, fromCycle, toCycle),
      engineId: engine.id,
      modelVersionId: loaded.version.id,
      threshold: loaded.version.threshold,
      windowLength: loaded.version.windowLength,
      points,
      flaggedCycles,
      firstFlaggedCycle: flaggedCycles[0] ?? null,
    };
  }

  /**
   * The stored per-sensor contributions of trajectory points (engine windows), in the order asked: one
   * range scan per engine and version (the trajectory's index). A point whose score is not stored gets
   * none (trajectory points are read from storage, so there is none).
   */
  async contributionsOfPoints(
    points: readonly Pick<TrajectoryPoint, 'engineId' | 'modelVersionId' | 'endCycle'>[],
  ): Promise<SensorContribution[][]> {
    const versionIds = [...new Set(points.map((point) => point.modelVersionId))];
    const versions = new Map(
      (
        await this.prisma.modelVersion.findMany({
          where: { id: { in: versionIds } },
          select: { id: true, sensors: true, windowLength: true },
        })
      ).map((version) => [version.id, version]),
    );
    const groups = new Map<string, { engineId: number; modelVersionId: number; endCycles: number[] }>();
    for (const point of points) {
      const key = `${point.engineId}:${point.modelVersionId}`;
      const group = groups.get(key) ?? { engineId: point.engineId, modelVersionId: point.modelVersionId, endCycles: [] };
      group.endCycles.push(point.endCycle);
      groups.set(key, group);
    }
    const found = new Map<string, SensorContribution[]>();
    for (const group of groups.values()) {
      const version = versions.get(group.modelVersionId);
      if (!version) continue;
      const rows = await this.query<{ end_cycle: number; sensor_errors: number[]; recent_residuals: number[] | null }>(
        `SELECT s.end_cycle, s.sensor_errors, s.recent_residuals
           FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'ENGINE' AND w.length = $3
          WHERE s.model_version_id = $1 AND s.engine_id = $2 AND s.end_cycle >= $4 AND s.end_cycle <= $5`,
        [version.id, group.engineId, version.windowLength, Math.min(...group.endCycles), Math.max(...group.endCycles)],
      );
      for (const row of rows) {
        found.set(
          pointId(group.engineId, version.id, row.end_cycle),
          contributionsOf(version.sensors, row.sensor_errors, row.recent_residuals ?? []),
        );
      }
    }
    return points.map((point) => found.get(pointId(point.engineId, point.modelVersionId, point.endCycle)) ?? []);
  }

  /**
   * Every window (stride 1) of `series` ending at `fromCycle` or later under `loaded`, normalised, clamped to
   * what the model represents, and scored. The series starts LOOK_BACK_CYCLES before the first window
   * (or at the engine's first cycle): what the windows' earlier readings are read from.
   */
  private async scoreSeries(
    series: EngineSeries,
    loaded: LoadedModel,
    fromCycle: number,
  ): Promise<{ endCycles: number[]; scored: WindowScores }> {
    const { version } = loaded;
    const windows = slidingWindows([withFiniteReadings(series)], {
      length: version.windowLength,
      stride: 1,
      fromCycle,
      sensors: versionSensorIndices(series.sensorNames, version.sensors, series.engineId),
      normalisation: loaded.normalisation,
      regimes: loaded.regimes,
      keep: () => true,
    });
    // Readings stored before they could be checked against this version (appended without scoring, or
    // before the check existed) score as the extreme windows they are, never as NaN or an error.
    clampToRepresentable(windows.x);
    const scored = await loaded.detector.score(windowBatch(windows));
    return { endCycles: windows.endCycles, scored };
  }

  /**
   * Scores the windows that the cycles of `plan` complete (with the engine's stored cycles before them)
   * under `loaded`, without writing anything: readings the model cannot represent are refused here
   * (INVALID_WINDOW naming the cycle and the sensor), before the append stores anything.
   */
  async scoreAppend(plan: AppendPlan, loaded: LoadedModel): Promise<AppendScores> {
    const { version, normalisation } = loaded;
    const { engine, numbers } = plan;
    const firstCompleted = Math.max(numbers[0], version.windowLength);
    const [stored] = await loadSeries(this.prisma, [engine], historyStart(firstCompleted, version.windowLength));
    const sensors = versionSensorIndices(stored.sensorNames, version.sensors, engine.id);
    plan.cycles.forEach((cycle, index) => {
      sensors.forEach((sensor, feature) => {
        const value = cycle.sensors[sensor];
        if (!isRepresentable(value, feature, normalisation)) {
          throw invalidReading(index, sensor, stored.sensorNames[sensor], value, normalisation.mean[feature]);
        }
      });
    });
    // The windows these cycles complete: their ids name that range.
    const empty = {
      id: trajectoryId(engine.id, version.id, numbers[0], numbers[numbers.length - 1]),
      engineId: engine.id,
      modelVersionId: version.id,
      threshold: version.threshold,
      windowLength: version.windowLength,
    };
    if (numbers[numbers.length - 1] < firstCompleted) {
      return { trajectory: { ...empty, points: [], flaggedCycles: [], firstFlaggedCycle: null }, store: async () => undefined };
    }
    const series: EngineSeries = {
      ...stored,
      cycles: [...stored.cycles, ...numbers],
      settings: [...stored.settings, ...plan.cycles.map((cycle) => cycle.settings)],
      readings: [...stored.readings, ...plan.cycles.map((cycle) => cycle.sensors)],
      rul: null,
    };
    const { endCycles, scored } = await this.scoreSeries(series, loaded, firstCompleted);
    const points = endCycles.map((endCycle, index) => ({
      id: pointId(engine.id, version.id, endCycle),
      engineId: engine.id,
      modelVersionId: version.id,
      endCycle,
      score: scored.scores[index],
      reconstructionError: scored.raw[index],
      isAnomaly: scored.scores[index] > version.threshold,
      rul: null,
    }));
    const flaggedCycles = points.filter((point) => point.isAnomaly).map((point) => point.endCycle);
    return {
      trajectory: { ...empty, points, flaggedCycles, firstFlaggedCycle: flaggedCycles[0] ?? null },
      store: (query) =>
        storeEngineWindowScores(
          query,
          version,
          endCycles.map((endCycle, index) => ({ engineId: engine.id, endCycle, index })),
          { ...scored, features: version.sensors.length },
        ),
    };
  }

  /**
   * Whether the engine has flagged windows under the version but no alert: scores stored before alerts
   * existed, which raise theirs on the first read that finds them (an engine whose flags open no alert
   * runs the rule again at each read, writing nothing).
   */
  private async unalerted(engineId: number, versionId: number): Promise<boolean> {
    const [row] = await this.query<{ unalerted: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM scores WHERE model_version_id = $1 AND engine_id = $2 AND is_anomaly)
              AND NOT EXISTS (SELECT 1 FROM alerts WHERE model_version_id = $1 AND engine_id = $2) AS unalerted`,
      [versionId, engineId],
    );
    return row.unalerted;
  }

  /**
   * Scores and stores the windows of `engine` (stride 1) that `loaded` has not scored yet, and returns
   * the end cycles it scored. Cheap when everything is stored already: one count.
   */
  async ensureScored(engine: Engine, loaded: LoadedModel, budget: ScoringBudget = UNLIMITED_SCORING): Promise<number[]> {
    const { version } = loaded;
    const expected = Math.max(0, engine.lastCycle - version.windowLength + 1);
    if (expected === 0) return [];
    const stored = await this.query<{ end_cycle: number }>(
      `SELECT s.end_cycle FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'ENGINE' AND w.length = $3
        WHERE s.model_version_id = $1 AND s.engine_id = $2`,
      [version.id, engine.id, version.windowLength],
    );
    if (stored.length >= expected) {
      if (await this.unalerted(engine.id, version.id)) await this.storeAndAlert(engine.id, version, async () => undefined);
      return [];
    }
    const done = new Set(stored.map((row) => row.end_cycle));
    const firstMissing = Array.from({ length: expected }, (_, index) => index + version.windowLength).find((cycle) => !done.has(cycle))!;
    // Every window from the first missing one is computed.
    await budget.charge(engine.lastCycle - firstMissing + 1);
    const [series] = await loadSeries(this.prisma, [engine], historyStart(firstMissing, version.windowLength));
    const { endCycles, scored } = await this.scoreSeries(series, loaded, firstMissing);
    const missing = endCycles.map((endCycle, index) => ({ endCycle, index })).filter(({ endCycle }) => !done.has(endCycle));
    await this.storeAndAlert(engine.id, version, (query) =>
      storeEngineWindowScores(
        query,
        version,
        missing.map(({ endCycle, index }) => ({ engineId: engine.id, endCycle, index })),
        { ...scored, features: version.sensors.length },
      ),
    );
    return missing.map(({ endCycle }) => endCycle);
  }

  /**
   * One unit of work: `store` writes the scores, then the alerts they raise and their webhook deliveries,
   * all or none; announced after the commit. Two reads scoring the same engine at once store each score
   * and announce each alert change once (the scores' and alerts' unique keys).
   */
  private async storeAndAlert(engineId: number, version: AlertedVersion, store: (query: QueryExecutor) => Promise<void>): Promise<void> {
    const outcome = await this.prisma.$transaction(async (tx) => {
      await store(transactionExecutor(tx));
      return this.alertNotifier.refresh(transactionExecutor(tx), engineId, version);
    }, SCORING_TRANSACTION);
    await this.alertNotifier.announce(outcome);
  }
}
