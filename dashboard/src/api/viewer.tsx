// What the caller may do: the API's `viewer` (its key's name and roles; every role when authentication
// is off), read once per key, so that pages offer only what the key's roles allow. This only hides
// things: the API refuses whatever a key may not run anyway.
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useQuery } from './use-query';
import { gql } from './gql';
import type { ApiRole } from '../gql/graphql';

export type Role = ApiRole;

const ALL_ROLES: Role[] = ['READER', 'SCORER', 'OPERATOR', 'ADMIN'];

export const VIEWER_QUERY = gql(`query Viewer { viewer { authenticated name roles } }`);

export interface Viewer {
  /** False until the API has answered: then nothing that needs a role is offered yet. */
  known: boolean;
  authenticated: boolean;
  name: string | null;
  roles: Role[];
  can(role: Role): boolean;
}

const UNKNOWN: Viewer = { known: false, authenticated: false, name: null, roles: [], can: () => false };

const ViewerContext = createContext<Viewer>(UNKNOWN);

export function useViewer(): Viewer {
  return useContext(ViewerContext);
}

export function ViewerProvider({ children }: { children: ReactNode }) {
  const { data, error } = useQuery(VIEWER_QUERY, {});
  // Any other failure than a missing key (which shows the key form) offers everything: the API decides.
  const failed = error !== null && error.code !== 'UNAUTHENTICATED';
  const viewer = useMemo<Viewer>(() => {
    const answer = data?.viewer ?? (failed ? { authenticated: false, name: null, roles: ALL_ROLES } : null);
    if (!answer) return UNKNOWN;
    return { known: true, ...answer, can: (role: Role) => answer.roles.includes(role) };
  }, [data, failed]);
  return <ViewerContext.Provider value={viewer}>{children}</ViewerContext.Provider>;
}

/** What a key without `role` sees instead of a page or an action. */
export function NeedsRole({ role, what }: { role: Role; what: string }) {
  const viewer = useViewer();
  if (!viewer.known) return null;
  return (
    <p className="status" data-testid="needs-role">
      {what} needs the {role.toLowerCase()} role; this API key holds {viewer.roles.map((item) => item.toLowerCase()).join(', ') || 'none'}.
    </p>
  );
}
