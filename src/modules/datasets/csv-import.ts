// Imports one CSV file into a data set, all or nothing, in one transaction: the header gives the columns
// their roles (and a new data set its catalogue), every row is validated and staged (COPY on
// PostgreSQL), then the staged rows are checked against the engines already stored and written to
// `cycles`. On PostgreSQL, into a data set without engines, rows go straight to `cycles` instead
// (./direct-cycle-rows.ts): there is nothing to compare them with. Re-importing the same rows changes nothing; an asset stored with another history is refused
// (CONFLICT) naming the first line that differs.
import type { Database, Session } from '../../platform/db/database';
import { assertValidCatalogue, type Catalogue } from '../../domain/data/catalogue';
import { DataError } from '../../domain/data/errors';
import { ErrorCode } from '../../platform/errors';
import { CsvRecords, decompressed, RowValidator, type AssetSummary } from './csv-rows';
import { ImportFileError } from './import-errors';
import { planColumns, type ColumnPlan, type ImportLabels, type ImportOptions } from './import-options';
import { DirectCycleWriter } from './direct-cycle-rows';
import { createStager, STAGING_TABLE_SQL, type Stager } from './staging-rows';

export interface ImportCounts {
  /** Stored name of the data set written to. */
  dataset: string;
  rowsRead: number;
  /** Cycles stored by this import (rows of assets already stored with the same history are not). */
  rowsWritten: number;
  enginesCreated: number;
  enginesUnchanged: number;
  /** Milliseconds spent reading (parse, validate and stage every row) and writing (check and store). */
  phaseMs: { read: number; write: number };
}

export interface CsvImportHooks {
  /** Told every few thousand rows. */
  onRowsRead?(rows: number): void;
  /** Runs last inside the transaction (e.g. to mark the import record succeeded with the counts). */
  beforeCommit?(session: Session, counts: ImportCounts): Promise<void>;
}

const PROGRESS_EVERY_ROWS = 10_000;

function labellingOf(labels: ImportLabels): { role: 'TRAIN' | 'TEST'; labelling: 'RUN_TO_FAILURE' | 'RUL_AFTER_LAST_CYCLE' | 'NONE' } {
  if (labels === 'run-to-failure') return { role: 'TRAIN', labelling: 'RUN_TO_FAILURE' };
  if (labels === 'rul') return { role: 'TEST', labelling: 'RUL_AFTER_LAST_CYCLE' };
  return { role: 'TRAIN', labelling: 'NONE' };
}

interface StoredDataset {
  id: number;
  name: string;
  settings: Catalogue['settings'];
  sensors: Catalogue['sensors'];
}

/** The data set named `name` (any case), locked until commit so that imports into it run one at a time. */
async function lockDataset(session: Session, name: string): Promise<StoredDataset | null> {
  const rows = await session.query<StoredDataset>(
    `SELECT id, name, settings, sensors FROM datasets WHERE lower(name) = lower($1) FOR UPDATE`,
    [name],
  );
  return rows[0] ?? null;
}

async function datasetFor(
  session: Session,
  options: ImportOptions,
  plan: ColumnPlan,
  stored: StoredDataset | null,
): Promise<StoredDataset> {
  if (stored) return stored;
  try {
    assertValidCatalogue(plan.catalogue);
  } catch (error) {
    if (error instanceof DataError) throw new ImportFileError(options.fileName, 1, null, error.message);
    throw error;
  }
  const created = await session.query<StoredDataset>(
    `INSERT INTO datasets (name, description, settings, sensors, format) VALUES ($1, $2, $3::text::jsonb, $4::text::jsonb, 'CSV')
     ON CONFLICT ((lower(name))) DO NOTHING RETURNING id, name, settings, sensors`,
    [options.dataset, options.description, JSON.stringify(plan.catalogue.settings), JSON.stringify(plan.catalogue.sensors)],
  );
  if (created[0]) return created[0];
  // Created meanwhile by a concurrent import: it must have the same columns.
  const concurrent = (await lockDataset(session, options.dataset))!;
  const names = (columns: Catalogue['sensors']) => columns.map((column) => column.name).join('\u0000');
  if (names(concurrent.settings) !== names(plan.catalogue.settings) || names(concurrent.sensors) !== names(plan.catalogue.sensors)) {
    throw new ImportFileError(
      options.fileName,
      1,
      null,
      `data set ${concurrent.name} was just created with other columns`,
      ErrorCode.CONFLICT,
    );
  }
  return concurrent;
}

/**
 * Runs the import of a file inside one transaction of `database`; `source` gives the file's bytes (gzip
 * or not), given the import's session.
 */
export function importCsv(
  database: Database,
  options: ImportOptions,
  source: (session: Session) => AsyncIterable<Buffer>,
  hooks: CsvImportHooks = {},
): Promise<ImportCounts> {
  return database.transaction(async (session) => {
    const records = new CsvRecords(decompressed(source(session), options.fileName), options.delimiter, options.fileName);
    const header = await records.header();
    if (header === null) throw new ImportFileError(options.fileName, null, null, 'the file is empty: its first line must name the columns');
    const stored = await lockDataset(session, options.dataset);
    const plan = planColumns(header, options, stored ? { settings: stored.settings, sensors: stored.sensors } : null);
    const dataset = await datasetFor(session, options, plan, stored);

    const readStarted = performance.now();
    const validator = new RowValidator(plan, options.fileName);
    const { role, labelling } = labellingOf(plan.labels);
    // Engines are only ever added to a data set under its lock (held above), so none can appear meanwhile.
    const direct = session.copyFrom !== null && !(await hasEngines(session, dataset.id));
    let stager: Stager;
    if (direct) {
      stager = new DirectCycleWriter(session, plan.settings.length, (from, to) =>
        createEngines(session, dataset.id, role, labelling, validator.externalIds(from, to)),
      );
    } else {
      await session.query(STAGING_TABLE_SQL);
      stager = createStager(session, plan.settings.length);
    }
    await stager.stage(() =>
      records.rows(
        (row) => {
          validator.accept(row, stager);
          if (validator.rowsRead % PROGRESS_EVERY_ROWS === 0) hooks.onRowsRead?.(validator.rowsRead);
        },
        () => stager.room(),
      ),
    );
    if (validator.rowsRead === 0) throw new ImportFileError(options.fileName, null, null, 'the file has a header but no rows');
    hooks.onRowsRead?.(validator.rowsRead);

    const writeStarted = performance.now();
    const written = direct
      ? await completeEngines(session, dataset.id, role, validator.summaries())
      : await writeStagedRows(session, dataset, plan.labels, validator.summaries(), options.fileName);
    const phaseMs = { read: Math.round(writeStarted - readStarted), write: Math.round(performance.now() - writeStarted) };
    const counts: ImportCounts = { dataset: dataset.name, rowsRead: validator.rowsRead, ...written, phaseMs };
    await hooks.beforeCommit?.(session, counts);
    return counts;
  });
}

async function hasEngines(session: Session, datasetId: number): Promise<boolean> {
  const rows = await session.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM engines WHERE dataset_id = $1) AS any`, [datasetId]);
  return rows[0].any;
}

/**
 * Creates engines for the assets named `externalIds` (rows written straight into `cycles`), with their
 * unit, last cycle and RUL left for completeEngines once the whole file is read; resolves with their ids
 * in the same order.
 */
async function createEngines(
  session: Session,
  datasetId: number,
  role: string,
  labelling: string,
  externalIds: string[],
): Promise<number[]> {
  const created = await session.query<{ id: number; external_id: string }>(
    `INSERT INTO engines (dataset_id, role, external_id, labelling, updated_at)
     SELECT $1, $2::"EngineRole", e, $3::"EngineLabelling", now() FROM unnest($4::text[]) AS t(e)
     RETURNING id, external_id`,
    [datasetId, role, labelling, externalIds],
  );
  const ids = new Map(created.map((engine) => [engine.external_id, engine.id]));
  return externalIds.map((externalId) => ids.get(externalId)!);
}

/** Gives the engines created while reading their unit numbers, last cycles and RULs. */
async function completeEngines(
  session: Session,
  datasetId: number,
  role: string,
  assets: AssetSummary[],
): Promise<Omit<ImportCounts, 'dataset' | 'rowsRead' | 'phaseMs'>> {
  const units = await unitNumbers(session, datasetId, role, assets);
  await session.query(
    `UPDATE engines e SET unit = t.u, last_cycle = t.l, rul_after_last_cycle = t.r
       FROM unnest($2::text[], $3::int4[], $4::int4[], $5::int4[]) AS t(e, u, l, r)
      WHERE e.dataset_id = $1 AND e.external_id = t.e`,
    [
      datasetId,
      assets.map((asset) => asset.externalId),
      units,
      assets.map((asset) => asset.lastCycle),
      assets.map((asset) => asset.rulAfterLastCycle),
    ],
  );
  const rowsWritten = assets.reduce((sum, asset) => sum + asset.rows, 0);
  return { rowsWritten, enginesCreated: assets.length, enginesUnchanged: 0 };
}

interface StoredEngine {
  id: number;
  external_id: string;
  role: string;
  labelling: string;
  last_cycle: number;
  rul_after_last_cycle: number | null;
}

/** Checks the staged assets against the stored ones, then creates the new engines and their cycles. */
async function writeStagedRows(
  session: Session,
  dataset: StoredDataset,
  labels: ImportLabels,
  assets: AssetSummary[],
  fileName: string,
): Promise<Omit<ImportCounts, 'dataset' | 'rowsRead' | 'phaseMs'>> {
  const { role, labelling } = labellingOf(labels);
  const stored = await session.query<StoredEngine>(
    `SELECT id, external_id, role::text, labelling::text, last_cycle, rul_after_last_cycle FROM engines WHERE dataset_id = $1 AND external_id = ANY($2::text[])`,
    [dataset.id, assets.map((asset) => asset.externalId)],
  );
  const byExternalId = new Map(assets.map((asset) => [asset.externalId, asset]));
  const conflict = (asset: AssetSummary, line: number, what: string) =>
    new ImportFileError(
      fileName,
      line,
      null,
      `asset "${asset.externalId}" is already stored in ${dataset.name} with a different history (${what}): nothing was imported`,
      ErrorCode.CONFLICT,
    );
  for (const engine of stored) {
    const asset = byExternalId.get(engine.external_id)!;
    if (engine.role !== role || engine.labelling !== labelling)
      throw conflict(asset, asset.firstLine, `stored as ${engine.role.toLowerCase()}, labels ${engine.labelling}`);
    if (engine.last_cycle !== asset.lastCycle)
      throw conflict(asset, asset.firstLine, `${engine.last_cycle} cycles stored, ${asset.lastCycle} in the file`);
    if (engine.rul_after_last_cycle !== asset.rulAfterLastCycle) {
      throw conflict(
        asset,
        asset.firstLine,
        `RUL after the last cycle ${engine.rul_after_last_cycle} stored, ${asset.rulAfterLastCycle} in the file`,
      );
    }
  }
  if (stored.length > 0) {
    const differing = await session.query<{ line: number; asset: number }>(
      `SELECT s.line, s.asset FROM import_rows s JOIN unnest($1::int4[], $2::int4[]) AS m(asset, engine_id) ON m.asset = s.asset
         LEFT JOIN cycles c ON c.engine_id = m.engine_id AND c.cycle = s.cycle
        WHERE c.engine_id IS NULL OR c.settings IS DISTINCT FROM s.settings OR c.sensors IS DISTINCT FROM s.sensors
           OR c.recorded_at IS DISTINCT FROM s.recorded_at
        ORDER BY s.line LIMIT 1`,
      [stored.map((engine) => byExternalId.get(engine.external_id)!.key), stored.map((engine) => engine.id)],
    );
    if (differing[0]) {
      const asset = assets[differing[0].asset - 1];
      throw conflict(asset, differing[0].line, 'this line differs from the stored cycle');
    }
  }
  const storedIds = new Set(stored.map((engine) => engine.external_id));
  const fresh = assets.filter((asset) => !storedIds.has(asset.externalId));
  if (fresh.length === 0) return { rowsWritten: 0, enginesCreated: 0, enginesUnchanged: stored.length };

  const units = await unitNumbers(session, dataset.id, role, fresh);
  const created = await session.query<{ id: number; external_id: string }>(
    `INSERT INTO engines (dataset_id, role, unit, external_id, labelling, rul_after_last_cycle, last_cycle, updated_at)
     SELECT $1, $2::"EngineRole", u, e, $3::"EngineLabelling", r, l, now()
       FROM unnest($4::int4[], $5::text[], $6::int4[], $7::int4[]) AS t(u, e, r, l)
     RETURNING id, external_id`,
    [
      dataset.id,
      role,
      labelling,
      units,
      fresh.map((asset) => asset.externalId),
      fresh.map((asset) => asset.rulAfterLastCycle),
      fresh.map((asset) => asset.lastCycle),
    ],
  );
  const engineIds = new Map(created.map((engine) => [engine.external_id, engine.id]));
  const written = await session.query<{ count: number }>(
    `WITH inserted AS (
       INSERT INTO cycles (engine_id, cycle, recorded_at, settings, sensors)
       SELECT m.engine_id, s.cycle, s.recorded_at, s.settings, s.sensors
         FROM import_rows s JOIN unnest($1::int4[], $2::int4[]) AS m(asset, engine_id) ON m.asset = s.asset
       RETURNING 1)
     SELECT count(*)::int AS count FROM inserted`,
    [fresh.map((asset) => asset.key), fresh.map((asset) => engineIds.get(asset.externalId)!)],
  );
  return { rowsWritten: written[0].count, enginesCreated: fresh.length, enginesUnchanged: stored.length };
}

/**
 * Unit numbers of new assets: their identifiers when all of them are positive integers not yet used in
 * the data set's role (C-MAPSS-like unit numbers), else the next numbers after the highest stored one,
 * in order of first appearance, so that splits by unit ranges work on any data set.
 */
async function unitNumbers(session: Session, datasetId: number, role: string, assets: AssetSummary[]): Promise<number[]> {
  const numeric = assets.every((asset) => /^[1-9]\d{0,8}$/.test(asset.externalId));
  const taken = await session.query<{ unit: number | null }>(
    `SELECT unit FROM engines WHERE dataset_id = $1 AND role = $2::"EngineRole" AND unit IS NOT NULL ORDER BY unit DESC`,
    [datasetId, role],
  );
  if (numeric) {
    const used = new Set(taken.map((row) => row.unit));
    const units = assets.map((asset) => Number(asset.externalId));
    if (!units.some((unit) => used.has(unit))) return units;
  }
  const first = (taken[0]?.unit ?? 0) + 1;
  return assets.map((_, index) => first + index);
}
