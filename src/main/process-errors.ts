// What the process does with an error nothing caught: an unhandled promise rejection or an uncaught
// exception is always our bug, never a reason to end a process that serves other requests and trains
// jobs. It is logged at error level with the operation it belongs to (request id or job id, when the
// error happened inside one: ../platform/observability/operations.ts), that one operation is failed
// (its request answered 500, its job marked FAILED), and the process keeps serving. Node's default
// (exit on an unhandled rejection) and the rethrowing handlers the tfjs WebAssembly loader installs
// (removed by selectBackend) would end it.
import type { Logger } from '../platform/observability/logger';
import { currentOperation } from '../platform/observability/operations';

export type ProcessErrorKind = 'unhandled rejection' | 'uncaught exception';

/** Installs the process-wide handlers; returns a function that removes them. */
export function handleProcessErrors(logger: Logger): () => void {
  const report = (kind: ProcessErrorKind, error: unknown) => {
    const operation = currentOperation();
    logger.error(
      { err: error, operation: operation ? { kind: operation.kind, id: operation.id } : null },
      `${kind}${operation ? ` in ${operation.kind} ${operation.id}, which is failed` : ''}: the process keeps serving`,
    );
    try {
      operation?.fail(error);
    } catch (failure) {
      logger.error({ err: failure }, `could not fail the operation of an ${kind}`);
    }
  };
  const onRejection = (reason: unknown) => report('unhandled rejection', reason);
  const onException = (error: unknown) => report('uncaught exception', error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.removeListener('unhandledRejection', onRejection);
    process.removeListener('uncaughtException', onException);
  };
}
