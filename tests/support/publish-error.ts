import { PublishError } from '../../src/platforms/errors.js';

/** The PublishError a promise rejects with; fails the test if it resolves or throws anything else. */
export async function publishError(promise: Promise<unknown>): Promise<PublishError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof PublishError)) throw new Error(`expected a PublishError, got ${String(outcome)}`);
  return outcome;
}
