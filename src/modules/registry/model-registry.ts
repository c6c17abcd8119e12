// The model registry: versions, their evaluations, and which version scoring uses by default.
import type { Evaluation, ModelVersion, PrismaClient } from '@prisma/client';
import { normaliseSelectedInto, type Normalisation } from '../../domain/data/normalisation';
import { deserialiseModel, type AutoencoderModel, type WeightSpec } from '../../detectors/lstm-autoencoder/engine';
import { ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { storedScoring, type FittedScoring } from '../../detectors/lstm-autoencoder/scoring';
import { resolvePage, toPage, type Page, type PageRequest } from '../../platform/db/pagination';

/** A version without its network (weights and topology: large, and only needed to decode the model). */
export type VersionSummary = Omit<ModelVersion, 'weights' | 'topology' | 'weightSpecs'>;

const WITHOUT_NETWORK = { weights: true, topology: true, weightSpecs: true } as const;

/** A version ready to score: its network, normalisation and scoring method, decoded once. */
export interface LoadedModel {
  version: VersionSummary;
  model: AutoencoderModel;
  normalisation: Normalisation;
  scoring: FittedScoring;
  /** Normalised float32 windows (count x windowLength x features) from raw readings in the version's sensor order. */
  normalise(raws: readonly ArrayLike<number>[]): Float32Array;
}

/** The key a version's network is known by on an inference thread (its weights never change). */
export function modelKeyOf(version: Pick<VersionSummary, 'id'>): string {
  return `model-version:${version.id}`;
}

export function loadModel(version: ModelVersion): LoadedModel {
  const { weights: _weights, topology: _topology, weightSpecs: _weightSpecs, ...summary } = version;
  const model = deserialiseModel({
    topology: version.topology as Record<string, unknown>,
    weightSpecs: version.weightSpecs as unknown as WeightSpec[],
    weights: Buffer.from(version.weights),
  });
  const normalisation = version.normalisation as unknown as Normalisation;
  const size = version.windowLength * version.sensors.length;
  return {
    version: summary,
    model,
    normalisation,
    scoring: storedScoring(version.scoringMethod, version.sensors.length),
    normalise(raws) {
      const x = new Float32Array(raws.length * size);
      raws.forEach((raw, index) => normaliseSelectedInto(raw, normalisation, x, index * size));
      return x;
    },
  };
}

// Versions never change once registered, so decoded models stay valid; a few are kept.
const LOADED_MODEL_CACHE_SIZE = 8;

// How long a resolved version summary (notably which version is active) is reused before it is read
// again: bounds what a hot scoring path costs the database, and how long another replica's activation
// takes to be seen here. Activations made through this registry are seen at once.
export const SUMMARY_TTL_MS = 1_000;

// Arbitrary application-wide key for pg_advisory_xact_lock.
const ACTIVATION_LOCK_KEY = 7_301_001;

export class ModelRegistry {
  private readonly loaded = new Map<number, LoadedModel>();
  private readonly resolved = new Map<number | 'active', { summary: VersionSummary | null; at: number }>();

  constructor(private readonly prisma: PrismaClient) {}

  /** The decoded model of a version, cached (least recently used first out). */
  async load(version: VersionSummary): Promise<LoadedModel> {
    let entry = this.loaded.get(version.id);
    if (entry) {
      this.loaded.delete(version.id);
    } else {
      entry = loadModel(await this.prisma.modelVersion.findUniqueOrThrow({ where: { id: version.id } }));
      if (this.loaded.size >= LOADED_MODEL_CACHE_SIZE) this.loaded.delete(this.loaded.keys().next().value as number);
    }
    this.loaded.set(version.id, entry);
    return entry;
  }

  async list(pageRequest?: PageRequest | null): Promise<Page<VersionSummary>> {
    const { offset, limit } = resolvePage(pageRequest);
    const [items, totalCount] = await Promise.all([
      this.prisma.modelVersion.findMany({ omit: WITHOUT_NETWORK, orderBy: { version: 'desc' }, skip: offset, take: limit }),
      this.prisma.modelVersion.count(),
    ]);
    return toPage(items, totalCount, offset, limit);
  }

  async get(id: number): Promise<VersionSummary> {
    const [version] = await this.findMany([id]);
    if (!version) throw notFound('model version', id);
    return version;
  }

  /** Versions by id, in the order asked, null where absent (for batch loading). */
  async findMany(ids: readonly number[]): Promise<(VersionSummary | null)[]> {
    const versions = await this.prisma.modelVersion.findMany({ where: { id: { in: [...ids] } }, omit: WITHOUT_NETWORK });
    const byId = new Map(versions.map((version) => [version.id, version]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async active(): Promise<VersionSummary | null> {
    return this.prisma.modelVersion.findFirst({ where: { isActive: true }, omit: WITHOUT_NETWORK });
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
   * Makes `id` the version scoring uses by default. Atomic: both updates happen in one transaction,
   * concurrent activations are serialised by an advisory lock (so none fails on a row it could not see),
   * and a unique partial index guarantees that at most one version is ever active.
   */
  async activate(id: number): Promise<VersionSummary> {
    const version = await this.get(id);
    if (version.status !== 'READY') {
      throw new ServiceError(ErrorCode.CONFLICT, `model version ${id} is ${version.status.toLowerCase()} and cannot be activated`);
    }
    if (version.isActive) return version;
    const activated = await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ACTIVATION_LOCK_KEY})`;
      await tx.modelVersion.updateMany({ where: { isActive: true }, data: { isActive: false } });
      return tx.modelVersion.update({ where: { id }, data: { isActive: true, activatedAt: new Date() }, omit: WITHOUT_NETWORK });
    });
    this.resolved.clear();
    return activated;
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
