// The operation (an HTTP request, a training or batch job) that the code running now works for, carried along
// its promises and callbacks by AsyncLocalStorage. Node runs an 'unhandledRejection' or
// 'uncaughtException' listener in the async context of the promise or callback that failed, so a stray
// error can be attributed to its operation, logged with its id and fail that operation alone (see
// src/main/process-errors.ts) while the process keeps serving the others.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Operation {
  kind: 'request' | 'training-job' | 'batch-job';
  /** The request id or the job id. */
  readonly id: string;
  /** Ends the operation with `error` (answer 500, fail the job), as far as it still can be. */
  fail(error: unknown): void;
}

const storage = new AsyncLocalStorage<Operation>();

/** Runs `run` (and everything it starts) as part of `operation`. */
export function runOperation<T>(operation: Operation, run: () => T): T {
  return storage.run(operation, run);
}

/** The operation the running code belongs to, if any. */
export function currentOperation(): Operation | undefined {
  return storage.getStore();
}
