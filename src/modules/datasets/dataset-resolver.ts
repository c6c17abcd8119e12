import { ApiRole, type Dataset as DatasetRow, type DatasetImport as ImportRow } from '@prisma/client';
import { Arg, Args, Authorized, Ctx, FieldResolver, Float, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../platform/graphql/context';
import { PageInput } from '../../platform/graphql/pagination';
import { ConnectionArgs } from '../../platform/graphql/connection';
import { catalogueOf, type DatasetService } from './dataset-service';
import type { DatasetImportService } from './dataset-import-service';
import {
  CatalogueColumn,
  Dataset,
  DatasetImport,
  DatasetImportFilter,
  DatasetConnection,
  DatasetImportConnection,
  DatasetImportPage,
  DatasetPage,
  EngineCounts,
  ImportError,
} from './dataset-types';
import type { ImportErrorRecord } from './import-errors';

@Resolver(() => Dataset)
export class DatasetResolver {
  constructor(private readonly datasetService: DatasetService) {}

  @Authorized(ApiRole.READER)
  @Query(() => DatasetPage, {
    description: 'Data sets, in name order.',
    deprecationReason: 'Offset pages shift as items come and go: use datasetsConnection (a cursor connection).',
  })
  datasets(@Arg('page', () => PageInput, { nullable: true }) page?: PageInput) {
    return this.datasetService.list(page);
  }

  @Authorized(ApiRole.READER)
  @Query(() => DatasetConnection, { description: 'Data sets in id order (the order of creation).' })
  datasetsConnection(@Args() page: ConnectionArgs) {
    return this.datasetService.connection(page);
  }

  @Authorized(ApiRole.READER)
  @Query(() => Dataset, { nullable: true, description: 'One data set by name (any case); null with a NOT_FOUND error when there is none.' })
  dataset(@Arg('name', () => String, { description: 'Data set name.' }) name: string) {
    return this.datasetService.get(name);
  }

  @FieldResolver(() => [CatalogueColumn], { description: 'Operating-setting columns, in catalogue order (the order of Cycle.settings).' })
  settings(@Root() dataset: DatasetRow): CatalogueColumn[] {
    return catalogueOf(dataset).settings;
  }

  @FieldResolver(() => [CatalogueColumn], { description: 'Sensor columns, in catalogue order (the order of Cycle.sensors).' })
  sensors(@Root() dataset: DatasetRow): CatalogueColumn[] {
    return catalogueOf(dataset).sensors;
  }

  @FieldResolver(() => EngineCounts, { description: 'How many engines it holds, by role.' })
  async engineCounts(@Root() dataset: DatasetRow, @Ctx() { loaders }: RequestContext): Promise<EngineCounts> {
    const counts = await loaders.get('engineCounts', (ids: readonly number[]) => this.datasetService.engineCountsOf(ids)).load(dataset.id);
    return { train: counts.TRAIN, test: counts.TEST, live: counts.LIVE };
  }
}

@Resolver(() => DatasetImport)
export class DatasetImportResolver {
  constructor(private readonly importService: DatasetImportService) {}

  @Authorized(ApiRole.READER)
  @Query(() => DatasetImport, {
    nullable: true,
    description: 'One import by id (POST /imports returns it); null with a NOT_FOUND error when it does not exist.',
  })
  datasetImport(@Arg('id', () => Int, { description: 'Import id.' }) id: number) {
    return this.importService.get(id);
  }

  @Authorized(ApiRole.READER)
  @Query(() => DatasetImportPage, {
    description: 'Imports, newest first.',
    deprecationReason: 'Offset pages shift as items come and go: use datasetImportsConnection (a cursor connection).',
  })
  datasetImports(
    @Arg('filter', () => DatasetImportFilter, { nullable: true }) filter?: DatasetImportFilter,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ) {
    return this.importService.list(filter ?? {}, page);
  }

  @Authorized(ApiRole.READER)
  @Query(() => DatasetImportConnection, { description: 'Imports, newest first.' })
  datasetImportsConnection(
    @Arg('filter', () => DatasetImportFilter, { nullable: true }) filter: DatasetImportFilter | undefined,
    @Args() page: ConnectionArgs,
  ) {
    return this.importService.connection(filter ?? {}, page);
  }

  @FieldResolver(() => Float, { description: 'Bytes uploaded, as sent (compressed or not).' })
  bytes(@Root() row: ImportRow): number {
    return Number(row.bytes);
  }

  @FieldResolver(() => ImportError, { nullable: true, description: 'The first problem found, when the import failed.' })
  error(@Root() row: ImportRow): ImportError | null {
    return (row.error as unknown as ImportErrorRecord | null) ?? null;
  }
}
