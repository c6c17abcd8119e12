// Pages of a cursor connection as the address names them: `after=<cursor>` is the page after that item,
// `before=<cursor>` the page before it, neither the first page. The cursors are the API's, opaque; a
// page stays where it is while items are added or removed elsewhere in the list.

/** The connection arguments of the page the address names. */
export type PageArguments = { first: number; after?: string } | { last: number; before: string };

/** The address parameters of a page: at most one of them is set. */
export type PageParams = { after?: string; before?: string };

export function pageArguments(params: URLSearchParams, size: number): PageArguments {
  const before = params.get('before');
  if (before) return { last: size, before };
  const after = params.get('after');
  return after ? { first: size, after } : { first: size };
}

export function pageParams(params: URLSearchParams): PageParams {
  const before = params.get('before');
  if (before) return { before };
  const after = params.get('after');
  return after ? { after } : {};
}

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/** The address parameters of the pages next to a page read, null where there is none. */
export function neighbourPages(pageInfo: PageInfo): { previous: PageParams | null; next: PageParams | null } {
  return {
    previous: pageInfo.hasPreviousPage && pageInfo.startCursor ? { before: pageInfo.startCursor } : null,
    next: pageInfo.hasNextPage && pageInfo.endCursor ? { after: pageInfo.endCursor } : null,
  };
}
