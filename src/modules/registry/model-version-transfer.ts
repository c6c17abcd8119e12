// Moving a version between deployments: export it as one portable file (./portable-version.ts), import
// such a file as a new version. An import is checked whole before anything is written (format, checksum,
// every field, the kind's options, and the detector loaded from its artifact); then the version, with its
// lineage saying where it came from, is registered in one transaction, activated or aliased in it when asked.
// An ensemble travels with its members: they are registered before it, and it names them by their new ids.
import type { ModelVersion, PrismaClient } from '@prisma/client';
import type { DetectorArtifact, DetectorRuntime } from '../../detectors/detector';
import { detectorKind } from '../../detectors/registry';
import { badInput, ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { exactFloat, exactJson } from '../../platform/db/exact-floats';
import { CODE_VERSION } from '../../platform/repository';
import type { DatasetService } from '../datasets/dataset-service';
import { loadModel, preprocessingOf, REGISTRY_LOCK_KEY, type LoadedModel, type ModelRegistry, type VersionSummary } from './model-registry';
import { checkAlias } from './model-version-curation';
import { DEFAULT_ALERT_RULE } from '../../domain/alerts/alert-rule';
import { storedAlertRule } from '../alerts/alert-rule-store';
import {
  portableArtifact,
  PortableFormatError,
  readPortable,
  storedArtifact,
  writePortable,
  type PortableContent,
} from './portable-version';

/** What an imported version's lineage records of its origin (trainedOn.importedFrom). */
export interface ImportedFrom {
  /** The version in the deployment that exported it. */
  source: PortableContent['source'];
  exportedAt: string;
  /** The exporting service's version. */
  exportedBy: string;
  /** The file's checksum. */
  checksum: string;
  importedAt: string;
  /** The sensor and setting columns of the data set it was trained on, which named window columns may use. */
  columns: PortableContent['columns'];
}

export interface ExportedVersion {
  /** A file name for it: model-version-<version>-<kind>.json. */
  fileName: string;
  text: string;
  checksum: string;
}

export interface ImportOptions {
  activate?: boolean;
  alias?: string | null;
}

function invalidFile(message: string): ServiceError {
  return new ServiceError(ErrorCode.INVALID_VERSION_FILE, message);
}

/** Checks that go beyond the shape of each field: the parts agree with each other and with the kind. */
function checkConsistent(content: PortableContent): void {
  const features = content.sensors.length;
  const memberIds = content.members?.map((member) => member.source.id) ?? null;
  if ((memberIds !== null) !== (content.kind === 'ensemble')) {
    throw invalidFile(`a ${content.kind} version ${memberIds ? 'has no members' : 'must carry its members'}`);
  }
  if (memberIds && JSON.stringify(memberIds) !== JSON.stringify(content.options.members)) {
    throw invalidFile(`the ensemble's members (${memberIds.join(', ')}) are not those its options name`);
  }
  const layers = 'format' in content.artifact;
  if (layers !== (content.kind === 'lstm-autoencoder')) {
    throw invalidFile(
      `the artifact of a ${content.kind} version must be ${layers ? 'the kind’s json and binary parts' : 'a layers-model'}`,
    );
  }
  const { normalisation, regimes } = content;
  if (normalisation.mean.length !== features || normalisation.std.length !== features) {
    throw invalidFile(`normalisation must hold a mean and a std for each of the ${features} sensors`);
  }
  if (regimes) {
    const settings = regimes.settings.length;
    const count = regimes.centroids.length;
    const fits =
      regimes.centre.length === settings &&
      regimes.scale.length === settings &&
      regimes.centroids.every((centroid) => centroid.length === settings) &&
      [regimes.mean, regimes.std].every((rows) => rows.length === count && rows.every((row) => row.length === features)) &&
      regimes.rows.length === count;
    if (!fits)
      throw invalidFile(
        `regimes must hold, for each of their ${count} regimes, a centroid of ${settings} settings and ${features} means and stds`,
      );
  }
}

export class ModelVersionTransfer {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly registry: ModelRegistry,
    private readonly datasets: DatasetService,
  ) {}

  /** The portable file of version `id` (an ensemble's with its members). */
  async exportVersion(id: number): Promise<ExportedVersion> {
    const content = await this.contentOf(id);
    return { fileName: `model-version-${content.source.version}-${content.kind}.json`, ...writePortable(content) };
  }

  private async contentOf(id: number): Promise<PortableContent> {
    const version = await this.prisma.modelVersion.findUnique({ where: { id } });
    if (!version) throw notFound('model version', id);
    const columns = await this.datasets.columnsOfVersion(version);
    const members = version.kind === 'ensemble' ? (version.options as { members: number[] }).members : null;
    return {
      kind: version.kind,
      options: version.options as Record<string, unknown>,
      sensors: version.sensors,
      columns: { sensors: [...columns.sensorNames], settings: [...columns.settingNames] },
      windowLength: version.windowLength,
      normalisation: version.normalisation as PortableContent['normalisation'],
      regimes: version.regimes as PortableContent['regimes'],
      threshold: version.threshold,
      thresholdQuantile: version.thresholdQuantile,
      scoringMethod: version.scoringMethod as Record<string, unknown>,
      metrics: version.metrics as Record<string, unknown> | null,
      summary: version.summary as Record<string, unknown>,
      backend: version.backend,
      trainingMs: version.trainingMs,
      trainedOn: version.trainedOn as PortableContent['trainedOn'],
      alertRule: storedAlertRule(version.alertRule),
      artifact: portableArtifact(version.kind, { json: version.artifact as Record<string, unknown>, binary: version.artifactBinary }),
      source: { id: version.id, version: version.version, name: version.name },
      exportedAt: new Date().toISOString(),
      exportedBy: { codeVersion: CODE_VERSION },
      ...(members ? { members: await Promise.all(members.map((member) => this.contentOf(member))) } : {}),
    };
  }

  /**
   * Registers the version a portable file holds, inactive unless `activate`; INVALID_VERSION_FILE naming
   * what is wrong with a file it cannot take, and nothing written.
   */
  async importVersion(text: string, options: ImportOptions = {}): Promise<VersionSummary> {
    if (options.alias != null) checkAlias(options.alias);
    let content: PortableContent;
    let checksum: string;
    try {
      ({ content, checksum } = readPortable(text));
    } catch (error) {
      if (error instanceof PortableFormatError) throw invalidFile(error.message);
      throw error;
    }
    const plan = await this.checkLoads(content);
    const importedAt = new Date().toISOString();
    const id = await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${REGISTRY_LOCK_KEY})`;
      // Ids in the exporting deployment -> ids here, as the members are registered before their ensemble.
      const ids = new Map<number, number>();
      for (const { content: version, artifact } of plan) {
        const renamed = renameMembers(version, artifact.json, ids);
        const importedFrom: ImportedFrom = {
          source: version.source,
          exportedAt: version.exportedAt,
          exportedBy: version.exportedBy.codeVersion,
          checksum,
          importedAt,
          columns: version.columns,
        };
        const created = await tx.modelVersion.create({
          data: {
            version: await this.registry.nextVersionNumber(tx),
            name: version.source.name,
            kind: version.kind,
            options: {},
            summary: {},
            sensors: version.sensors,
            windowLength: version.windowLength,
            normalisation: {},
            scoringMethod: {},
            threshold: 0,
            thresholdQuantile: 0,
            artifact: {},
            artifactBinary: artifact.binary ? new Uint8Array(artifact.binary) : null,
            backend: version.backend,
            trainingMs: version.trainingMs,
            trainedOn: {},
          },
          select: { id: true },
        });
        // Every number as text: Prisma rounds the numbers it sends (see platform/db/exact-floats.ts).
        await tx.$executeRawUnsafe(
          `UPDATE model_versions SET threshold = $2::text::float8, threshold_quantile = $3::text::float8, options = $4::text::jsonb,
                  summary = $5::text::jsonb, normalisation = $6::text::jsonb, regimes = $7::text::jsonb, scoring_method = $8::text::jsonb,
                  metrics = $9::text::jsonb, artifact = $10::text::jsonb, trained_on = $11::text::jsonb, alert_rule = $12::text::jsonb
            WHERE id = $1`,
          created.id,
          exactFloat(version.threshold),
          exactFloat(version.thresholdQuantile),
          exactJson(renamed.options),
          exactJson(renamed.summary),
          exactJson(version.normalisation),
          version.regimes ? exactJson(version.regimes) : null,
          exactJson(renamed.scoringMethod),
          version.metrics ? exactJson(version.metrics) : null,
          exactJson(renamed.artifact),
          exactJson({ ...version.trainedOn, importedFrom }),
          // Files exported before versions carried a rule: the rule every version had then.
          exactJson(version.alertRule ?? DEFAULT_ALERT_RULE),
        );
        ids.set(version.source.id, created.id);
      }
      const imported = ids.get(content.source.id)!;
      if (options.activate) {
        await tx.modelVersion.updateMany({ where: { isActive: true }, data: { isActive: false } });
        await tx.modelVersion.update({ where: { id: imported }, data: { isActive: true, activatedAt: new Date() } });
      }
      if (options.alias != null) {
        await tx.modelVersionAlias.upsert({
          where: { name: options.alias },
          create: { name: options.alias, modelVersionId: imported },
          update: { modelVersionId: imported, createdAt: new Date() },
        });
      }
      return imported;
    });
    if (options.activate) this.registry.forget(id);
    return this.registry.get(id);
  }

  /**
   * Loads the detectors the file describes, as scoring will, members before their ensemble; returns them
   * in that order, the order they are registered in. INVALID_VERSION_FILE when one cannot be loaded.
   */
  private async checkLoads(content: PortableContent): Promise<PlannedVersion[]> {
    const plan: PlannedVersion[] = [];
    const loaded = new Map<number, LoadedModel>();
    // Members are found among the versions of the file loaded so far (by their ids where it was exported).
    const runtime: DetectorRuntime = {
      async loadVersion(id) {
        const member = loaded.get(id);
        if (!member) throw invalidFile(`the file holds no member version ${id}`);
        const { version, detector } = member;
        return { id, kind: version.kind, threshold: version.threshold, detector, preprocessing: preprocessingOf(version) };
      },
    };
    const visit = async (version: PortableContent) => {
      for (const member of version.members ?? []) await visit(member);
      checkConsistent(version);
      try {
        detectorKind(version.kind).resolveOptions(version.options);
      } catch (error) {
        throw invalidFile(`the file's ${version.kind} options are not valid: ${(error as Error).message}`);
      }
      const artifact = storedArtifact(version.artifact);
      const row = {
        // An id no version has: the detector's cache key (see modelKeyOf) names none of this deployment's versions.
        id: -(plan.length + 1),
        kind: version.kind,
        options: version.options,
        sensors: version.sensors,
        windowLength: version.windowLength,
        normalisation: version.normalisation,
        regimes: version.regimes,
        scoringMethod: version.scoringMethod,
        threshold: version.threshold,
        trainedOn: version.trainedOn,
        artifact: artifact.json,
        artifactBinary: artifact.binary,
      } as unknown as ModelVersion;
      try {
        loaded.set(version.source.id, await loadModel(row, runtime));
      } catch (error) {
        throw invalidFile(`the file's ${version.kind} detector cannot be loaded from it: ${(error as Error).message}`);
      }
      plan.push({ content: version, artifact });
    };
    await visit(content);
    return plan;
  }
}

interface PlannedVersion {
  content: PortableContent;
  artifact: DetectorArtifact;
}

/** An ensemble's options, artifact, scoring method and summary naming its members by their ids here. */
function renameMembers(
  version: PortableContent,
  artifact: Record<string, unknown>,
  ids: ReadonlyMap<number, number>,
): {
  options: Record<string, unknown>;
  summary: Record<string, unknown>;
  scoringMethod: Record<string, unknown>;
  artifact: Record<string, unknown>;
} {
  const { options, summary, scoringMethod } = version;
  if (version.kind !== 'ensemble') return { options, summary, scoringMethod, artifact };
  const rename = (id: unknown) => ids.get(id as number) ?? id;
  const renameAll = (entries: unknown) => (entries as { id: number }[]).map((entry) => ({ ...entry, id: rename(entry.id) }));
  return {
    options: { ...options, members: (options.members as number[]).map(rename) },
    summary: { ...summary, members: renameAll(summary.members) },
    scoringMethod: { ...scoringMethod, members: renameAll(scoringMethod.members) },
    artifact: { ...artifact, members: renameAll(artifact.members) },
  };
}

/** The query string of an import, checked: activate=true|false, alias=<name>. */
export function importOptionsOf(parameters: Readonly<Record<string, string>>): ImportOptions {
  const unknown = Object.keys(parameters).find((name) => name !== 'activate' && name !== 'alias');
  if (unknown !== undefined) throw badInput(`unknown query parameter "${unknown}": an import takes activate and alias`);
  const { activate, alias } = parameters;
  if (activate !== undefined && activate !== 'true' && activate !== 'false') throw badInput('activate must be true or false');
  return { activate: activate === 'true', alias: alias ?? null };
}
