// Maps errors to what a client sees: typed service errors keep their stable code and message; a lost
// database becomes SERVICE_UNAVAILABLE; anything unexpected becomes INTERNAL_SERVER_ERROR with the
// request id (added by the request plugin of src/platform/graphql/request-plugin.ts), never a stack trace or SQL
// outside development mode.
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isDatabaseUnavailable } from '../db/connection-errors';
import { ServiceError } from '../errors';

export const INTERNAL_ERROR_CODE = 'INTERNAL_SERVER_ERROR';

/** Codes of the access and availability layer (the services' codes are in src/platform/errors.ts). */
export const AccessCode = {
  /** No key, or a malformed, unknown or revoked one (HTTP 401). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The key lacks a role the operation needs (HTTP 403). */
  FORBIDDEN: 'FORBIDDEN',
  /** A rate limit is exhausted; extensions.retryAfterMs says when to retry (HTTP 429, Retry-After). */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The database cannot be reached; retry later (HTTP 503, Retry-After). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** The request body is too large (HTTP 413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The request is not a GraphQL request this server understands (HTTP 400, 404, 405 or 415). */
  BAD_REQUEST: 'BAD_REQUEST',
} as const;
export type AccessCode = (typeof AccessCode)[keyof typeof AccessCode];

/** What a client is told to wait after SERVICE_UNAVAILABLE. */
export const UNAVAILABLE_RETRY_AFTER_MS = 5_000;

export const UNAVAILABLE_MESSAGE = 'the database is unavailable; retry shortly';

/** An access-layer error with its HTTP status (used when it rejects the whole request). */
export function accessError(
  code: AccessCode,
  message: string,
  status: number | null,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): GraphQLError {
  const http = status === null ? {} : { http: { status, headers: new Map(Object.entries(headers)) } };
  return new GraphQLError(message, { extensions: { code, ...extensions, ...http } });
}

export function isInternal(formatted: GraphQLFormattedError, error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof ServiceError || isDatabaseUnavailable(original)) return false;
  const code = formatted.extensions?.code;
  return code === undefined || code === INTERNAL_ERROR_CODE;
}

export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, exposeDetails: boolean): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof ServiceError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: original.code, ...original.details },
    };
  }
  if (isDatabaseUnavailable(original)) {
    return {
      message: UNAVAILABLE_MESSAGE,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: AccessCode.SERVICE_UNAVAILABLE, retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS },
    };
  }
  if (!isInternal(formatted, error)) {
    // Parse, validation, access and other errors Apollo classified: keep them, minus any stack trace.
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  if (exposeDetails) return formatted;
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: INTERNAL_ERROR_CODE },
  };
}

/** A GraphQL-shaped error body for requests refused before GraphQL runs (HTTP layer). */
export function errorBody(code: string, message: string, extensions: Record<string, unknown> = {}): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message, extensions: { code, ...extensions } }] };
}
