// Unit lists on the command line: "1-70", "71-80,85,90-92".
import { InvalidArgumentError } from 'commander';
import type { UnitRange } from '../../modules/training/training-request';

export function parseUnitRanges(text: string): UnitRange[] {
  return text.split(',').map((part) => {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!match) throw new InvalidArgumentError(`"${part}" is not a unit or a range of units like 1-70`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from < 1 || to < from) throw new InvalidArgumentError(`"${part}" must be a range with 1 <= first <= last`);
    return { from, to };
  });
}

export function parseNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(`"${text}" is not a number`);
  return value;
}

export function parseInteger(text: string): number {
  const value = parseNumber(text);
  if (!Number.isInteger(value)) throw new InvalidArgumentError(`"${text}" is not an integer`);
  return value;
}
