// Score trajectories of stored engines: the score of every window along an engine's life under one model
// version. Windows are scored once per version and stored; later reads come from the stored scores.
import type { Engine, PrismaClient } from '@prisma/client';
import { slidingWindows } from '../../domain/data/windows';
import { sensorIndices, UnknownSensorError } from '../../domain/data/sensors';
import { badInput } from '../../platform/errors';
import { loadSeries, rulOf } from '../engines/engine-series';
import type { EngineService } from '../engines/engine-service';
import type { LoadedModel, ModelRegistry } from '../registry/model-registry';
import type { QueryExecutor } from '../../platform/db/migrations';
import { storeEngineWindowScores } from './window-store';

export interface TrajectoryPoint {
  endCycle: number;
  score: number;
  reconstructionError: number;
  isAnomaly: boolean;
  /** Remaining useful life at the window's last cycle, when known. */
  rul: number | null;
}

export interface Trajectory {
  engineId: number;
  modelVersionId: number;
  threshold: number;
  windowLength: number;
  points: TrajectoryPoint[];
  /** End cycles of the flagged windows. */
  flaggedCycles: number[];
  firstFlaggedCycle: number | null;
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

export class TrajectoryService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly query: QueryExecutor,
    private readonly engines: EngineService,
    private readonly registry: ModelRegistry,
  ) {}

  /**
   * The trajectory of an engine under a version (default: the active one), scoring what is missing
   * first; `fromCycle` keeps only windows ending at or after it.
   */
  async trajectory(engineId: number, modelVersionId?: number | null, fromCycle?: number | null): Promise<Trajectory> {
    const engine = await this.engines.get(engineId);
    const loaded = await this.registry.load(await this.registry.resolve(modelVersionId));
    await this.ensureScored(engine, loaded);
    const rows = await this.query<ScoredRow>(
      `SELECT s.end_cycle, s.score, s.reconstruction_error, s.is_anomaly
         FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'ENGINE' AND w.length = $3
        WHERE s.model_version_id = $1 AND s.engine_id = $2 AND s.end_cycle >= $4
        ORDER BY s.end_cycle`,
      [loaded.version.id, engine.id, loaded.version.windowLength, fromCycle ?? 0],
    );
    const ruls = rulOf(
      engine,
      rows.map((row) => row.end_cycle),
    );
    const points = rows.map((row, index) => ({
      endCycle: row.end_cycle,
      score: row.score,
      reconstructionError: row.reconstruction_error,
      isAnomaly: row.is_anomaly,
      rul: ruls?.[index] ?? null,
    }));
    const flaggedCycles = points.filter((point) => point.isAnomaly).map((point) => point.endCycle);
    return {
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
   * Scores and stores the windows of `engine` (stride 1) that `loaded` has not scored yet, and returns
   * the end cycles it scored. Cheap when everything is stored already: one count.
   */
  async ensureScored(engine: Engine, loaded: LoadedModel): Promise<number[]> {
    const { version } = loaded;
    const expected = Math.max(0, engine.lastCycle - version.windowLength + 1);
    if (expected === 0) return [];
    const stored = await this.query<{ end_cycle: number }>(
      `SELECT s.end_cycle FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'ENGINE' AND w.length = $3
        WHERE s.model_version_id = $1 AND s.engine_id = $2`,
      [version.id, engine.id, version.windowLength],
    );
    if (stored.length >= expected) return [];
    const done = new Set(stored.map((row) => row.end_cycle));
    const firstMissing = Array.from({ length: expected }, (_, index) => index + version.windowLength).find((cycle) => !done.has(cycle))!;
    const [series] = await loadSeries(this.prisma, [engine], firstMissing - version.windowLength + 1);
    const windows = slidingWindows([series], {
      length: version.windowLength,
      stride: 1,
      sensors: versionSensorIndices(series.sensorNames, version.sensors, engine.id),
      normalisation: loaded.normalisation,
      regimes: loaded.regimes,
      keep: () => true,
    });
    const missing = windows.endCycles.map((endCycle, index) => ({ endCycle, index })).filter(({ endCycle }) => !done.has(endCycle));
    const scored = await loaded.detector.score({
      x: windows.x,
      count: windows.count,
      windowLength: windows.length,
      features: windows.features,
    });
    await storeEngineWindowScores(
      this.query,
      version,
      missing.map(({ endCycle, index }) => ({ engineId: engine.id, endCycle, index })),
      { ...scored, features: version.sensors.length },
    );
    return missing.map(({ endCycle }) => endCycle);
  }
}
