// The first problem an import finds in its file, located: file name, line (1-based, the header is line 1)
// and column (1-based position in the row, null when the problem is not about one column).
import { ErrorCode, ServiceError } from '../../platform/errors';

export class ImportFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: number | null,
    readonly reason: string,
    /** DATASET_ERROR for a malformed file; CONFLICT when it disagrees with stored data. */
    readonly code: ErrorCode = ErrorCode.DATASET_ERROR,
  ) {
    super(`${file}${line !== null ? `, line ${line}` : ''}${column !== null ? `, column ${column}` : ''}: ${reason}`);
    this.name = 'ImportFileError';
  }

  toServiceError(): ServiceError {
    return new ServiceError(this.code, this.message, { file: this.file, line: this.line, column: this.column });
  }
}

/** What an import record stores of its failure. */
export interface ImportErrorRecord {
  code: string;
  message: string;
  file: string | null;
  line: number | null;
  column: number | null;
}

/** The record of a failure: located for file errors, the message of a ServiceError, else a generic one. */
export function importErrorRecord(error: unknown, fileName: string): ImportErrorRecord {
  if (error instanceof ImportFileError) {
    return { code: error.code, message: error.message, file: error.file, line: error.line, column: error.column };
  }
  if (error instanceof ServiceError) return { code: error.code, message: error.message, file: fileName, line: null, column: null };
  return {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'the import failed on an internal error (see the server log)',
    file: fileName,
    line: null,
    column: null,
  };
}
