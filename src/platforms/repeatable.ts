import { PublishError } from './errors.js';

/**
 * Reading a post back, listing the account's posts, deleting a post and replacing its text are
 * safe to repeat: whatever the first request did, the same request again leaves the account as
 * it would after one. So where a publish would be an unknown outcome (a timeout, a 5xx, a reset),
 * these are simply `transient` and retried; the other codes (auth, rate-limited, rejected) stay.
 */
export function repeatable(error: PublishError): PublishError {
  if (error.code !== 'unknown-outcome') return error;
  return new PublishError('transient', error.message.replace(/;? ?the (post|request) may (have gone out|have been processed)/, ''), {
    cause: error,
    ...(error.status === undefined ? {} : { status: error.status }),
  });
}
