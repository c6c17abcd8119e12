// Errors raised by the data pipeline. One base class so callers (the CLI, the GraphQL layer) can tell
// "the input data or options are wrong" apart from programming errors with a single instanceof check.

/** Invalid input to a data-pipeline function: malformed series, options out of range, unknown RUL, ... */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
