// Maps errors to what a client sees: typed service errors keep their stable code and message; anything
// unexpected becomes INTERNAL_SERVER_ERROR with the request id, never a stack trace or SQL.
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ServiceError } from '../services/errors';

export const INTERNAL_ERROR_CODE = 'INTERNAL_SERVER_ERROR';

export function isInternal(formatted: GraphQLFormattedError, error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof ServiceError) return false;
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
  if (!isInternal(formatted, error)) {
    // Parse, validation and other errors Apollo classified: keep them, minus any stack trace.
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
