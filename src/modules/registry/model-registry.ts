// The model registry: versions, their evaluations, and which version scoring uses by default.
import type { Evaluation, ModelVersion, PrismaClient } from '@prisma/client';
import type { Normalisation } from '../../domain/data/normalisation';
import type { RegimeModel } from '../../domain/data/regimes';
import type { EngineSeries } from '../../domain/data/series';
import { slidingWindows } from '../../domain/data/windows';
import { windowBatch, type Detector, type DetectorRuntime, type LoadedVersion, type WindowBatch } from '../../detectors/detector';
import { preprocessingFingerprint } from '../../detectors/preprocessing';
import { detectorKind } from '../../detectors/registry';
import { badInput, ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { resolvePage, toPage, type Page, type PageRequest } from '../../platform/db/pagination';
import { keysetConnection, type Connection, type ConnectionRequest } from '../../platform/db/connection';

/** A version without its artifact (large, and only needed to load the detector). */
export type VersionSummary = Omit<ModelVersion, 'artifact' | 'artifactBinary'>;

const WITHOUT_ARTIFACT = { artifact: true, artifactBinary: true } as const;

/** The operating regimes a version normalises within, with the names of the settings they are defined on. */
export type StoredRegimes = RegimeModel & { settings: string[] };

/** A version ready to score: its detector and normalisation, loaded once. */
export interface LoadedModel {
  version: VersionSummary;
  detector: Detector;
  normalisation: Normalisation;
  regimes: StoredRegimes | null;
  /**
   * Normalised windows from raw readings (rows x sensors, row-major) in the version's sensor order: the
   * last windowLength rows are the window, the rows before them (up to LOOK_BACK_CYCLES) its engine's
   * earlier cycles, which give the window's earlier readings as they give an engine's stored windows
   * theirs. With regimes, `settings` gives each row's settings (rows x settings, row-major).
   */
  normalise(raws: readonly ArrayLike<number>[], settings?: readonly ArrayLike<number>[]): WindowBatch;
}

/** The key a version's detector may keep state under (e.g. its weights on an inference thread): versions never change. */
export function modelKeyOf(version: Pick<VersionSummary, 'id'>): string {
  return `model-version:${version.id}`;
}

/** What two versions must share to score the same windows (see preprocessingFingerprint). */
export function preprocessingOf(version: Pick<VersionSummary, 'sensors' | 'windowLength' | 'normalisation' | 'regimes'>): string {
  return preprocessingFingerprint(version);
}

export async function loadModel(version: ModelVersion, runtime: DetectorRuntime): Promise<LoadedModel> {
  const { artifact, artifactBinary, ...summary } = version;
  const kind = detectorKind(version.kind);
  const features = version.sensors.length;
  const detector = await kind.load(
    {
      cacheKey: modelKeyOf(version),
      options: version.options,
      artifact: { json: artifact as Record<string, unknown>, binary: artifactBinary },
      scoring: {
        method: String((version.scoringMethod as { kind?: unknown }).kind),
        definition: version.scoringMethod as Record<string, unknown>,
      },
      features,
      windowLength: version.windowLength,
    },
    runtime,
  );
  const normalisation = version.normalisation as unknown as Normalisation;
  const regimes = version.regimes as unknown as StoredRegimes | null;
  return {
    version: summary,
    detector,
    normalisation,
    regimes,
    normalise(raws, settings) {
      const sensors = version.sensors.map((_, feature) => feature);
      const settingNames = regimes?.settings ?? [];
      // Each window is a series of its own, numbered so that its last row is cycle 0: the one window it gives.
      const series = raws.map((raw, index): EngineSeries => {
        const rows = raw.length / features;
        const rowsOf = (values: ArrayLike<number>, width: number) =>
          Array.from({ length: rows }, (_, t) => Array.prototype.slice.call(values, t * width, (t + 1) * width) as number[]);
        return {
          engineId: index,
          unit: null,
          sensorNames: version.sensors,
          settingNames,
          cycles: Array.from({ length: rows }, (_, t) => t - rows + 1),
          settings: regimes ? rowsOf(settings![index], settingNames.length) : rowsOf([], 0),
          readings: rowsOf(raw, features),
          rul: null,
        };
      });
      return windowBatch(slidingWindows(series, { length: version.windowLength, sensors, normalisation, regimes, fromCycle: 0 }));
    },
  };
}

// Versions never change once registered, so decoded models stay valid; a few are kept.
const LOADED_MODEL_CACHE_SIZE = 8;

// How long a resolved version summary (notably which version is active) is reused before it is read
// again: bounds what a hot scoring path costs the database, and how long another replica's activation
// takes to be seen here. Activations made through this registry are seen at once.
export const SUMMARY_TTL_MS = 1_000;

// Arbitrary application-wide key for pg_advisory_xact_lock: registration, import, activation, aliases,
// archiving, deletion and queuing a training job that builds on versions take it, so that none decides
// on a state another is changing.
export const REGISTRY_LOCK_KEY = 7_301_001;

/** Those of `ids` no version has (any more), in their order. */
export async function missingVersions(tx: Pick<PrismaClient, 'modelVersion'>, ids: readonly number[]): Promise<number[]> {
  const found = await tx.modelVersion.findMany({ where: { id: { in: [...ids] } }, select: { id: true } });
  return ids.filter((id) => !found.some((version) => version.id === id));
}

export class ModelRegistry {
  private readonly loaded = new Map<number, LoadedModel>();
  private readonly resolved = new Map<number | 'active', { summary: VersionSummary | null; at: number }>();
  /** How detectors run in this process, and how an ensemble reaches its members. */
  readonly runtime: DetectorRuntime;

  constructor(
    private readonly prisma: PrismaClient,
    runtime: Omit<DetectorRuntime, 'loadVersion'> = {},
  ) {
    this.runtime = { ...runtime, loadVersion: (id) => this.loadVersion(id) };
  }

  /** The loaded detector of a version, cached (least recently used first out). */
  async load(version: Pick<VersionSummary, 'id'>): Promise<LoadedModel> {
    let entry = this.loaded.get(version.id);
    if (entry) {
      this.loaded.delete(version.id);
    } else {
      entry = await loadModel(await this.prisma.modelVersion.findUniqueOrThrow({ where: { id: version.id } }), this.runtime);
      if (this.loaded.size >= LOADED_MODEL_CACHE_SIZE) this.loaded.delete(this.loaded.keys().next().value as number);
    }
    this.loaded.set(version.id, entry);
    return entry;
  }

  private async loadVersion(id: number): Promise<LoadedVersion> {
    const { version, detector } = await this.load(await this.get(id));
    return { id: version.id, kind: version.kind, threshold: version.threshold, detector, preprocessing: preprocessingOf(version) };
  }

  async list(pageRequest?: PageRequest | null): Promise<Page<VersionSummary>> {
    const { offset, limit } = resolvePage(pageRequest);
    const [items, totalCount] = await Promise.all([
      this.prisma.modelVersion.findMany({ omit: WITHOUT_ARTIFACT, orderBy: { version: 'desc' }, skip: offset, take: limit }),
      this.prisma.modelVersion.count(),
    ]);
    return toPage(items, totalCount, offset, limit);
  }

  /** Versions newest first (in id order, descending), as a cursor connection. */
  connection(request?: ConnectionRequest | null): Promise<Connection<VersionSummary>> {
    return keysetConnection('modelVersion', 'desc', request, {
      rows: (id, order, take) => this.prisma.modelVersion.findMany({ omit: WITHOUT_ARTIFACT, where: { id }, orderBy: { id: order }, take }),
      count: () => this.prisma.modelVersion.count(),
    });
  }

  async get(id: number): Promise<VersionSummary> {
    const [version] = await this.findMany([id]);
    if (!version) throw notFound('model version', id);
    return version;
  }

  /** Versions by id, in the order asked, null where absent (for batch loading). */
  async findMany(ids: readonly number[]): Promise<(VersionSummary | null)[]> {
    const versions = await this.prisma.modelVersion.findMany({ where: { id: { in: [...ids] } }, omit: WITHOUT_ARTIFACT });
    const byId = new Map(versions.map((version) => [version.id, version]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async active(): Promise<VersionSummary | null> {
    return this.prisma.modelVersion.findFirst({ where: { isActive: true }, omit: WITHOUT_ARTIFACT });
  }

  /**
   * The version a scoring call uses: `id`, or the active one when none is named (NO_ACTIVE_MODEL when
   * no version is active). Reuses what it read within the last second.
   */
  async resolve(id?: number | null): Promise<VersionSummary> {
    const key = id ?? 'active';
    const cached = this.resolved.get(key);
    let summary: VersionSummary | null;
    if (cached && Date.now() - cached.at < SUMMARY_TTL_MS) {
      summary = cached.summary;
    } else {
      summary = id != null ? await this.get(id) : await this.active();
      this.resolved.set(key, { summary, at: Date.now() });
    }
    if (!summary) {
      throw new ServiceError(ErrorCode.NO_ACTIVE_MODEL, 'no model version is active: name a modelVersionId or activate a version first');
    }
    return summary;
  }

  /**
   * Makes `id` the version scoring uses by default, and returns it with the version it replaced. Atomic:
   * both updates happen in one transaction, concurrent activations are serialised by an advisory lock (so
   * none fails on a row it could not see), and a unique partial index guarantees that at most one version
   * is ever active.
   */
  async activate(id: number): Promise<{ activated: VersionSummary; previous: VersionSummary | null }> {
    const version = await this.get(id);
    if (version.status !== 'READY') {
      throw new ServiceError(ErrorCode.CONFLICT, `model version ${id} is ${version.status.toLowerCase()} and cannot be activated`);
    }
    if (version.isActive) return { activated: version, previous: null };
    const result = await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${REGISTRY_LOCK_KEY})`;
      const previous = await tx.modelVersion.findFirst({ where: { isActive: true }, select: { id: true } });
      if (previous?.id === id) return { activated: version, previous: null };
      if (previous) await tx.modelVersion.update({ where: { id: previous.id }, data: { isActive: false } });
      const activated = await tx.modelVersion.update({
        where: { id },
        data: { isActive: true, activatedAt: new Date() },
        omit: WITHOUT_ARTIFACT,
      });
      const replaced = previous ? await tx.modelVersion.findUniqueOrThrow({ where: { id: previous.id }, omit: WITHOUT_ARTIFACT }) : null;
      return { activated, previous: replaced };
    });
    this.resolved.clear();
    return result;
  }

  /** The version an alias names (NOT_FOUND when no version carries it). */
  async byAlias(alias: string): Promise<VersionSummary> {
    const named = await this.prisma.modelVersionAlias.findUnique({ where: { name: alias }, select: { modelVersionId: true } });
    if (!named) throw notFound('model version alias', alias);
    return this.get(named.modelVersionId);
  }

  /** The version named by `id` or by `alias`: exactly one of them (BAD_USER_INPUT otherwise). */
  async byIdOrAlias(id?: number | null, alias?: string | null): Promise<VersionSummary> {
    if ((id == null) === (alias == null)) throw badInput('name the model version by id or by alias: exactly one of them');
    return id != null ? this.get(id) : this.byAlias(alias!);
  }

  /** Forgets what this process remembers of versions, after one is archived or deleted. */
  forget(id: number): void {
    this.resolved.clear();
    this.loaded.delete(id);
  }

  /** The training job that registered each version, null where there is none (for batch loading). */
  async trainingJobIdsOf(versionIds: readonly number[]): Promise<(number | null)[]> {
    const jobs = await this.prisma.trainingJob.findMany({
      where: { modelVersionId: { in: [...versionIds] } },
      select: { id: true, modelVersionId: true },
    });
    const byVersion = new Map(jobs.map((job) => [job.modelVersionId, job.id]));
    return versionIds.map((id) => byVersion.get(id) ?? null);
  }

  /** The version's evaluations, newest stored first, as a cursor connection (one list per version). */
  evaluationsConnection(versionId: number, request?: ConnectionRequest | null): Promise<Connection<Evaluation>> {
    return keysetConnection(`evaluation:${versionId}`, 'desc', request, {
      rows: (id, order, take) =>
        this.prisma.evaluation.findMany({ where: { modelVersionId: versionId, id }, orderBy: { id: order }, take }),
      count: () => this.prisma.evaluation.count({ where: { modelVersionId: versionId } }),
    });
  }

  /** Evaluations of several versions, newest first per version (for batch loading). */
  async evaluationsOf(versionIds: readonly number[]): Promise<Evaluation[][]> {
    const evaluations = await this.prisma.evaluation.findMany({
      where: { modelVersionId: { in: [...versionIds] } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    const byVersion = new Map<number, Evaluation[]>(versionIds.map((id) => [id, []]));
    for (const evaluation of evaluations) byVersion.get(evaluation.modelVersionId)?.push(evaluation);
    return versionIds.map((id) => byVersion.get(id) ?? []);
  }

  async nextVersionNumber(tx: Pick<PrismaClient, 'modelVersion'> = this.prisma): Promise<number> {
    const latest = await tx.modelVersion.aggregate({ _max: { version: true } });
    return (latest._max.version ?? 0) + 1;
  }
}
