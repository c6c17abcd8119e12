// Evaluating stored versions on labelled engines and comparing versions on the same windows. Window
// scores come from the trajectory store, so an evaluation also leaves every evaluated window's score
// stored (and later evaluations or trajectories of the same engines are reads).
import type { Engine, EngineRole, Evaluation as EvaluationRow, Prisma, PrismaClient } from '@prisma/client';
import { evaluateScores, type Evaluation } from '../../domain/evaluation/metrics';
import type { PrPoint, RocPoint } from '../../domain/evaluation/curves';
import { scoreHistogram, type ScoreHistogram } from '../../domain/evaluation/score-histogram';
import { rulOf } from '../engines/engine-series';
import { datasetNamed } from '../datasets/dataset-service';
import { ErrorCode, ServiceError } from '../../platform/errors';
import { UNLIMITED_SCORING, type ScoringBudget } from '../../platform/graphql/scoring-budget';
import { storedAlertRule } from '../alerts/alert-rule-store';
import { engineLevelRecord, insertEvaluation, metricsRecord, type EngineLevelRecord, type MetricsRecord } from './evaluation-records';
import { labelledEngines } from '../../domain/evaluation/engine-level';
import { REFERENCE_SPLIT } from '../../domain/data/splits';
import type { ModelRegistry, VersionSummary } from '../registry/model-registry';
import type { TrajectoryService } from '../scoring/trajectory-service';
import type { UnitRange } from '../training/training-request';

export interface EvaluationRequest {
  dataset?: string | null;
  /** TRAIN (run-to-failure) or TEST (truncated, RUL file) engines; default TRAIN. */
  role?: 'TRAIN' | 'TEST' | null;
  /**
   * Units to evaluate; default the version's own test units (TRAIN engines of its data set), or every
   * stored engine of the data set and role.
   */
  units?: UnitRange[] | null;
  anomalyRul?: number | null;
}

export interface ResolvedSplit {
  dataset: string;
  role: 'TRAIN' | 'TEST';
  units: number[];
  anomalyRul: number;
  /** The version's own: windows with a larger RUL are healthy (engine-level false alerts). */
  healthyRul: number;
}

/** What an evaluation works through: the version, its split, and the engines of the split in unit order. */
export interface EvaluationPlan {
  version: VersionSummary;
  split: ResolvedSplit;
  engines: Engine[];
  /** Whether any evaluated engine also trained or calibrated the version. */
  overlapsTraining: boolean;
}

/** An evaluation measured and not yet stored. */
export interface MeasuredEvaluation {
  evaluation: Evaluation;
  distribution: ScoreHistogram;
  engineLevel: EngineLevelRecord;
}

interface TrainedOn {
  dataset: string;
  split: { trainUnits: number[]; calibrationUnits: number[]; testUnits: number[]; anomalyRul: number; healthyRul?: number };
}

interface LabelledScores {
  engineIds: number[];
  endCycles: number[];
  ruls: number[];
  keys: string[];
  labels: Uint8Array;
  scores: Float64Array;
  flags: Map<string, boolean>;
}

export interface VersionComparison {
  version: VersionSummary;
  metrics: MetricsRecord;
  /** Its curves on the common windows, down-sampled as an evaluation's. */
  rocCurve: RocPoint[];
  prCurve: PrPoint[];
  /** This version's metric minus the first version's (0 for the first). */
  deltas: { rocAuc: number | null; prAuc: number | null; precision: number; recall: number; f1: number; accuracy: number };
  /** Share of common windows on which this version's flag equals the first version's. */
  agreement: number;
  /** Windows flagged by this version and not the first, and the reverse. */
  flaggedOnlyByThis: number;
  flaggedOnlyByFirst: number;
}

export interface ComparisonResult {
  split: ResolvedSplit;
  /** Windows (engine, end cycle) scored by every version. */
  commonWindows: number;
  versions: VersionComparison[];
}

export const MAX_COMPARED_VERSIONS = 10;

/** Most units one evaluation or comparison takes (a C-MAPSS subset has at most 260). */
export const MAX_EVALUATED_UNITS = 1_000;

/**
 * Most engines evaluateModelVersion evaluates within its request; startEvaluation (a background job)
 * takes up to MAX_EVALUATED_UNITS. Issue 20 measured 100 engines at 27.7 s in one request; the reference
 * split's 20 test engines stay within.
 */
export const MAX_SYNC_EVALUATED_ENGINES = 25;

function invalid(message: string): ServiceError {
  return new ServiceError(ErrorCode.BAD_USER_INPUT, message);
}

/**
 * The units of `ranges`, bounded before anything is expanded: each range is checked and the units they
 * add up to counted first, so that a few wide ranges (or many of them) are refused before any work.
 */
function expandUnits(ranges: readonly UnitRange[]): number[] {
  let total = 0;
  for (const [index, range] of ranges.entries()) {
    if (!Number.isInteger(range.from) || !Number.isInteger(range.to) || range.from < 1 || range.to < range.from) {
      throw invalid(`units[${index}] must be a range with 1 <= from <= to, got ${range.from}..${range.to}`);
    }
    total += range.to - range.from + 1;
    if (total > MAX_EVALUATED_UNITS) {
      throw new ServiceError(
        ErrorCode.BATCH_TOO_LARGE,
        `units add up to more than ${MAX_EVALUATED_UNITS} units (${ranges.length} ranges): evaluate at most ${MAX_EVALUATED_UNITS} units in one call`,
        { limit: MAX_EVALUATED_UNITS },
      );
    }
  }
  if (total === 0) throw invalid('units must list at least one unit');
  const units: number[] = [];
  for (const range of ranges) for (let unit = range.from; unit <= range.to; unit++) units.push(unit);
  return units;
}

/**
 * The engines, refused before anything is scored when any has no labels (no known RUL) or none holds a
 * complete window.
 */
function evaluable(engines: Engine[], windowLength: number): Engine[] {
  const unlabelled = engines.filter((engine) => rulOf(engine, [engine.lastCycle]) === null);
  if (unlabelled.length > 0) {
    throw invalid(
      `the chosen engines have no labels (no known RUL), so there is nothing to evaluate against: units ${unlabelled
        .slice(0, 10)
        .map((engine) => engine.unit)
        .join(', ')}`,
    );
  }
  if (!engines.some((engine) => engine.lastCycle >= windowLength)) throw invalid('the chosen engines have no complete window to evaluate');
  return engines;
}

function difference(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

export class EvaluationService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly registry: ModelRegistry,
    private readonly trajectories: TrajectoryService,
  ) {}

  /**
   * Evaluates a version on labelled engines and stores the evaluation, within the request: at most
   * MAX_SYNC_EVALUATED_ENGINES engines (BATCH_TOO_LARGE, pointing at startEvaluation, above).
   */
  async evaluate(versionId: number, request: EvaluationRequest = {}, budget: ScoringBudget = UNLIMITED_SCORING): Promise<EvaluationRow> {
    const plan = await this.plan(versionId, request);
    if (plan.engines.length > MAX_SYNC_EVALUATED_ENGINES) {
      throw new ServiceError(
        ErrorCode.BATCH_TOO_LARGE,
        `this split has ${plan.engines.length} engines, more than the ${MAX_SYNC_EVALUATED_ENGINES} evaluated within one request: ` +
          'evaluate it with startEvaluation, a background job with progress',
        { limit: MAX_SYNC_EVALUATED_ENGINES, engines: plan.engines.length, job: 'startEvaluation' },
      );
    }
    const measured = await this.measure(plan, budget);
    const id = await this.store(this.prisma, plan, measured);
    return this.prisma.evaluation.findUniqueOrThrow({ where: { id } });
  }

  /** The version, split and engines an evaluation would work through, checked; nothing is scored or stored. */
  async plan(versionId: number, request: EvaluationRequest = {}): Promise<EvaluationPlan> {
    const version = await this.registry.get(versionId);
    const split = this.resolveSplit(version, request);
    const engines = evaluable(await this.enginesOf(split), version.windowLength);
    return this.planOf(version, { ...split, units: engines.map((engine) => engine.unit!) }, engines);
  }

  /** A plan from a split resolved earlier (a queued job's) and its engines. */
  planOf(version: VersionSummary, split: ResolvedSplit, engines: Engine[]): EvaluationPlan {
    const trainedOn = version.trainedOn as unknown as TrainedOn;
    const seen = new Set([...trainedOn.split.trainUnits, ...trainedOn.split.calibrationUnits]);
    const overlapsTraining = trainedOn.dataset === split.dataset && split.role === 'TRAIN' && split.units.some((unit) => seen.has(unit));
    return { version, split, engines, overlapsTraining };
  }

  /** Scores what is missing (stored), then measures the plan's windows at the version's threshold. */
  async measure(plan: EvaluationPlan, budget: ScoringBudget = UNLIMITED_SCORING): Promise<MeasuredEvaluation> {
    const { version, split, engines } = plan;
    const labelled = await this.labelledScores(version, engines, split.anomalyRul, budget);
    return {
      evaluation: evaluateScores(labelled.labels, labelled.scores, version.threshold),
      distribution: scoreHistogram(labelled.labels, labelled.scores, version.threshold),
      engineLevel: engineLevelRecord(labelledEngines(labelled), version.threshold, split, storedAlertRule(version.alertRule)),
    };
  }

  /** Stores a measured evaluation (inside a caller's transaction, if given) and returns its id. */
  store(sql: Pick<Prisma.TransactionClient, '$queryRawUnsafe'>, plan: EvaluationPlan, measured: MeasuredEvaluation): Promise<number> {
    const { dataset, role, units, anomalyRul } = plan.split;
    return insertEvaluation(sql, {
      modelVersionId: plan.version.id,
      dataset,
      split: { role, units, anomalyRul, overlapsTraining: plan.overlapsTraining },
      ...measured,
    });
  }

  /**
   * Compares versions on the same windows: the test engines of the first version (or the given
   * split), each version at its own threshold, with deltas against the first version and how often the
   * versions' flags agree; engine-level metrics on all of each version's windows of those engines.
   */
  async compare(
    versionIds: readonly number[],
    request: EvaluationRequest = {},
    budget: ScoringBudget = UNLIMITED_SCORING,
  ): Promise<ComparisonResult> {
    if (versionIds.length < 2 || versionIds.length > MAX_COMPARED_VERSIONS) {
      throw invalid(`compare between 2 and ${MAX_COMPARED_VERSIONS} model versions, got ${versionIds.length}`);
    }
    if (new Set(versionIds).size !== versionIds.length) throw invalid('each model version may be listed once');
    const versions: VersionSummary[] = [];
    for (const id of versionIds) versions.push(await this.registry.get(id));
    const asked = this.resolveSplit(versions[0], request);
    const engines = evaluable(await this.enginesOf(asked), Math.min(...versions.map((version) => version.windowLength)));
    const split = { ...asked, units: engines.map((engine) => engine.unit!) };
    const scored: LabelledScores[] = [];
    for (const version of versions) scored.push(await this.labelledScores(version, engines, split.anomalyRul, budget));
    const common = scored[0].keys.filter((key) => scored.every((entry) => entry.flags.has(key)));
    const commonSet = new Set(common);
    const evaluations = scored.map((entry, index) => {
      const keep = entry.keys.map((key) => commonSet.has(key));
      const labels = entry.labels.filter((_, position) => keep[position]);
      const scores = entry.scores.filter((_, position) => keep[position]);
      return evaluateScores(labels, scores, versions[index].threshold);
    });
    // The rule needs each engine's whole sequence: engine-level metrics take every window of the same
    // engines, not only the common ones.
    const restricted = evaluations.map((evaluation, index) =>
      metricsRecord(
        evaluation,
        engineLevelRecord(labelledEngines(scored[index]), versions[index].threshold, split, storedAlertRule(versions[index].alertRule)),
      ),
    );
    const first = restricted[0];
    return {
      split,
      commonWindows: common.length,
      versions: versions.map((version, index) => {
        const metrics = restricted[index];
        let agreeing = 0;
        let onlyThis = 0;
        let onlyFirst = 0;
        for (const key of common) {
          const mine = scored[index].flags.get(key)!;
          const theirs = scored[0].flags.get(key)!;
          if (mine === theirs) agreeing++;
          else if (mine) onlyThis++;
          else onlyFirst++;
        }
        return {
          version,
          metrics,
          rocCurve: evaluations[index].rocCurve,
          prCurve: evaluations[index].prCurve,
          deltas: {
            rocAuc: difference(metrics.rocAuc, first.rocAuc),
            prAuc: difference(metrics.prAuc, first.prAuc),
            precision: metrics.precision - first.precision,
            recall: metrics.recall - first.recall,
            f1: metrics.f1 - first.f1,
            accuracy: metrics.accuracy - first.accuracy,
          },
          agreement: common.length === 0 ? 0 : agreeing / common.length,
          flaggedOnlyByThis: onlyThis,
          flaggedOnlyByFirst: onlyFirst,
        };
      }),
    };
  }

  /** The split asked; units null for every stored engine of the data set and role. */
  private resolveSplit(version: VersionSummary, request: EvaluationRequest): Omit<ResolvedSplit, 'units'> & { units: number[] | null } {
    const trainedOn = version.trainedOn as unknown as TrainedOn;
    const dataset = (request.dataset ?? trainedOn.dataset).toUpperCase();
    const role = request.role ?? 'TRAIN';
    // Omitted units: the version's test units on its own training engines, else every stored engine.
    let units: number[] | null = null;
    if (request.units != null) units = expandUnits(request.units);
    else if (role === 'TRAIN' && dataset === trainedOn.dataset) units = [...trainedOn.split.testUnits];
    const anomalyRul = request.anomalyRul ?? trainedOn.split.anomalyRul;
    if (!Number.isInteger(anomalyRul) || anomalyRul < 0) throw invalid(`anomalyRul must be a non-negative integer, got ${anomalyRul}`);
    const healthyRul = trainedOn.split.healthyRul ?? REFERENCE_SPLIT.healthyRul;
    if (anomalyRul >= healthyRul) {
      throw invalid(
        `anomalyRul must be below the version's healthyRul (${healthyRul}), got ${anomalyRul}: a window cannot be both healthy and anomalous`,
      );
    }
    return { dataset, role, units: units && [...new Set(units)].sort((a, b) => a - b), anomalyRul, healthyRul };
  }

  private async enginesOf(split: Omit<ResolvedSplit, 'units'> & { units: number[] | null }): Promise<Engine[]> {
    const engines = await this.prisma.engine.findMany({
      where: {
        dataset: datasetNamed(split.dataset),
        role: split.role as EngineRole,
        ...(split.units ? { unit: { in: split.units } } : {}),
      },
      orderBy: { unit: 'asc' },
      // One more than the bound tells that every stored engine is too many.
      take: MAX_EVALUATED_UNITS + 1,
    });
    if (split.units === null) {
      if (engines.length === 0)
        throw new ServiceError(ErrorCode.NOT_FOUND, `no ${split.dataset} ${split.role.toLowerCase()} engines are stored`);
      if (engines.length > MAX_EVALUATED_UNITS) {
        throw new ServiceError(
          ErrorCode.BATCH_TOO_LARGE,
          `${split.dataset} holds more than ${MAX_EVALUATED_UNITS} ${split.role.toLowerCase()} engines: name at most ${MAX_EVALUATED_UNITS} units`,
          { limit: MAX_EVALUATED_UNITS },
        );
      }
      return engines;
    }
    const found = new Set(engines.map((engine) => engine.unit));
    const missing = split.units.filter((unit) => !found.has(unit));
    if (missing.length > 0) {
      throw new ServiceError(
        ErrorCode.NOT_FOUND,
        `${split.dataset} ${split.role.toLowerCase()} units not stored: ${missing.slice(0, 10).join(', ')}`,
      );
    }
    return engines;
  }

  /** Scores (computed once, then stored) and labels of every window of the engines under a version. */
  private async labelledScores(
    version: VersionSummary,
    engines: readonly Engine[],
    anomalyRul: number,
    budget: ScoringBudget,
  ): Promise<LabelledScores> {
    const loaded = await this.registry.load(version);
    for (const engine of engines) await this.trajectories.ensureScored(engine, loaded, budget);
    const rows = await this.prisma.$queryRawUnsafe<{ engine_id: number; end_cycle: number; score: number; is_anomaly: boolean }[]>(
      `SELECT s.engine_id, s.end_cycle, s.score, s.is_anomaly
         FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'ENGINE' AND w.length = $2
        WHERE s.model_version_id = $1 AND s.engine_id = ANY($3::int4[])
        ORDER BY s.engine_id, s.end_cycle`,
      version.id,
      version.windowLength,
      engines.map((engine) => engine.id),
    );
    const byId = new Map(engines.map((engine) => [engine.id, engine]));
    const engineIds: number[] = [];
    const endCycles: number[] = [];
    const ruls: number[] = [];
    const keys: string[] = [];
    const labels = new Uint8Array(rows.length);
    const scores = new Float64Array(rows.length);
    const flags = new Map<string, boolean>();
    rows.forEach((row, index) => {
      const rul = rulOf(byId.get(row.engine_id)!, [row.end_cycle]);
      if (rul === null) throw invalid(`engine ${row.engine_id} has no known RUL: its windows cannot be labelled`);
      const key = `${row.engine_id}:${row.end_cycle}`;
      engineIds.push(row.engine_id);
      endCycles.push(row.end_cycle);
      ruls.push(rul[0]);
      keys.push(key);
      labels[index] = rul[0] <= anomalyRul ? 1 : 0;
      scores[index] = row.score;
      flags.set(key, row.is_anomaly);
    });
    if (rows.length === 0) throw invalid('the chosen engines have no complete window to evaluate');
    return { engineIds, endCycles, ruls, keys, labels, scores, flags };
  }
}
