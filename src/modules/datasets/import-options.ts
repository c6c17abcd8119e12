// What a client asks of an import (data set, column roles, labels, units), and how the columns of a
// file's header are given their roles: from the client's mapping, else by header name.
import type { Catalogue, CatalogueColumn } from '../../domain/data/catalogue';
import { MAX_CATALOGUE_COLUMNS } from '../../domain/data/catalogue';
import { badInput } from '../../platform/errors';
import { assertDatasetName } from './dataset-service';
import { ImportFileError } from './import-errors';

/** How the engines' remaining useful life is known. */
export const IMPORT_LABELS = ['run-to-failure', 'rul', 'none'] as const;
export type ImportLabels = (typeof IMPORT_LABELS)[number];

export interface ImportOptions {
  dataset: string;
  /** Name of the uploaded file, used in error messages. */
  fileName: string;
  delimiter: string;
  /** Column roles by header name; null: found by header name (see planColumns). */
  asset: string | null;
  cycle: string | null;
  timestamp: string | null;
  settings: string[] | null;
  sensors: string[] | null;
  rul: string | null;
  /** Default: 'rul' when the file has a RUL column, else 'none'. */
  labels: ImportLabels | null;
  /** Unit of each column that has one (a new data set's catalogue records them). */
  units: Record<string, string>;
  description: string | null;
}

const DELIMITERS: Record<string, string> = { ',': ',', ';': ';', '|': '|', tab: '\t', '\t': '\t' };

function list(value: string | undefined): string[] | null {
  if (value === undefined || value.trim() === '') return null;
  return value.split(',').map((entry) => entry.trim());
}

/**
 * Options from named text parameters (the upload's query string, the CLI's flags): dataset, filename,
 * delimiter (',', ';', '|' or tab), asset, cycle, timestamp, rul, settings and sensors (comma-separated
 * header names), labels (run-to-failure, rul, none), units (name:unit,...), description. BAD_USER_INPUT
 * names the first bad parameter.
 */
export function parseImportOptions(parameters: Readonly<Record<string, string | undefined>>): ImportOptions {
  const known = new Set([
    'dataset',
    'format',
    'filename',
    'delimiter',
    'asset',
    'cycle',
    'timestamp',
    'rul',
    'settings',
    'sensors',
    'labels',
    'units',
    'description',
  ]);
  const unknown = Object.keys(parameters).find((name) => !known.has(name));
  if (unknown !== undefined) throw badInput(`unknown import parameter "${unknown}": expected ${[...known].join(', ')}`);
  const dataset = parameters.dataset?.trim() ?? '';
  if (dataset === '') throw badInput('dataset is required: the name of the data set to import into (created when absent)');
  assertDatasetName(dataset);
  const format = (parameters.format ?? 'csv').toLowerCase();
  if (format !== 'csv') throw badInput(`format must be csv, got "${parameters.format}" (C-MAPSS folders are imported with the CLI)`);
  const delimiter = DELIMITERS[parameters.delimiter ?? ','];
  if (delimiter === undefined) throw badInput(`delimiter must be one of ',', ';', '|' or tab, got "${parameters.delimiter}"`);
  const labels = parameters.labels?.trim() || null;
  if (labels !== null && !(IMPORT_LABELS as readonly string[]).includes(labels)) {
    throw badInput(`labels must be one of ${IMPORT_LABELS.join(', ')}, got "${labels}"`);
  }
  const units: Record<string, string> = {};
  for (const entry of list(parameters.units) ?? []) {
    const separator = entry.lastIndexOf(':');
    if (separator <= 0 || separator === entry.length - 1) throw badInput(`units must read name:unit,name:unit... got "${entry}"`);
    units[entry.slice(0, separator).trim()] = entry.slice(separator + 1).trim();
  }
  const fileName = parameters.filename?.trim() || 'upload.csv';
  if (fileName.length > 200) throw badInput('filename must hold at most 200 characters');
  const description = parameters.description?.trim() || null;
  if (description !== null && description.length > 1000) throw badInput('description must hold at most 1000 characters');
  const single = (name: 'asset' | 'cycle' | 'timestamp' | 'rul') => parameters[name]?.trim() || null;
  return {
    dataset,
    fileName,
    delimiter,
    asset: single('asset'),
    cycle: single('cycle'),
    timestamp: single('timestamp'),
    settings: list(parameters.settings),
    sensors: list(parameters.sensors),
    rul: single('rul'),
    labels: labels as ImportLabels | null,
    units,
    description,
  };
}

/** Where each role is in a file's rows, and the catalogue the rows are written in. */
export interface ColumnPlan {
  /** Header names, trimmed. */
  header: string[];
  asset: number;
  cycle: number | null;
  timestamp: number | null;
  rul: number | null;
  /** Positions in the row of the settings and of the sensors, in catalogue order. */
  settings: number[];
  sensors: number[];
  catalogue: Catalogue;
  labels: ImportLabels;
}

// Header names compared without case, spaces, '_' or '-': "Unit Number" = unit_number = unitnumber.
const normalised = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, '');
const ASSET_NAMES = ['asset', 'assetid', 'unit', 'unitnumber', 'unitid', 'engine', 'engineid', 'id', 'serial', 'serialnumber'];
const CYCLE_NAMES = ['cycle', 'cycles', 'time', 'timecycles', 'timeincycles'];
const TIMESTAMP_NAMES = ['timestamp', 'datetime', 'date', 'ts', 'recordedat'];
const RUL_NAMES = ['rul'];
const isSettingName = (name: string) => /^(setting|op)/.test(normalised(name));

/**
 * Gives every header column its role. Explicit options win; otherwise the first column named like an
 * asset (unit, engine, asset, id...), a cycle (cycle, time...), a timestamp (timestamp, datetime...), a
 * RUL (rul); settings are the columns named setting*, op*; every other column is a sensor. With a stored
 * catalogue (`stored`), the file must hold exactly its settings and sensors, in any order. Throws
 * ImportFileError at line 1 naming the column.
 */
export function planColumns(rawHeader: readonly string[], options: ImportOptions, stored: Catalogue | null): ColumnPlan {
  const header = rawHeader.map((name) => name.trim());
  const fail = (message: string, column: number | null = null) => new ImportFileError(options.fileName, 1, column, message);
  const positions = new Map<string, number>();
  header.forEach((name, index) => {
    if (name === '') throw fail('the header has an empty column name: the first line must name every column', index + 1);
    if (positions.has(name)) throw fail(`the header names column "${name}" twice`, index + 1);
    positions.set(name, index);
  });
  const taken = new Set<number>();
  const explicit = (role: string, name: string) => {
    const index = positions.get(name);
    if (index === undefined)
      throw fail(`${role} names column "${name}", which the header does not have (${header.slice(0, 30).join(', ')})`);
    if (taken.has(index)) throw fail(`column "${name}" is given two roles`, index + 1);
    taken.add(index);
    return index;
  };
  const byName = (names: readonly string[]) => {
    const index = header.findIndex((name, position) => !taken.has(position) && names.includes(normalised(name)));
    if (index < 0) return null;
    taken.add(index);
    return index;
  };
  const single = (role: 'asset' | 'cycle' | 'timestamp' | 'rul', names: readonly string[]) =>
    options[role] !== null ? explicit(role, options[role]!) : byName(names);

  const asset = single('asset', ASSET_NAMES);
  if (asset === null) throw fail(`no asset column: name it with asset=<column> (looked for ${ASSET_NAMES.join(', ')})`);
  const cycle = single('cycle', CYCLE_NAMES);
  const timestamp = single('timestamp', TIMESTAMP_NAMES);
  if (cycle === null && timestamp === null) {
    throw fail(
      `no cycle or timestamp column: name one with cycle=<column> or timestamp=<column> (looked for ${[...CYCLE_NAMES, ...TIMESTAMP_NAMES].join(', ')})`,
    );
  }
  const rul =
    options.labels === 'run-to-failure' || options.labels === 'none'
      ? options.rul !== null
        ? explicit('rul', options.rul)
        : null
      : single('rul', RUL_NAMES);
  const labels: ImportLabels = options.labels ?? (rul !== null ? 'rul' : 'none');
  if (labels === 'rul' && rul === null) throw fail('labels=rul needs a RUL column: name it with rul=<column>');

  let settings = options.settings !== null ? options.settings.map((name) => explicit('settings', name)) : null;
  if (settings === null) {
    settings = header.map((_, index) => index).filter((index) => !taken.has(index) && isSettingName(header[index]));
    settings.forEach((index) => taken.add(index));
  }
  let sensors = options.sensors !== null ? options.sensors.map((name) => explicit('sensors', name)) : null;
  if (sensors === null) {
    sensors = header.map((_, index) => index).filter((index) => !taken.has(index));
    sensors.forEach((index) => taken.add(index));
  }
  if (sensors.length === 0) throw fail('no sensor column: every column has another role');
  if (sensors.length > MAX_CATALOGUE_COLUMNS || settings.length > MAX_CATALOGUE_COLUMNS) {
    throw fail(`at most ${MAX_CATALOGUE_COLUMNS} sensor and ${MAX_CATALOGUE_COLUMNS} setting columns`);
  }
  for (const name of Object.keys(options.units)) {
    const index = positions.get(name);
    if (index === undefined || (!settings.includes(index) && !sensors.includes(index))) {
      throw fail(`units names "${name}", which is not a setting or sensor column of the file`);
    }
  }
  const column = (index: number): CatalogueColumn => ({
    name: header[index],
    unit: options.units[header[index]] ?? null,
    description: null,
  });

  if (stored === null) {
    return {
      header,
      asset,
      cycle,
      timestamp,
      rul,
      settings,
      sensors,
      catalogue: { settings: settings.map(column), sensors: sensors.map(column) },
      labels,
    };
  }
  // An existing data set: the same columns, put in its catalogue's order.
  const ordered = (kind: 'settings' | 'sensors', chosen: number[]) => {
    const storedNames = stored[kind].map((entry) => entry.name);
    const extra = chosen.find((index) => !storedNames.includes(header[index]));
    if (extra !== undefined) {
      throw fail(
        `column "${header[extra]}" is not one of the ${kind} of data set ${options.dataset} (${storedNames.slice(0, 30).join(', ') || 'none'})`,
        extra + 1,
      );
    }
    const missing = storedNames.find((name) => !chosen.some((index) => header[index] === name));
    if (missing !== undefined) throw fail(`the file lacks "${missing}", one of the ${kind} of data set ${options.dataset}`);
    return storedNames.map((name) => positions.get(name)!);
  };
  return {
    header,
    asset,
    cycle,
    timestamp,
    rul,
    settings: ordered('settings', settings),
    sensors: ordered('sensors', sensors),
    catalogue: stored,
    labels,
  };
}
