// Maps errors to what a client sees: typed service errors keep their stable code and message; a lost
// database becomes SERVICE_UNAVAILABLE; anything unexpected becomes INTERNAL_SERVER_ERROR with the
// request id (added by the request plugin of src/platform/graphql/request-plugin.ts), never a stack trace or SQL
// outside development mode.
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

/**
 * What an error is, for the answer and the log: a typed service error; a refusal of the request itself
 * (parse, validation, coercion, access and limit errors, and the errors graphql-js and Apollo raise about
 * the request before running anything: those carry neither a code nor an original error); the
 * database being unreachable; or anything else, which is our bug.
 */
export type ErrorKind = 'service' | 'client' | 'unavailable' | 'internal';

/** The innermost error a GraphQLError wraps (resolver errors are wrapped once per located path). */
function innermost(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

export function classifyError(error: unknown): ErrorKind {
  if (innermost(error) instanceof ServiceError) return 'service';
  if (isDatabaseUnavailable(error)) return 'unavailable';
  // A code given along the chain (by graphql-js, Apollo or the access layer) names a refusal.
  for (let current: unknown = error; current instanceof GraphQLError; current = current.originalError) {
    const code = current.extensions?.code;
    if (code === INTERNAL_ERROR_CODE) return 'internal';
    if (code !== undefined || !current.originalError) return 'client';
  }
  return 'internal';
}

export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, exposeDetails: boolean): GraphQLFormattedError {
  const kind = classifyError(error);
  const original = innermost(error);
  if (kind === 'service' && original instanceof ServiceError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: original.code, ...original.details },
    };
  }
  if (kind === 'unavailable') {
    return {
      message: UNAVAILABLE_MESSAGE,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: AccessCode.SERVICE_UNAVAILABLE, retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS },
    };
  }
  if (kind === 'client') {
    // Parse, validation, access and other refusals: keep them, minus any stack trace. Apollo gives the
    // code-less ones (an APQ hash or version mismatch, an operation the schema cannot execute)
    // INTERNAL_SERVER_ERROR: they are the request's fault.
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    const code = (error as GraphQLError).extensions?.code ?? AccessCode.BAD_REQUEST;
    return { ...formatted, extensions: { ...extensions, code } };
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
