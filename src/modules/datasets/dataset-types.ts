import { DatasetFormat, ImportStatus } from '@prisma/client';
import { DateTimeResolver } from 'graphql-scalars';
import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageOf } from '../../platform/graphql/pagination';
import { ConnectionOf } from '../../platform/graphql/connection';
import { Node } from '../../platform/graphql/node';

registerEnumType(DatasetFormat, {
  name: 'DatasetFormat',
  description: "Where a data set's files came from.",
  valuesConfig: {
    CMAPSS: { description: 'NASA C-MAPSS text files (train_/test_/RUL_FD00x.txt), imported with the CLI.' },
    CSV: { description: 'CSV files with a header row, uploaded to POST /imports or imported with the CLI.' },
  },
});

registerEnumType(ImportStatus, {
  name: 'ImportStatus',
  description: 'State of an import.',
  valuesConfig: {
    QUEUED: { description: 'Uploaded; waiting for the import runner.' },
    RUNNING: { description: 'Being read, validated and written (rowsRead grows).' },
    SUCCEEDED: { description: 'Every row is stored (or was already).' },
    FAILED: { description: 'Refused (see error); nothing of the import is stored.' },
  },
});

@ObjectType({ description: "A column of a data set's catalogue." })
export class CatalogueColumn {
  @Field(() => String, { description: 'Name (what readings, scoreWindow columns and model versions call it).' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Unit, when the import gave one.' })
  unit: string | null;

  @Field(() => String, { nullable: true, description: 'What the column measures, when known.' })
  description: string | null;
}

@ObjectType({ implements: Node, description: "A fleet's data: a sensor catalogue and its engines (assets)." })
export class Dataset {
  @Field(() => Int, { description: 'Identifier of the data set.' })
  id: number;

  @Field(() => String, { description: 'Unique name, matched whatever its case (FD001, turbines-2025...).' })
  name: string;

  @Field(() => String, { nullable: true, description: 'What the data set holds.' })
  description: string | null;

  @Field(() => DatasetFormat, { description: 'Format of the files it was imported from.' })
  format: DatasetFormat;

  @Field(() => DateTimeResolver, { description: 'When the data set was created.' })
  createdAt: Date;
}

@ObjectType({ description: 'A page of data sets.' })
export class DatasetPage extends PageOf(Dataset) {}

@ObjectType({ description: 'Data sets in id order (the order of creation): a cursor connection.' })
export class DatasetConnection extends ConnectionOf(Dataset, 'Dataset') {}

@ObjectType({ description: 'Engines of a data set by role.' })
export class EngineCounts {
  @Field(() => Int, { description: 'TRAIN engines.' })
  train: number;

  @Field(() => Int, { description: 'TEST engines.' })
  test: number;

  @Field(() => Int, { description: 'LIVE engines.' })
  live: number;
}

@ObjectType({ description: 'The first problem an import found: where it is and what it is.' })
export class ImportError {
  @Field(() => String, { description: 'DATASET_ERROR (malformed file), CONFLICT (disagrees with stored data), or another code.' })
  code: string;

  @Field(() => String, { description: 'What is wrong, prefixed with the file, line and column.' })
  message: string;

  @Field(() => String, { nullable: true, description: 'File name.' })
  file: string | null;

  @Field(() => Int, { nullable: true, description: 'Line of the file (the header is line 1); null when not about one line.' })
  line: number | null;

  @Field(() => Int, { nullable: true, description: 'Column (1-based position in the row); null when not about one column.' })
  column: number | null;
}

@ObjectType({ implements: Node, description: 'An uploaded file being or having been imported into a data set, all or nothing.' })
export class DatasetImport {
  @Field(() => Int, { description: 'Identifier of the import (returned by POST /imports).' })
  id: number;

  @Field(() => String, { description: 'Data set written to (created by the import when absent).' })
  dataset: string;

  @Field(() => ImportStatus, { description: 'Queued, running, succeeded or failed.' })
  status: ImportStatus;

  @Field(() => DatasetFormat, { description: 'Format of the file.' })
  format: DatasetFormat;

  @Field(() => String, { description: 'Name of the file.' })
  fileName: string;

  @Field(() => Int, { description: 'Rows read and validated so far.' })
  rowsRead: number;

  @Field(() => Int, { description: 'Cycles stored by the import (rows of assets already stored with the same history are not).' })
  rowsWritten: number;

  @Field(() => Int, { description: 'Engines created.' })
  enginesCreated: number;

  @Field(() => Int, { description: 'Engines of the file already stored with the same history.' })
  enginesUnchanged: number;

  @Field(() => Int, { description: 'Times the import was started (an import whose process died is started again).' })
  attempts: number;

  @Field(() => DateTimeResolver, { description: 'When the upload was received.' })
  createdAt: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the import started.' })
  startedAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the import finished.' })
  finishedAt: Date | null;
}

@ObjectType({ description: 'A page of imports.' })
export class DatasetImportPage extends PageOf(DatasetImport) {}

@ObjectType({ description: 'Imports, newest first: a cursor connection.' })
export class DatasetImportConnection extends ConnectionOf(DatasetImport, 'DatasetImport') {}

@InputType({ description: 'Which imports to list.' })
export class DatasetImportFilter {
  @Field(() => ImportStatus, { nullable: true, description: 'Only imports in this state.' })
  status?: ImportStatus | null;

  @Field(() => String, { nullable: true, description: 'Only imports into this data set (any case).' })
  dataset?: string | null;
}
