// Hostile GraphQL requests generated from the schema itself (fast-check): for every root field of Query
// and Mutation, and every argument of the fields selected under it, values of right and wrong shapes
// (huge lists, huge, negative and fractional numbers, NUL characters and lone surrogates, deep objects,
// unknown enum values and keys, nulls), sent as variables or as literals. Operations added to the schema
// later are covered without edits. Used by test/fuzz/hostile-requests.test.ts (a short run in CI) and
// bench/fuzz.ts (`npm run bench:fuzz`, a long run against a server process), which check the answers
// with checkAnswer below.
import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

export interface FuzzedOperation {
  /** The root field, e.g. Mutation.appendCycles. */
  field: string;
  type: 'query' | 'mutation';
  document: string;
  variables: Record<string, unknown>;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** Ids that exist in a small fuzzed database (engines, versions, jobs, keys are numbered from 1). */
export const DEFAULT_IDS = [1, 2, 3, 4, 5, 8, 12, 16];
/** Lengths that matter somewhere: settings, the version's sensors, all sensors, a window, one more. */
const SHAPED_LENGTHS = [0, 1, 3, 14, 21, 30, 31];

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    'FD001',
    'fd002',
    'sensor2',
    'sensor22',
    'reconstruction-error',
    'degradation-logistic',
    'a\u0000b',
    '\u0000',
    'x\ud800',
    '\udc00x',
    '\ud83d\ude80',
    "'; DROP TABLE engines; --",
    'ehk_AAAAAAAA',
    '1',
    '-1',
    'NaN',
    'Infinity',
    '{}',
    '__proto__',
    'constructor',
  ),
  fc.integer({ min: 1, max: 300_000 }).map((length) => 'x'.repeat(length)),
);

const hostileInt = (ids: readonly number[]) =>
  fc.oneof(
    fc.constantFrom(...ids),
    fc.integer({ min: -3, max: 400 }),
    fc.constantFrom(0, -1, 2_147_483_647, -2_147_483_648, 2_147_483_648, 2 ** 53, -(2 ** 53), 1e300),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  );

const hostileFloat = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -1e4, max: 1e4, noNaN: true }),
  fc.constantFrom(0, -0, 1e-300, 5e-324, 1e19, -1e19, 1e300, -1e300, 1.7976931348623157e308, 0.99, 1, 2),
);

/** Readings: plausible ones mostly, hostile ones sometimes. */
const readings = fc.oneof(
  { weight: 5, arbitrary: fc.double({ min: -1e4, max: 1e4, noNaN: true }) },
  { weight: 1, arbitrary: hostileFloat },
);

/** A list of numbers of a length that matters, or any. */
const numbers = (values: fc.Arbitrary<unknown>) =>
  fc.oneof(
    fc.constantFrom(...SHAPED_LENGTHS).chain((length) => fc.array(values, { minLength: length, maxLength: length })),
    fc.array(values, { maxLength: 40 }),
  );

/** Values no input type takes, and a few that stress the checks: deep nesting, long lists, odd keys. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3, maxKeys: 4 }),
  fc.integer({ min: 17, max: 60 }).map((depth) => {
    let value: unknown = 1;
    for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { a: value };
    return value;
  }),
  fc.constantFrom(10_000, 10_001, 40_000).map((length) => Array(length).fill(1)),
  fc.constant({ __proto__: { polluted: true } }),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}}') as unknown),
);

function scalarValue(name: string, ids: readonly number[]): fc.Arbitrary<unknown> {
  switch (name) {
    case 'Int':
      return fc.oneof(
        { weight: 6, arbitrary: hostileInt(ids) },
        { weight: 1, arbitrary: fc.oneof(hostileText, fc.boolean(), fc.constant(null)) },
      );
    case 'Float':
      return fc.oneof({ weight: 6, arbitrary: hostileFloat }, { weight: 1, arbitrary: fc.oneof(hostileText, fc.boolean()) });
    case 'String':
    case 'ID':
      return fc.oneof({ weight: 6, arbitrary: hostileText }, { weight: 1, arbitrary: fc.oneof(hostileInt(ids), fc.boolean()) });
    case 'Boolean':
      return fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.oneof(hostileInt(ids), hostileText) });
    case 'ReadingList':
      return numbers(readings);
    case 'ReadingMatrix':
      // Rows of one length (a window of some sensors) most of the time, ragged ones sometimes.
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc
            .tuple(fc.constantFrom(...SHAPED_LENGTHS), fc.constantFrom(...SHAPED_LENGTHS))
            .chain(([rows, columns]) =>
              fc.array(fc.array(readings, { minLength: columns, maxLength: columns }), { minLength: rows, maxLength: rows }),
            ),
        },
        { weight: 1, arbitrary: numbers(numbers(hostileFloat)) },
        { weight: 1, arbitrary: numbers(fc.oneof(hostileFloat, hostileText)) },
      );
    default:
      return fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileText, hostileFloat);
  }
}

/** Hostile values for an input type, right-shaped most of the time so that many reach the services. */
export function valueOf(type: GraphQLInputType, ids: readonly number[], depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type))
    return fc.oneof({ weight: 12, arbitrary: valueOf(type.ofType, ids, depth) }, { weight: 1, arbitrary: fc.constant(null) });
  if (depth > 6) return fc.constant(null);
  const right = ((): fc.Arbitrary<unknown> => {
    if (isListType(type)) {
      const item = valueOf(type.ofType, ids, depth + 1);
      const itemName = getNamedType(type.ofType).name;
      // Lists of numbers (settings, sensors) take the lengths that matter.
      const list =
        itemName === 'Float' || itemName === 'Int' ? numbers(itemName === 'Float' ? readings : item) : fc.array(item, { maxLength: 4 });
      return fc.oneof({ weight: 8, arbitrary: list }, { weight: 1, arbitrary: item });
    }
    if (isEnumType(type)) {
      return fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...type.getValues().map((value) => value.name)) },
        { weight: 1, arbitrary: fc.constantFrom('NOPE', 'train', 'SUCCEEDED_', '') },
      );
    }
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const field of fields) record[field.name] = valueOf(field.type, ids, depth + 1);
      const known = fc.record(record, { requiredKeys: [] });
      return fc.oneof(
        { weight: 8, arbitrary: known },
        { weight: 1, arbitrary: fc.tuple(known, fc.constantFrom('unknownKey', 'x')).map(([value, key]) => ({ ...value, [key]: 1 })) },
      );
    }
    return scalarValue(getNamedType(type).name, ids);
  })();
  return fc.oneof({ weight: 12, arbitrary: right }, { weight: 1, arbitrary: junk });
}

/** A value the type accepts, plausible for this service, so that the operation reaches its service. */
export function wellFormedValueOf(type: GraphQLInputType, ids: readonly number[], depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return wellFormedValueOf(type.ofType, ids, depth);
  if (depth > 6) return fc.constant(null);
  if (isListType(type)) {
    const itemName = getNamedType(type.ofType).name;
    if (itemName === 'Float') return numbers(readings);
    return fc.array(wellFormedValueOf(type.ofType, ids, depth + 1), { minLength: 1, maxLength: 3 });
  }
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((value) => value.name));
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of fields) record[field.name] = wellFormedValueOf(field.type, ids, depth + 1);
    return fc.record(record, { requiredKeys: fields.filter((field) => isNonNullType(field.type)).map((field) => field.name) });
  }
  switch (getNamedType(type).name) {
    case 'Int':
      return fc.oneof(fc.constantFrom(...ids), fc.integer({ min: 1, max: 400 }));
    case 'Float':
      return fc.oneof(readings, fc.double({ min: 0, max: 1, noNaN: true }));
    case 'String':
      return fc.oneof(
        fc.constantFrom('FD001', 'sensor2', 'sensor7', 'reconstruction-error', 'degradation-logistic'),
        fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/),
      );
    case 'Boolean':
      return fc.boolean();
    case 'ReadingList':
      return fc.array(readings, { minLength: 30, maxLength: 30 });
    case 'ReadingMatrix':
      return fc
        .constantFrom(14, 21)
        .chain((columns) => fc.array(fc.array(readings, { minLength: columns, maxLength: columns }), { minLength: 30, maxLength: 30 }));
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** The value as a GraphQL literal, or null when it has none (then it goes as a variable). */
function literalOf(value: unknown, type: GraphQLInputType): string | null {
  if (value === null || value === undefined) return 'null';
  const nullable = getNullableType(type) as GraphQLInputType;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'string') return isEnumType(nullable) && NAME.test(value) ? value : JSON.stringify(value);
  const inner = (isListType(nullable) ? nullable.ofType : nullable) as GraphQLInputType;
  if (Array.isArray(value)) {
    const items = value.map((item) => literalOf(item, inner));
    return items.every((item) => item !== null) && items.length <= 1_000 ? `[${items.join(', ')}]` : null;
  }
  if (typeof value === 'object') {
    const fields = isInputObjectType(nullable) ? nullable.getFields() : {};
    const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) =>
      NAME.test(key) ? [key, literalOf(item, (fields[key]?.type ?? nullable) as GraphQLInputType)] : [key, null],
    );
    return entries.every(([, item]) => item !== null) ? `{ ${entries.map(([key, item]) => `${key}: ${item}`).join(', ')} }` : null;
  }
  return null;
}

interface Arguments {
  text: string;
  variables: Record<string, unknown>;
  definitions: string[];
}

/** Values for `args`, each sent as a variable or, one time in four, as a literal. */
/** How values are drawn: hostile ones, or well-formed ones (then every required argument is given). */
interface Mode {
  ids: readonly number[];
  wellFormed: boolean;
}

function argumentsOf(args: readonly GraphQLArgument[], prefix: string, mode: Mode): fc.Arbitrary<Arguments> {
  if (args.length === 0) return fc.constant({ text: '', variables: {}, definitions: [] });
  return fc
    .tuple(
      ...args.map((arg) => {
        const value = mode.wellFormed ? wellFormedValueOf(arg.type, mode.ids) : valueOf(arg.type, mode.ids);
        const given =
          mode.wellFormed && isNonNullType(arg.type) ? value : fc.option(value, { nil: undefined, freq: mode.wellFormed ? 2 : 5 });
        return fc.tuple(given, fc.nat({ max: 3 }));
      }),
    )
    .map((values) => {
      const parts: string[] = [];
      const variables: Record<string, unknown> = {};
      const definitions: string[] = [];
      values.forEach(([value, mode], index) => {
        const arg = args[index];
        if (value === undefined) return; // omitted
        const literal = mode === 0 ? literalOf(value, arg.type) : null;
        if (literal !== null) {
          parts.push(`${arg.name}: ${literal}`);
          return;
        }
        const name = `${prefix}_${arg.name}`;
        variables[name] = value;
        definitions.push(`$${name}: ${String(arg.type)}`);
        parts.push(`${arg.name}: $${name}`);
      });
      return { text: parts.length > 0 ? `(${parts.join(', ')})` : '', variables, definitions };
    });
}

interface Selection {
  text: string;
  variables: Record<string, unknown>;
  definitions: string[];
}

/** A random selection of `type`'s fields (with their arguments), two levels deep at most. */
function selectionOf(type: GraphQLObjectType, prefix: string, depth: number, mode: Mode): fc.Arbitrary<Selection> {
  const fields = Object.values(type.getFields()) as GraphQLField<unknown, unknown>[];
  const candidates = fields.filter(
    (field) => isLeafType(getNamedType(field.type)) || (depth < 2 && isObjectType(getNamedType(field.type))),
  );
  return fc.subarray(candidates, { minLength: 0, maxLength: Math.min(4, candidates.length) }).chain((chosen) => {
    if (chosen.length === 0) return fc.constant({ text: '{ __typename }', variables: {}, definitions: [] });
    return fc
      .tuple(
        ...chosen.map((field, index) => {
          const named = getNamedType(field.type);
          const args = argumentsOf(field.args, `${prefix}${index}`, mode);
          const below = isObjectType(named) ? selectionOf(named, `${prefix}${index}`, depth + 1, mode) : fc.constant(null);
          return fc.tuple(args, below).map(([argumentsText, selection]) => ({ field, argumentsText, selection }));
        }),
      )
      .map((parts) => ({
        text: `{ __typename ${parts.map(({ field, argumentsText, selection }) => `${field.name}${argumentsText.text}${selection ? ` ${selection.text}` : ''}`).join(' ')} }`,
        variables: Object.assign(
          {},
          ...parts.map(({ argumentsText, selection }) => ({ ...argumentsText.variables, ...(selection?.variables ?? {}) })),
        ),
        definitions: parts.flatMap(({ argumentsText, selection }) => [...argumentsText.definitions, ...(selection?.definitions ?? [])]),
      }));
  });
}

/** The root fields of the schema's query and mutation types, as "Query.engines". */
export function rootFields(schema: GraphQLSchema): string[] {
  return [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
    type ? Object.keys(type.getFields()).map((name) => `${type.name}.${name}`) : [],
  );
}

/**
 * One operation on one root field of the schema, chosen uniformly among them, with hostile arguments or,
 * one time in two, well-formed ones (so that the services, not only the checks before them, are
 * exercised); integers are often among `ids`, so that many operations reach rows that exist.
 */
export function fuzzedOperation(
  schema: GraphQLSchema,
  ids: readonly number[] = DEFAULT_IDS,
  fields: readonly string[] = rootFields(schema),
): fc.Arbitrary<FuzzedOperation> {
  return fc.tuple(fc.constantFrom(...fields), fc.boolean()).chain(([qualified, wellFormed]) => {
    const mode: Mode = { ids, wellFormed };
    const [typeName, fieldName] = qualified.split('.');
    const rootType = typeName === schema.getMutationType()?.name ? schema.getMutationType()! : schema.getQueryType()!;
    const field = rootType.getFields()[fieldName];
    const named = getNamedType(field.type);
    return fc
      .tuple(argumentsOf(field.args, 'r', mode), isObjectType(named) ? selectionOf(named, 's', 1, mode) : fc.constant(null))
      .map(([args, selection]) => {
        const type = rootType === schema.getMutationType() ? 'mutation' : 'query';
        const definitions = [...args.definitions, ...(selection?.definitions ?? [])];
        const header = `${type} Fuzz${definitions.length > 0 ? `(${definitions.join(', ')})` : ''}`;
        return {
          field: qualified,
          type,
          document: `${header} { ${field.name}${args.text}${selection ? ` ${selection.text}` : ''} }`,
          variables: { ...args.variables, ...(selection?.variables ?? {}) },
        };
      });
  });
}

/**
 * The rows a refused operation must leave as they were. Scores of stored engines' windows are a cache
 * that reads fill (and keep), so only clients' windows and scores count; which version is active,
 * which jobs are to be cancelled and which keys are revoked count too.
 */
export const WRITTEN_ROWS_SQL = `SELECT (SELECT count(*) FROM engines) AS engines, (SELECT count(*) FROM cycles) AS cycles,
          (SELECT count(*) FROM windows WHERE source = 'CLIENT') AS "clientWindows",
          (SELECT count(*) FROM scores s JOIN windows w ON w.id = s.window_id AND w.source = 'CLIENT') AS "clientScores",
          (SELECT count(*) FROM training_jobs) AS jobs, (SELECT count(*) FROM model_versions) AS versions,
          (SELECT count(*) FROM evaluations) AS evaluations, (SELECT count(*) FROM api_keys) AS keys,
          (SELECT count(*) FROM append_requests) AS "appendRequests", (SELECT count(*) FROM training_epochs) AS epochs,
          (SELECT string_agg(id || ':' || is_active, ',' ORDER BY id) FROM model_versions) AS active,
          (SELECT string_agg(id || ':' || cancel_requested, ',' ORDER BY id) FROM training_jobs) AS cancels,
          (SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL) AS revoked,
          (SELECT string_agg(id || ':' || enabled || ':' || md5(secret), ',' ORDER BY id) FROM webhook_endpoints) AS webhooks`;

export interface FuzzAnswer {
  status: number;
  text: string;
  json: any;
}

/**
 * What must hold for every answer: no 5xx, JSON, no INTERNAL_SERVER_ERROR, no stack trace or SQL.
 * Returns a description of what failed, or null.
 */
export function checkAnswer(answer: FuzzAnswer): string | null {
  if (answer.status >= 500) return `HTTP ${answer.status}: ${answer.text.slice(0, 500)}`;
  if (answer.json === undefined) return `not JSON: ${answer.text.slice(0, 300)}`;
  const internal = (answer.json.errors ?? []).find(
    (error: { extensions?: { code?: string } }) => error.extensions?.code === 'INTERNAL_SERVER_ERROR',
  );
  if (internal) return `INTERNAL_SERVER_ERROR: ${JSON.stringify(internal).slice(0, 500)}`;
  if (/\n\s+at .+\(.*:\d+:\d+\)|prisma\.|SELECT |INSERT /.test(answer.text)) return `internals in the answer: ${answer.text.slice(0, 500)}`;
  return null;
}

/**
 * Whether the operation itself was refused: an HTTP error, an error before execution (no path), or one
 * of the root field's own resolver (path of length 1). An error deeper in the answer (a sub-field's
 * argument) comes after the operation ran: a mutation has then written what it wrote.
 */
export function refused(answer: FuzzAnswer, operation: FuzzedOperation): boolean {
  if (answer.status >= 400) return true;
  const field = operation.field.split('.')[1];
  return (answer.json?.errors ?? []).some(
    (error: { path?: (string | number)[] }) => !error.path || (error.path.length === 1 && error.path[0] === field),
  );
}
