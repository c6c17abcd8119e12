// Typed errors of the use cases. Each carries a stable code that the GraphQL layer exposes as
// `extensions.code`, so clients can branch on it; messages say what to fix.

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  INVALID_WINDOW: 'INVALID_WINDOW',
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  INVALID_TRAINING_CONFIG: 'INVALID_TRAINING_CONFIG',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  NO_ACTIVE_MODEL: 'NO_ACTIVE_MODEL',
  DATASET_ERROR: 'DATASET_ERROR',
  VERSION_IN_USE: 'VERSION_IN_USE',
  /** A portable version file this service cannot import: malformed, damaged, changed or of an unknown format version. */
  INVALID_VERSION_FILE: 'INVALID_VERSION_FILE',
  /** A webhook URL that is not https, or whose target is internal (details.reason says which). */
  INVALID_WEBHOOK_URL: 'INVALID_WEBHOOK_URL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class ServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export function notFound(what: string, id: number | string): ServiceError {
  return new ServiceError(ErrorCode.NOT_FOUND, `${what} ${id} does not exist`, { what, id });
}

export function badInput(message: string, details: Record<string, unknown> = {}): ServiceError {
  return new ServiceError(ErrorCode.BAD_USER_INPUT, message, details);
}
