// Who may run what. Roles are declared on the resolvers with type-graphql's @Authorized(...) and
// enforced twice:
//   1. before anything runs: the guard of src/platform/graphql/request-plugin.ts checks every root field of the
//      operation against the roles its resolver declares (operationRoles below), so a mutation mixing
//      allowed and forbidden fields runs none of them, and no resolver can reveal whether a resource
//      exists to a key that may not read it;
//   2. on each field as it resolves: type-graphql's authChecker (authChecker below).
// A root field that declares no role is refused to every key but ADMIN ones (fail closed).
import { ApiRole } from '@prisma/client';
import {
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { getMetadataStorage, type AuthChecker } from 'type-graphql';
import { AccessCode, accessError } from '../graphql/errors';
import type { Principal } from './principal';

/** Roles a root field needs when its resolver declares none. */
const UNDECLARED_ROLES: readonly ApiRole[] = [ApiRole.ADMIN];

/** "Query.engines" -> the roles of which a key needs one. */
export type RoleMap = ReadonlyMap<string, readonly ApiRole[]>;

/** The roles declared with @Authorized on the root fields of `resolvers` (read from type-graphql's metadata). */
export function operationRoles(resolvers: readonly Function[]): RoleMap {
  const storage = getMetadataStorage();
  const map = new Map<string, ApiRole[]>();
  const declared = (target: Function, methodName: string): ApiRole[] | undefined => {
    const field = storage.authorizedFields.find((entry) => entry.target === target && entry.fieldName === methodName);
    const resolverClass = storage.authorizedResolver.find((entry) => entry.target === target);
    return (field?.roles ?? resolverClass?.roles) as ApiRole[] | undefined;
  };
  for (const [typeName, handlers] of [
    ['Query', storage.queries],
    ['Mutation', storage.mutations],
    ['Subscription', storage.subscriptions],
  ] as const) {
    for (const handler of handlers) {
      if (!resolvers.includes(handler.target)) continue;
      const roles = declared(handler.target, handler.methodName);
      if (roles) map.set(`${typeName}.${handler.schemaName}`, roles);
    }
  }
  return map;
}

export function holdsAnyRole(principal: Principal, roles: readonly ApiRole[]): boolean {
  return roles.length === 0 || roles.some((role) => principal.roles.has(role));
}

export function forbidden(roles: readonly ApiRole[], field: string, withStatus: boolean) {
  const needed = roles.map((role) => role.toLowerCase()).join(' or ');
  return accessError(AccessCode.FORBIDDEN, `this API key may not run ${field}: it needs the ${needed} role`, withStatus ? 403 : null, {
    requiredRoles: roles,
  });
}

/** type-graphql's per-field check (the context carries the request's principal). */
export const authChecker: AuthChecker<{ principal: Principal }, ApiRole> = ({ context, info }, roles) => {
  if (holdsAnyRole(context.principal, roles)) return true;
  throw forbidden(roles, `${info.parentType.name}.${info.fieldName}`, false);
};

/** The root fields an operation selects (through fragments too), with their node. */
export function rootFields(document: DocumentNode, operation: OperationDefinitionNode): FieldNode[] {
  const fragments = new Map(
    document.definitions
      .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((definition) => [definition.name.value, definition]),
  );
  const fields: FieldNode[] = [];
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return fields;
}

export interface OperationCost {
  /** Windows the operation may score. */
  windows: number;
  /** Training jobs it may queue. */
  trainingJobs: number;
}

/** Largest batches the services accept; larger ones are refused by them before any work. */
const MAX_SCORE_WINDOWS = 1_000;
const MAX_APPEND_CYCLES = 5_000;

/**
 * Checks the principal's roles for every root field, then returns what the operation may cost against
 * the rate limits (windows scored, training jobs queued). Throws FORBIDDEN (HTTP 403).
 */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  principal: Principal,
  roles: RoleMap,
): OperationCost {
  const rootType =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'query'
        ? schema.getQueryType()
        : schema.getSubscriptionType();
  const fields = rootFields(document, operation);
  for (const field of fields) {
    const name = field.name.value;
    if (name === '__typename' || name === '__schema' || name === '__type') continue;
    const key = `${rootType?.name ?? operation.operation}.${name}`;
    const needed = roles.get(key) ?? UNDECLARED_ROLES;
    if (!holdsAnyRole(principal, needed)) throw forbidden(needed, key, true);
  }

  const cost: OperationCost = { windows: 0, trainingJobs: 0 };
  if (operation.operation !== 'mutation') return cost;
  // Counted from the request as sent, without coercing it (execution does that, and refuses bad input).
  const defaults = new Map(
    (operation.variableDefinitions ?? []).map((definition) => [definition.variable.name.value, definition.defaultValue]),
  );
  const valueOf = (value: unknown): unknown => {
    const node = value as ValueNode | undefined;
    if (node && typeof node === 'object' && 'kind' in node) {
      if (node.kind === Kind.LIST) return node.values;
      if (node.kind === Kind.BOOLEAN) return node.value;
      if (node.kind === Kind.NULL) return null;
    }
    return value;
  };
  const argument = (field: FieldNode, name: string): unknown => {
    const node = field.arguments?.find((candidate) => candidate.name.value === name)?.value;
    if (!node) return undefined;
    return valueOf(node.kind === Kind.VARIABLE ? (variables?.[node.name.value] ?? defaults.get(node.name.value)) : node);
  };
  const listLength = (value: unknown): number => (Array.isArray(value) ? value.length : value === undefined || value === null ? 0 : 1);
  for (const field of fields) {
    switch (field.name.value) {
      case 'scoreWindow':
        cost.windows += 1;
        break;
      case 'scoreWindows': {
        const count = listLength(argument(field, 'windows'));
        if (count <= MAX_SCORE_WINDOWS) cost.windows += count;
        break;
      }
      case 'appendCycles': {
        // Each appended cycle completes at most one window to score.
        const count = listLength(argument(field, 'cycles'));
        if (argument(field, 'score') === true && count <= MAX_APPEND_CYCLES) cost.windows += count;
        break;
      }
      case 'trainModel':
        cost.trainingJobs += 1;
        break;
    }
  }
  return cost;
}
