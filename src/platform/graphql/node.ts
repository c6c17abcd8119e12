// Global object ids (the Node interface of the GraphQL Global Object Identification convention). The
// types keep their integer `id` (clients and the dashboard use it), so the global id is `nodeId`:
// opaque, `Type:id` base64url-encoded, unique across types; node(nodeId:) reads any of them back.
import type { GraphQLResolveInfo } from 'graphql';
import { Field, ID, Info, InterfaceType } from 'type-graphql';
import { badInput } from '../errors';

/** Set on what node() returns: the GraphQL type of the object (the interface resolves to it). */
export const NODE_TYPE = Symbol('node type');

export function globalId(typeName: string, id: number): string {
  return Buffer.from(`${typeName}:${id}`).toString('base64url');
}

/** The type and id of a global id; BAD_USER_INPUT when it is not one this API gave out. */
export function parseGlobalId(nodeId: string, typeNames: readonly string[], argument = 'nodeId'): { typeName: string; id: number } {
  const text = Buffer.from(nodeId, 'base64url').toString('utf8');
  const separator = text.indexOf(':');
  const typeName = text.slice(0, separator);
  const id = Number(text.slice(separator + 1));
  // Re-encoding refuses texts that merely decode to a valid one (padding, other alphabets).
  if (separator < 1 || !typeNames.includes(typeName) || !Number.isSafeInteger(id) || id < 1 || globalId(typeName, id) !== nodeId) {
    throw badInput(`${argument} is not a global id of this API: pass the nodeId of an object it returned`, { argument });
  }
  return { typeName, id };
}

@InterfaceType({
  description: 'An object with a global id: node(nodeId:) reads it back. Its integer id stays its id within its type.',
  resolveType: (value: { [NODE_TYPE]?: string }) => value[NODE_TYPE],
})
export abstract class Node {
  @Field(() => ID, { description: 'Global id: opaque, unique across types (node(nodeId:) reads it back).' })
  nodeId(@Info() info: GraphQLResolveInfo): string {
    return globalId(info.parentType.name, (this as unknown as { id: number }).id);
  }
}
