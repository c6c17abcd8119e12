// Who is calling, as every layer above HTTP sees it: a verified API key with its roles, or everyone
// when authentication is off. How keys are issued and verified is the api-keys module's business; the
// platform only needs something that turns a presented token into a principal (KeyVerifier).
import { ApiRole } from '@prisma/client';

export const API_ROLES: readonly ApiRole[] = [ApiRole.READER, ApiRole.SCORER, ApiRole.OPERATOR, ApiRole.ADMIN];

/** Who is calling: a key, or everyone when authentication is off. */
export interface Principal {
  keyId: number | null;
  /** The key's prefix (safe to log); null when authentication is off. */
  prefix: string | null;
  name: string | null;
  roles: ReadonlySet<ApiRole>;
}

/** The principal of every request when authentication is off: it holds every role. */
export const ANONYMOUS: Principal = { keyId: null, prefix: null, name: null, roles: new Set(API_ROLES) };

export type AuthenticationResult = { ok: true; principal: Principal } | { ok: false; reason: 'malformed' | 'unknown_or_revoked' };

/** Turns a presented bearer token into a principal. */
export interface KeyVerifier {
  authenticate(token: string): Promise<AuthenticationResult>;
  /** The part of a token that is safe to log, or null when the token is malformed. */
  prefixOf(token: string): string | null;
}
