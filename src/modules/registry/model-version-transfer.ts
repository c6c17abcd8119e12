// Moving a version between deployments: export it as one portable file (./portable-version.ts), import
// such a file as a new version. An import is checked whole before anything is written (format, checksum,
// every field, the kind's options, and the detector loaded from its artifact); then the version, with its
// lineage saying where it came from, is registered in one transaction, activated or aliased in it when asked.
import type { ModelVersion, Prisma, PrismaClient } from '@prisma/client';
import { detectorKind } from '../../detectors/registry';
import { badInput, ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { exactFloat, exactJson } from '../../platform/db/exact-floats';
import { CODE_VERSION } from '../../platform/repository';
import type { DatasetService } from '../datasets/dataset-service';
import { loadModel, REGISTRY_LOCK_KEY, type ModelRegistry, type VersionSummary } from './model-registry';
import { checkAlias } from './model-version-curation';
import {
  NOT_PORTABLE_KINDS,
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
  if (content.kind in NOT_PORTABLE_KINDS)
    throw invalidFile(`a ${content.kind} version cannot be imported: ${NOT_PORTABLE_KINDS[content.kind]}`);
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

  /** The portable file of version `id`; NOT_PORTABLE for a kind that cannot travel alone. */
  async exportVersion(id: number): Promise<ExportedVersion> {
    const version = await this.prisma.modelVersion.findUnique({ where: { id } });
    if (!version) throw notFound('model version', id);
    const refusal = NOT_PORTABLE_KINDS[version.kind];
    if (refusal)
      throw new ServiceError(ErrorCode.NOT_PORTABLE, `model version ${id} cannot be exported: ${refusal}`, { id, kind: version.kind });
    const columns = await this.datasets.columnsOfVersion(version);
    const content: PortableContent = {
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
      artifact: portableArtifact(version.kind, { json: version.artifact as Record<string, unknown>, binary: version.artifactBinary }),
      source: { id: version.id, version: version.version, name: version.name },
      exportedAt: new Date().toISOString(),
      exportedBy: { codeVersion: CODE_VERSION },
    };
    return { fileName: `model-version-${version.version}-${version.kind}.json`, ...writePortable(content) };
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
    checkConsistent(content);
    const row = await this.checkLoads(content);
    const importedFrom: ImportedFrom = {
      source: content.source,
      exportedAt: content.exportedAt,
      exportedBy: content.exportedBy.codeVersion,
      checksum,
      importedAt: new Date().toISOString(),
      columns: content.columns,
    };
    const trainedOn = { ...content.trainedOn, importedFrom };
    const id = await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${REGISTRY_LOCK_KEY})`;
      const created = await tx.modelVersion.create({
        data: {
          version: await this.registry.nextVersionNumber(tx),
          name: content.source.name,
          kind: content.kind,
          options: {},
          summary: {},
          sensors: content.sensors,
          windowLength: content.windowLength,
          normalisation: {},
          scoringMethod: {},
          threshold: 0,
          thresholdQuantile: 0,
          artifact: {},
          artifactBinary: row.artifactBinary,
          backend: content.backend,
          trainingMs: content.trainingMs,
          trainedOn: {},
        },
        select: { id: true },
      });
      // Every number as text: Prisma rounds the numbers it sends (see platform/db/exact-floats.ts).
      await tx.$executeRawUnsafe(
        `UPDATE model_versions SET threshold = $2::text::float8, threshold_quantile = $3::text::float8, options = $4::text::jsonb,
                summary = $5::text::jsonb, normalisation = $6::text::jsonb, regimes = $7::text::jsonb, scoring_method = $8::text::jsonb,
                metrics = $9::text::jsonb, artifact = $10::text::jsonb, trained_on = $11::text::jsonb WHERE id = $1`,
        created.id,
        exactFloat(content.threshold),
        exactFloat(content.thresholdQuantile),
        exactJson(content.options),
        exactJson(content.summary),
        exactJson(content.normalisation),
        content.regimes ? exactJson(content.regimes) : null,
        exactJson(content.scoringMethod),
        content.metrics ? exactJson(content.metrics) : null,
        exactJson(row.artifact),
        exactJson(trainedOn),
      );
      if (options.activate) {
        await tx.modelVersion.updateMany({ where: { isActive: true }, data: { isActive: false } });
        await tx.modelVersion.update({ where: { id: created.id }, data: { isActive: true, activatedAt: new Date() } });
      }
      if (options.alias != null) {
        await tx.modelVersionAlias.upsert({
          where: { name: options.alias },
          create: { name: options.alias, modelVersionId: created.id },
          update: { modelVersionId: created.id, createdAt: new Date() },
        });
      }
      return created.id;
    });
    if (options.activate) this.registry.forget(id);
    return this.registry.get(id);
  }

  /** Loads the detector the file describes, as scoring will: INVALID_VERSION_FILE when it cannot. */
  private async checkLoads(content: PortableContent): Promise<Pick<ModelVersion, 'artifact' | 'artifactBinary'>> {
    const artifact = storedArtifact(content.artifact);
    try {
      detectorKind(content.kind).resolveOptions(content.options);
    } catch (error) {
      throw invalidFile(`the file's ${content.kind} options are not valid: ${(error as Error).message}`);
    }
    const row = {
      id: 0,
      kind: content.kind,
      options: content.options,
      sensors: content.sensors,
      windowLength: content.windowLength,
      normalisation: content.normalisation,
      regimes: content.regimes,
      scoringMethod: content.scoringMethod,
      threshold: content.threshold,
      artifact: artifact.json as Prisma.JsonObject,
      artifactBinary: artifact.binary ? new Uint8Array(artifact.binary) : null,
    } as unknown as ModelVersion;
    try {
      // A runtime of its own: nothing is kept under this unregistered version's key.
      await loadModel(row, {});
    } catch (error) {
      throw invalidFile(`the file's ${content.kind} detector cannot be loaded from it: ${(error as Error).message}`);
    }
    return { artifact: row.artifact, artifactBinary: row.artifactBinary };
  }
}

/** The query string of an import, checked: activate=true|false, alias=<name>. */
export function importOptionsOf(parameters: Readonly<Record<string, string>>): ImportOptions {
  const unknown = Object.keys(parameters).find((name) => name !== 'activate' && name !== 'alias');
  if (unknown !== undefined) throw badInput(`unknown query parameter "${unknown}": an import takes activate and alias`);
  const { activate, alias } = parameters;
  if (activate !== undefined && activate !== 'true' && activate !== 'false') throw badInput('activate must be true or false');
  return { activate: activate === 'true', alias: alias ?? null };
}
