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

/** FD001 train unit `unit`'s cycles as CycleInput (its 3 settings and 21 sensors), in cycle order. */
export function trainUnitCycles(unit: number): { settings: number[]; sensors: number[] }[] {
  return shippedLines('train_FD001.txt')
    .filter((line) => line.startsWith(`${unit} `))
    .map((line) => line.trim().split(/\s+/).slice(2).map(Number))
    .map((row) => ({ settings: row.slice(0, 3), sensors: row.slice(3) }));
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

/** Three operating conditions (altitude in kft, Mach, throttle), as C-MAPSS FD002 flies six, and the offset of each. */
export const TEST_CONDITIONS = [
  { settings: [0, 0, 100], offset: 0 },
  { settings: [20, 0.7, 100], offset: -40 },
  { settings: [42, 0.84, 60], offset: 25 },
];

/**
 * The first `units` FD001 units flown at TEST_CONDITIONS, written as an FD002 folder: each cycle gets a
 * condition (a fixed pattern), its settings are that condition's set point, and sensor s reads its FD001
 * value plus (s + 1) times the condition's offset. Returns the folder's path.
 */
export function writeMultiConditionFolder(units: number): string {
  const fly = (line: string) => {
    const fields = line.trim().split(/\s+/).map(Number);
    const condition = TEST_CONDITIONS[(fields[0] * 7 + fields[1] * 5) % TEST_CONDITIONS.length];
    const settings = condition.settings.map((value) => String(value));
    const sensors = fields.slice(5).map((value, sensor) => (value + (sensor + 1) * condition.offset).toFixed(4));
    return [fields[0], fields[1], ...settings, ...sensors].join(' ');
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmapss-'));
  fs.writeFileSync(path.join(dir, 'train_FD002.txt'), `${firstUnits('train_FD001.txt', units).map(fly).join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'test_FD002.txt'), `${firstUnits('test_FD001.txt', units).map(fly).join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'RUL_FD002.txt'), `${shippedLines('RUL_FD001.txt').slice(0, units).join('\n')}\n`);
  return dir;
}

/** Imports writeMultiConditionFolder(units) as FD002. */
export async function importMultiCondition(prisma: PrismaClient, units: number): Promise<void> {
  const folder = writeMultiConditionFolder(units);
  try {
    await importSubset(prisma, 'FD002', folder);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
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
