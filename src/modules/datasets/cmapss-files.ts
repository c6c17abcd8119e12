// Reads a C-MAPSS subset from a folder holding the NASA files, plain (`train_FD001.txt`) or gzip-compressed
// (`train_FD001.txt.gz`, as shipped in this repository). All three files are parsed before anything uses them.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseRul, parseTrajectories, type Subset, type UnitTrajectory } from '../../domain/data/cmapss';

export interface SubsetFiles {
  subset: Subset;
  train: UnitTrajectory[];
  test: UnitTrajectory[];
  /** True RUL after the last cycle of each test unit, in unit order. */
  testRul: number[];
}

export class DatasetFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetFileError';
  }
}

function readText(dir: string, fileName: string): string {
  const plain = path.join(dir, fileName);
  if (fs.existsSync(plain)) return fs.readFileSync(plain, 'latin1');
  const compressed = `${plain}.gz`;
  if (fs.existsSync(compressed)) return zlib.gunzipSync(fs.readFileSync(compressed)).toString('latin1');
  throw new DatasetFileError(`${fileName} (or ${fileName}.gz) not found in ${dir}`);
}

export function readSubsetFiles(dir: string, subset: Subset): SubsetFiles {
  const trainName = `train_${subset}.txt`;
  const testName = `test_${subset}.txt`;
  const rulName = `RUL_${subset}.txt`;
  const train = parseTrajectories(readText(dir, trainName), trainName);
  const test = parseTrajectories(readText(dir, testName), testName);
  const testRul = parseRul(readText(dir, rulName), rulName);
  if (testRul.length !== test.length) {
    throw new DatasetFileError(`${rulName} has ${testRul.length} values but ${testName} has ${test.length} units`);
  }
  test.forEach((trajectory, index) => {
    if (trajectory.unit !== index + 1) {
      throw new DatasetFileError(
        `${testName}: units must be numbered 1..${test.length}; found unit ${trajectory.unit} at position ${index + 1}`,
      );
    }
  });
  return { subset, train, test, testRul };
}
