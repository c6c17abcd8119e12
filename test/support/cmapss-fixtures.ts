// Small C-MAPSS folders for tests, cut from the FD001 files shipped in the repository.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { PrismaClient } from '@prisma/client';
import { SHIPPED_DATASET_DIR } from '../../src/platform/repository';
import { importSubset } from '../../src/modules/datasets/import-service';

export function shippedLines(fileName: string): string[] {
  const text = zlib.gunzipSync(fs.readFileSync(path.join(SHIPPED_DATASET_DIR, `${fileName}.gz`))).toString('latin1');
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** Lines of the first `units` units of an FD001 train or test file. */
export function firstUnits(fileName: string, units: number): string[] {
  return shippedLines(fileName).filter((line) => Number(line.trim().split(/\s+/)[0]) <= units);
}

/**
 * Writes a folder holding FD001-named files with the first `units` units (plain text), optionally
 * transformed, and returns its path.
 */
export function writeSubsetFolder(
  units: number,
  transform: (files: { train: string[]; test: string[]; rul: string[] }) => void = () => undefined,
): string {
  const files = {
    train: firstUnits('train_FD001.txt', units),
    test: firstUnits('test_FD001.txt', units),
    rul: shippedLines('RUL_FD001.txt').slice(0, units),
  };
  transform(files);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmapss-'));
  fs.writeFileSync(path.join(dir, 'train_FD001.txt'), `${files.train.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'test_FD001.txt'), `${files.test.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'RUL_FD001.txt'), `${files.rul.join('\n')}\n`);
  return dir;
}

/** Imports the first `units` units of the shipped FD001 (train, test and RUL) into a database. */
export async function importFirstUnits(prisma: PrismaClient, units: number): Promise<void> {
  const folder = writeSubsetFolder(units);
  try {
    await importSubset(prisma, 'FD001', folder);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
