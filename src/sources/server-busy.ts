import { readRetryAfter, type RetryAfter } from '../http/retry-after.js';

/**
 * 429 Too Many Requests (RFC 6585 §4) and 503 Service Unavailable (RFC 9110 §15.6.4): the answers
 * with which a feed's or a site's server asks to be left alone for a while, usually saying how
 * long in `Retry-After`. Any other failure keeps the usual backoff.
 */
const BUSY_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** The Retry-After of a 429 or 503 answer, as sent; undefined for any other answer or without one. */
export function busyRetryAfter(status: number, headers: { get(name: string): string | null }): string | undefined {
  if (!BUSY_STATUSES.has(status)) return undefined;
  return headers.get('retry-after') ?? undefined;
}

/**
 * Until when a failed poll's server asked us to stay away, capped at `maxWaitMs`; undefined when
 * it did not say (or said nothing readable). Fetch errors (FeedFetchError, WpHttpError) carry the
 * header as sent in `retryAfter`; it is looked for through `cause`s as well, because the
 * WordPress feed fallback wraps the feed's error in its own.
 */
export function busyUntil(error: unknown, now: Date, maxWaitMs: number): RetryAfter | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if ('retryAfter' in current && typeof current.retryAfter === 'string') return readRetryAfter(current.retryAfter, now, maxWaitMs);
    current = current.cause;
  }
  return undefined;
}
