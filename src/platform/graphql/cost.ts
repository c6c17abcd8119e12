// The estimated cost of an operation, from the schema and the arguments as sent (variables included),
// before anything runs: every value the answer holds counts 1, a list multiplies what it holds by its
// size, and some fields add the work they do (a trajectory read may score an engine's windows). List
// sizes come from the arguments that bound them (a page's limit, a cycles(from, to) range, the ids
// given to nodes(nodeIds:)) or from what the field declares it usually returns (@Extensions({ cost:
// ... }) on the field, see FieldCost).
// graphql-armor's cost limit counts neither variables nor page sizes: 15 aliases of
// engines(page: { limit: 500 }) { items { cycles { sensors settings } } } passed it and returned 91 MB.
import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isListType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../db/pagination';

/** What a field declares about its cost, as field extensions: @Extensions({ cost: { ... } }). */
export interface FieldCost {
  /** Work of resolving the field once, beyond its value (e.g. windows a read may score). */
  weight?: number;
  /** Items a list field is taken to return when no argument bounds it. */
  assumedSize?: number;
  /** Two Int arguments that bound the list as an inclusive range (cycles(from, to)). */
  rangeArguments?: readonly [string, string];
  /** Most items the field ever returns (larger reads are refused by its service). */
  maxSize?: number;
  /** A list argument whose length is the list's size (nodes(nodeIds:) returns one item per id). */
  sizeArgument?: string;
}

/** Items assumed of a list that declares nothing. */
export const DEFAULT_LIST_SIZE = 10;

/** The argument type of paginated lists (../graphql/pagination.ts): its limit sizes the `items` below. */
const PAGE_INPUT = 'PageInput';
/** The page size arguments of cursor connections (../db/connection.ts): they size their `edges` (and alerts' `items`). */
const CURSOR_PAGE_SIZE = 'first';
const CURSOR_PAGE_SIZE_BACKWARD = 'last';
/** The list fields a page size sizes. */
const PAGED_LISTS = new Set(['items', 'edges']);

function declaredCost(field: GraphQLField<unknown, unknown>): FieldCost {
  return ((field.extensions as { cost?: FieldCost } | undefined)?.cost ?? {}) as FieldCost;
}

function clamp(value: unknown, fallback: number, max: number): number {
  // Values outside the accepted range are refused by the services; count them at the bound.
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(Math.trunc(value), 1), max) : fallback;
}

/** The estimated cost of `operation` (see the file's header). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): number {
  const rootType =
    operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'query' ? schema.getQueryType() : null;
  if (!rootType) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    values[name] = variables?.[name] ?? (definition.defaultValue ? valueFromASTUntyped(definition.defaultValue) : undefined);
  }
  const argument = (field: FieldNode, name: string): unknown => {
    const node: ValueNode | undefined = field.arguments?.find((candidate) => candidate.name.value === name)?.value;
    return node ? valueFromASTUntyped(node, values) : undefined;
  };
  // A fragment's cost does not depend on where it is spread (only on the page size above it): counted once.
  const fragmentCosts = new Map<string, number>();

  const listSize = (field: GraphQLField<unknown, unknown>, node: FieldNode, pageSize: number | null): number => {
    const declared = declaredCost(field);
    if (PAGED_LISTS.has(node.name.value) && pageSize !== null) return pageSize;
    const assumed = declared.assumedSize ?? DEFAULT_LIST_SIZE;
    if (declared.sizeArgument) {
      const value = argument(node, declared.sizeArgument);
      // A single value where a list is expected is coerced to a list of one.
      const length = Array.isArray(value) ? value.length : value === undefined || value === null ? 0 : 1;
      return Math.min(length, declared.maxSize ?? Infinity);
    }
    if (declared.rangeArguments) {
      const [fromName, toName] = declared.rangeArguments;
      const from = argument(node, fromName);
      const to = argument(node, toName);
      if (typeof from === 'number' && typeof to === 'number' && to >= from) return Math.min(to - from + 1, declared.maxSize ?? Infinity);
    }
    return assumed;
  };

  const selectionCost = (selectionSet: SelectionSetNode, type: GraphQLObjectType, pageSize: number | null): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        total += selectionCost(selection.selectionSet, isObjectType(condition) ? condition : type, pageSize);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const key = `${selection.name.value}:${pageSize}`;
        let cost = fragmentCosts.get(key);
        if (cost === undefined) {
          const fragment = fragments.get(selection.name.value);
          const condition = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
          cost = fragment && isObjectType(condition) ? selectionCost(fragment.selectionSet, condition, pageSize) : 0;
          fragmentCosts.set(key, cost);
        }
        total += cost;
        continue;
      }
      const name = selection.name.value;
      if (name === '__schema' || name === '__type') continue; // introspection has its own limits
      const field = type.getFields()[name];
      if (!field) {
        total += 1;
        continue;
      }
      const weight = declaredCost(field).weight ?? 0;
      const size = isListType(getNullableType(field.type)) ? listSize(field, selection, pageSize) : 1;
      const named = getNamedType(field.type);
      let each = 1;
      // An interface (Node) costs what its costliest type would.
      const types = isObjectType(named) ? [named] : isAbstractType(named) ? schema.getPossibleTypes(named) : [];
      if (selection.selectionSet && types.length > 0) {
        const page = field.args.some((arg) => getNamedType(arg.type).name === PAGE_INPUT)
          ? clamp((argument(selection, 'page') as { limit?: unknown } | undefined)?.limit, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
          : field.args.some((arg) => arg.name === CURSOR_PAGE_SIZE)
            ? clamp(
                argument(selection, CURSOR_PAGE_SIZE) ?? argument(selection, CURSOR_PAGE_SIZE_BACKWARD),
                DEFAULT_PAGE_SIZE,
                MAX_PAGE_SIZE,
              )
            : null;
        each += Math.max(...types.map((candidate) => selectionCost(selection.selectionSet!, candidate, page)));
      }
      total += weight + size * each;
    }
    return total;
  };

  return selectionCost(operation.selectionSet, rootType, null);
}
