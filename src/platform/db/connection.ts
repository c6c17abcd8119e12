// Cursor connections (the GraphQL Cursor Connections convention), keyset-paginated on the rows' id (or
// another unique integer key of the list, e.g. a cycle number within an engine): a page is the rows
// beyond the cursor's key in the list's order, so it stays stable while rows are added or removed (an
// offset page shifts). Cursors are opaque to clients: `list:key`, base64url-encoded.
import { badInput } from '../errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination';

export interface ConnectionRequest {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  /** Rows of the whole list (its filter applied, the cursors not). */
  totalCount: number;
}

/** A Prisma integer filter on id. */
export interface IdBound {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

export type IdOrder = 'asc' | 'desc';

/** The rows of one list: `rows` reads those whose key is within `bound`, in `order` of key, at most `take`. */
export interface KeysetSource<T> {
  rows(bound: IdBound, order: IdOrder, take: number): Promise<T[]>;
  count(): Promise<number>;
  /** The row's key, unique within the list (default: its id). */
  key?(row: T): number;
}

const idOf = (row: unknown): number => (row as { id: number }).id;

export function cursorOf(list: string, id: number): string {
  return Buffer.from(`${list}:${id}`).toString('base64url');
}

function cursorId(list: string, cursor: string, argument: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith(`${list}:`) ? Number(text.slice(list.length + 1)) : NaN;
  // Re-encoding refuses texts that merely decode to a valid one (padding, other alphabets).
  if (!Number.isSafeInteger(id) || id < 1 || cursorOf(list, id) !== cursor) {
    throw badInput(`${argument} is not a cursor of this list: pass a cursor of a previous page of it`, { argument });
  }
  return id;
}

function pageSize(value: number, argument: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE)
    throw badInput(`${argument} must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${value}`, { argument });
  return value;
}

/** The ids beyond `id` in `order` (`inclusive`: from `id` on). */
function beyond(id: number, order: IdOrder, inclusive = false): IdBound {
  if (order === 'asc') return inclusive ? { gte: id } : { gt: id };
  return inclusive ? { lte: id } : { lt: id };
}

const reverse = (order: IdOrder): IdOrder => (order === 'asc' ? 'desc' : 'asc');

/**
 * One page of the list `list` (the cursors' namespace) in `order` of key: `first` rows after `after`,
 * or the `last` rows before `before` (both cursors may bound a page). BAD_USER_INPUT for a cursor
 * of another list, a size outside 1..MAX_PAGE_SIZE, or first and last together.
 */
export async function keysetConnection<T extends { id: number }>(
  list: string,
  order: IdOrder,
  request: ConnectionRequest | null | undefined,
  source: KeysetSource<T>,
): Promise<Connection<T>>;
/** Rows without an id: their source says their key. */
export async function keysetConnection<T>(
  list: string,
  order: IdOrder,
  request: ConnectionRequest | null | undefined,
  source: KeysetSource<T> & Required<Pick<KeysetSource<T>, 'key'>>,
): Promise<Connection<T>>;
export async function keysetConnection<T>(
  list: string,
  order: IdOrder,
  request: ConnectionRequest | null | undefined,
  source: KeysetSource<T>,
): Promise<Connection<T>> {
  const { first, after, last, before } = request ?? {};
  if (first != null && last != null) throw badInput('pass first or last, not both', { argument: 'last' });
  const backward = last != null;
  const size = pageSize(backward ? last : (first ?? DEFAULT_PAGE_SIZE), backward ? 'last' : 'first');
  const afterId = after != null ? cursorId(list, after, 'after') : null;
  const beforeId = before != null ? cursorId(list, before, 'before') : null;
  const bound: IdBound = {
    ...(afterId !== null ? beyond(afterId, order) : {}),
    ...(beforeId !== null ? beyond(beforeId, reverse(order)) : {}),
  };
  // Whether rows lie on the other side of the cursor the page starts from (one indexed row read).
  const anyBeyond = async (id: number | null, side: IdOrder) =>
    id !== null && (await source.rows(beyond(id, side, true), side, 1)).length > 0;
  const [rows, totalCount, behind] = await Promise.all([
    source.rows(bound, backward ? reverse(order) : order, size + 1),
    source.count(),
    backward ? anyBeyond(beforeId, order) : anyBeyond(afterId, reverse(order)),
  ]);
  const more = rows.length > size;
  const nodes = backward ? rows.slice(0, size).reverse() : rows.slice(0, size);
  const key: (row: T) => number = source.key ?? idOf;
  const edges = nodes.map((node) => ({ cursor: cursorOf(list, key(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: backward ? behind : more,
      hasPreviousPage: backward ? more : behind,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount,
  };
}

/** The same connection with each node mapped (e.g. a row to its view). */
export async function mapConnection<T, U>(connection: Connection<T>, map: (nodes: T[]) => U[] | Promise<U[]>): Promise<Connection<U>> {
  const nodes = await map(connection.edges.map((edge) => edge.node));
  return { ...connection, edges: connection.edges.map((edge, index) => ({ cursor: edge.cursor, node: nodes[index] })) };
}
