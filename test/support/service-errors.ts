// The typed error a service call is refused with, for tests that check its code, message and details.
import { ServiceError } from '../../src/platform/errors';

/** The ServiceError `promise` rejects with; anything else (a resolution, another error) fails the test. */
export async function serviceErrorOf(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  );
  if (!(error instanceof ServiceError)) throw error;
  return error;
}
