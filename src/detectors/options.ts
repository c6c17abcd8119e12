// Options of a kind from its OptionSpecs: defaults filled in, types, ranges and choices checked, unknown
// names refused. Kinds with rules across options check those after this.
import { DetectorOptionError, type OptionSpec } from './detector';

function fail(spec: OptionSpec, message: string): never {
  throw new DetectorOptionError(`${spec.name} ${message}`);
}

function checkNumber(spec: OptionSpec, value: unknown, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(spec, `must be a finite number, got ${String(value)}`);
  if (integer && !Number.isInteger(value)) fail(spec, `must be an integer, got ${value}`);
  if (spec.min !== undefined && value < spec.min) fail(spec, `must be at least ${spec.min}, got ${value}`);
  if (spec.max !== undefined && value > spec.max) fail(spec, `must be at most ${spec.max}, got ${value}`);
  return value;
}

function checkValue(spec: OptionSpec, value: unknown): number | boolean | string | number[] {
  switch (spec.type) {
    case 'int':
      return checkNumber(spec, value, true);
    case 'float':
      return checkNumber(spec, value, false);
    case 'boolean':
      if (typeof value !== 'boolean') fail(spec, `must be true or false, got ${String(value)}`);
      return value;
    case 'string':
      if (typeof value !== 'string') fail(spec, `must be a string, got ${String(value)}`);
      if (spec.choices && !spec.choices.includes(value)) fail(spec, `must be one of ${spec.choices.join(', ')}, got "${value}"`);
      return value;
    case 'int-list':
      if (!Array.isArray(value)) fail(spec, 'must be a list of integers');
      if (value.length > 100) fail(spec, `may list at most 100 values, got ${value.length}`);
      return value.map((item) => checkNumber(spec, item, true));
  }
}

/**
 * The options of `specs` from `input`: an absent or null value takes the default (an option without a
 * default stays absent); every other value is checked.
 */
export function resolveOptionValues(specs: readonly OptionSpec[], input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const known = new Set(specs.map((spec) => spec.name));
  const unknown = Object.keys(input).filter((name) => !known.has(name) && input[name] != null);
  if (unknown.length > 0) throw new DetectorOptionError(`unknown option ${unknown.join(', ')}: options are ${[...known].join(', ')}`);
  const resolved: Record<string, unknown> = {};
  for (const spec of specs) {
    const value = input[spec.name];
    if (value == null) {
      if (spec.default !== null) resolved[spec.name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    } else {
      resolved[spec.name] = checkValue(spec, value);
    }
  }
  return resolved;
}
