import type { ApiError } from '../api/graphql-client';

/** An API error as the operator reads it: the message, and its code. */
export function ErrorMessage({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error.message}
      {error.code ? ` (${error.code})` : ''}
    </p>
  );
}
