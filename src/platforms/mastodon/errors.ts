import { MastoDeserializeError, MastoHttpError, MastoTimeoutError, MastoUnexpectedError } from 'masto';
import { PublishError, isPublishError } from '../errors.js';
import { httpOutcome, notActedOnReason } from '../http-outcome.js';
import { errorCode } from '../network-errors.js';
import { rateLimitResetAt } from '../rate-limit-reset.js';


/**
 * Every error masto 7 (or the fetch under it) throws, as one PublishError.
 *
 * What masto 7.12 actually throws (read from its http-native-impl):
 * - a JSON error answer → MastoHttpError with `statusCode`; the Response is `cause`, so
 *   headers are only at `err.cause.headers`;
 * - an error answer with a body type it does not know (text/plain) → MastoUnexpectedError, and
 *   a text/html one (a proxy's 502 page) → a bare TypeError from destructuring `undefined`:
 *   either way the status is lost;
 * - its own timeout → MastoTimeoutError; a network failure → fetch's TypeError("fetch failed")
 *   with the system error (ECONNREFUSED…) as `cause`.
 */
export function mapMastodonError(error: unknown, now: Date = new Date()): PublishError {
  if (isPublishError(error)) return error;
  if (error instanceof MastoHttpError) return mapHttpError(error, now);
  if (error instanceof MastoTimeoutError) {
    return new PublishError(httpOutcome({ kind: 'network', error }), 'Mastodon did not answer in time; the post may have gone out', {
      cause: error,
    });
  }
  if (error instanceof MastoUnexpectedError || error instanceof MastoDeserializeError) {
    return new PublishError(httpOutcome({ kind: 'unreadable-body' }), `Mastodon answered with an unreadable body: ${error.message}`, {
      cause: error,
    });
  }
  const code = errorCode(error);
  if (httpOutcome({ kind: 'network', error }) === 'transient') {
    return new PublishError('transient', `could not reach the Mastodon instance (${code})`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new PublishError(
    'unknown-outcome',
    `the request to Mastodon failed (${code ?? message}); the post may have gone out`,
    { cause: error },
  );
}

function mapHttpError(error: MastoHttpError, now: Date): PublishError {
  const status = error.statusCode;
  const detail = [error.message, error.description]
    .filter((part) => typeof part === 'string' && part !== '')
    .join(': ');
  const text = detail || 'no details';
  const outcome = httpOutcome({ kind: 'status', status });
  if (outcome === 'rate-limited') {
    return new PublishError('rate-limited', `Mastodon rate limit reached: ${text}`, {
      cause: error,
      status,
      // Mastodon documents no Retry-After, but a proxy in front of an instance may send one.
      resetAt: rateLimitResetAt(mastodonResetAt(error.cause), responseHeader(error.cause, 'retry-after'), now),
    });
  }
  if (outcome === 'auth') {
    return new PublishError('auth', `Mastodon refused the access token (HTTP ${status}): ${text}`, {
      cause: error,
      status,
    });
  }
  if (outcome === 'transient') {
    const reason = notActedOnReason(status) ?? 'not acted on';
    return new PublishError('transient', `Mastodon answered HTTP ${status} (${reason}); nothing was posted: ${text}`, {
      cause: error,
      status,
    });
  }
  if (outcome === 'unknown-outcome') {
    return new PublishError(
      'unknown-outcome',
      `Mastodon answered HTTP ${status}; the post may have gone out: ${text}`,
      {
        cause: error,
        status,
      },
    );
  }
  // 422 carries the reason ("Validation failed: Text character limit of 500 exceeded").
  return new PublishError('rejected', `Mastodon rejected the post (HTTP ${status}): ${text}`, { cause: error, status });
}

/**
 * `X-RateLimit-Reset` is an ISO 8601 time on Mastodon
 * (https://docs.joinmastodon.org/api/rate-limits/), read from the Response masto keeps as the
 * error's cause.
 */
export function mastodonResetAt(cause: unknown): Date | undefined {
  const raw = responseHeader(cause, 'x-ratelimit-reset');
  if (raw === undefined || raw === '') return undefined;
  const time = Date.parse(raw);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** A header of the Response masto keeps as an error's cause. */
function responseHeader(cause: unknown, name: string): string | undefined {
  if (typeof cause !== 'object' || cause === null) return undefined;
  const headers: unknown = Reflect.get(cause, 'headers');
  if (typeof headers !== 'object' || headers === null) return undefined;
  const get: unknown = Reflect.get(headers, 'get');
  if (typeof get !== 'function') return undefined;
  const raw: unknown = Reflect.apply(get, headers, [name]);
  return typeof raw === 'string' ? raw : undefined;
}
