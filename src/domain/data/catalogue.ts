// A data set's sensor catalogue: its operating-setting columns and its sensor columns, in order, each
// with a name and, when known, a unit and a description. Cycles store their values in this order, so
// the catalogue is fixed once a data set exists.

import { CMAPSS_SENSOR_NAMES, CMAPSS_SETTING_NAMES } from './cmapss';
import { DataError } from './errors';

export interface CatalogueColumn {
  name: string;
  unit: string | null;
  description: string | null;
}

export interface Catalogue {
  settings: CatalogueColumn[];
  sensors: CatalogueColumn[];
}

/** Most sensor (or setting) columns a data set may have. */
export const MAX_CATALOGUE_COLUMNS = 1_000;
/** Longest column name. */
export const MAX_COLUMN_NAME_LENGTH = 100;

/**
 * NASA's readme numbers the columns ("operational setting 1", "sensor measurement 1", ...) without
 * units; the names are what stored versions list.
 */
export const CMAPSS_CATALOGUE: Catalogue = {
  settings: CMAPSS_SETTING_NAMES.map((name, index) => ({ name, unit: null, description: `operational setting ${index + 1}` })),
  sensors: CMAPSS_SENSOR_NAMES.map((name, index) => ({ name, unit: null, description: `sensor measurement ${index + 1}` })),
};

/**
 * Checks a catalogue: at least one sensor, names non-empty (at most MAX_COLUMN_NAME_LENGTH characters)
 * and unique across settings and sensors. Throws DataError naming the problem.
 */
export function assertValidCatalogue(catalogue: Catalogue): void {
  if (catalogue.sensors.length === 0) throw new DataError('a data set needs at least one sensor column');
  for (const [kind, columns] of [
    ['setting', catalogue.settings],
    ['sensor', catalogue.sensors],
  ] as const) {
    if (columns.length > MAX_CATALOGUE_COLUMNS) throw new DataError(`at most ${MAX_CATALOGUE_COLUMNS} ${kind} columns, got ${columns.length}`);
  }
  const seen = new Set<string>();
  for (const column of [...catalogue.settings, ...catalogue.sensors]) {
    if (column.name.length === 0 || column.name.length > MAX_COLUMN_NAME_LENGTH) {
      throw new DataError(`column names must hold 1 to ${MAX_COLUMN_NAME_LENGTH} characters, got "${column.name}"`);
    }
    if (seen.has(column.name)) throw new DataError(`column "${column.name}" appears twice`);
    seen.add(column.name);
  }
}

export function columnNames(columns: readonly CatalogueColumn[]): string[] {
  return columns.map((column) => column.name);
}
