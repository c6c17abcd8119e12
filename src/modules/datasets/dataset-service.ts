// Data sets: their sensor catalogues and engine counts. A catalogue never changes once its data set
// exists (cycles store values in its order), so catalogues are cached by name.
import { Prisma, type Dataset, type DatasetFormat, type EngineRole, type PrismaClient } from '@prisma/client';
import { assertValidCatalogue, CMAPSS_CATALOGUE, type Catalogue, type CatalogueColumn } from '../../domain/data/catalogue';
import { DataError } from '../../domain/data/errors';
import { badInput, ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { resolvePage, toPage, type Page, type PageRequest } from '../../platform/db/pagination';
import { keysetConnection, type Connection, type ConnectionRequest } from '../../platform/db/connection';

/** Letters, digits, '_', '.', '-'; starts with a letter or digit; at most 100 characters. */
export const DATASET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** The data set of live engines created while no version is active (C-MAPSS catalogue). */
export const LIVE_DATASET = 'LIVE';

export function assertDatasetName(name: string): void {
  if (!DATASET_NAME_PATTERN.test(name)) {
    throw badInput(`dataset name "${name}" is not valid: 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit`);
  }
}

/**
 * A Prisma filter matching the data set `name` whatever its case. Prisma turns an insensitive equals
 * into ILIKE, where '_' and '%' are wildcards: they are escaped.
 */
export function datasetNamed(name: string): Prisma.DatasetWhereInput {
  return { name: { equals: name.replace(/[\\%_]/g, (character) => `\\${character}`), mode: 'insensitive' } };
}

export function catalogueOf(dataset: Pick<Dataset, 'settings' | 'sensors'>): Catalogue {
  return { settings: dataset.settings as unknown as CatalogueColumn[], sensors: dataset.sensors as unknown as CatalogueColumn[] };
}

export interface NewDataset {
  name: string;
  description?: string | null;
  catalogue: Catalogue;
  format: DatasetFormat;
}

/** Counts of one data set's engines by role. */
export type EngineCounts = Record<EngineRole, number>;

/** The column names a version's windows may name. */
export interface VersionColumns {
  sensorNames: ReadonlySet<string>;
  settingNames: ReadonlySet<string>;
}

export class DatasetService {
  private readonly catalogues = new Map<string, { id: number; name: string; catalogue: Catalogue; sensorNames: ReadonlySet<string> }>();

  constructor(private readonly prisma: PrismaClient) {}

  async list(pageRequest?: PageRequest | null): Promise<Page<Dataset>> {
    const { offset, limit } = resolvePage(pageRequest);
    const [items, totalCount] = await Promise.all([
      this.prisma.dataset.findMany({ orderBy: { name: 'asc' }, skip: offset, take: limit }),
      this.prisma.dataset.count(),
    ]);
    return toPage(items, totalCount, offset, limit);
  }

  /** Data sets in id order (the order of creation), as a cursor connection. */
  connection(request?: ConnectionRequest | null): Promise<Connection<Dataset>> {
    return keysetConnection('dataset', 'asc', request, {
      rows: (id, order, take) => this.prisma.dataset.findMany({ where: { id }, orderBy: { id: order }, take }),
      count: () => this.prisma.dataset.count(),
    });
  }

  /** The data set named `name` (any case); NOT_FOUND when there is none. */
  async get(name: string): Promise<Dataset> {
    const dataset = await this.prisma.dataset.findFirst({ where: datasetNamed(name) });
    if (!dataset) throw notFound('dataset', name);
    return dataset;
  }

  /** Data sets by id, in the order asked, null where absent (for batch loading). */
  async findMany(ids: readonly number[]): Promise<(Dataset | null)[]> {
    const datasets = await this.prisma.dataset.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(datasets.map((dataset) => [dataset.id, dataset]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** The id, stored name and catalogue of the data set `name` (any case), cached; NOT_FOUND when absent. */
  async catalogue(name: string): Promise<{ id: number; name: string; catalogue: Catalogue; sensorNames: ReadonlySet<string> }> {
    const key = name.toLowerCase();
    let entry = this.catalogues.get(key);
    if (!entry) {
      const dataset = await this.get(name);
      const catalogue = catalogueOf(dataset);
      entry = { id: dataset.id, name: dataset.name, catalogue, sensorNames: new Set(catalogue.sensors.map((column) => column.name)) };
      this.catalogues.set(key, entry);
    }
    return entry;
  }

  /**
   * The sensor and setting names of the data set a version was trained on (its trainedOn.dataset); for an
   * imported version, those its file recorded: this deployment need not hold that data set.
   */
  async columnsOfVersion(version: { trainedOn: unknown }): Promise<VersionColumns> {
    const trainedOn = version.trainedOn as { dataset: string; importedFrom?: { columns: { sensors: string[]; settings: string[] } } };
    const imported = trainedOn.importedFrom?.columns;
    if (imported) return { sensorNames: new Set(imported.sensors), settingNames: new Set(imported.settings) };
    const { catalogue, sensorNames } = await this.catalogue(trainedOn.dataset);
    return { sensorNames, settingNames: new Set(catalogue.settings.map((column) => column.name)) };
  }

  /** Engine counts by role of several data sets (for batch loading). */
  async engineCountsOf(datasetIds: readonly number[]): Promise<EngineCounts[]> {
    const groups = await this.prisma.engine.groupBy({
      by: ['datasetId', 'role'],
      where: { datasetId: { in: [...datasetIds] } },
      _count: true,
    });
    return datasetIds.map((id) => {
      const counts: EngineCounts = { TRAIN: 0, TEST: 0, LIVE: 0 };
      for (const group of groups) if (group.datasetId === id) counts[group.role] = group._count;
      return counts;
    });
  }

  /**
   * The data set `name` with exactly this catalogue, created when absent. An existing data set with
   * another catalogue is refused (CONFLICT): its stored cycles hold values in its own order.
   */
  async ensure(tx: Prisma.TransactionClient, dataset: NewDataset): Promise<Dataset> {
    assertDatasetName(dataset.name);
    try {
      assertValidCatalogue(dataset.catalogue);
    } catch (error) {
      if (error instanceof DataError) throw new ServiceError(ErrorCode.DATASET_ERROR, error.message);
      throw error;
    }
    const existing = await tx.dataset.findFirst({ where: datasetNamed(dataset.name) });
    if (existing) {
      assertSameColumns(existing.name, catalogueOf(existing), dataset.catalogue);
      return existing;
    }
    return tx.dataset.create({
      data: {
        name: dataset.name,
        description: dataset.description ?? null,
        settings: dataset.catalogue.settings as unknown as Prisma.InputJsonArray,
        sensors: dataset.catalogue.sensors as unknown as Prisma.InputJsonArray,
        format: dataset.format,
      },
    });
  }

  /** The data set of live engines when no version is active, created on first use. */
  async liveDataset(): Promise<Dataset> {
    try {
      return await this.prisma.$transaction((tx) =>
        this.ensure(tx, {
          name: LIVE_DATASET,
          description: 'Live engines reporting C-MAPSS readings',
          catalogue: CMAPSS_CATALOGUE,
          format: 'CMAPSS',
        }),
      );
    } catch (error) {
      // Created meanwhile by a concurrent call.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return this.get(LIVE_DATASET);
      throw error;
    }
  }
}

/** Refuses (CONFLICT) a catalogue whose setting or sensor names differ from a stored data set's. */
export function assertSameColumns(name: string, stored: Catalogue, given: Catalogue): void {
  for (const kind of ['settings', 'sensors'] as const) {
    const storedNames = stored[kind].map((column) => column.name);
    const givenNames = given[kind].map((column) => column.name);
    if (storedNames.join('\u0000') !== givenNames.join('\u0000')) {
      throw new ServiceError(
        ErrorCode.CONFLICT,
        `dataset ${name} has the ${kind} ${storedNames.join(', ') || '(none)'}; got ${givenNames.join(', ') || '(none)'}`,
        { dataset: name },
      );
    }
  }
}
