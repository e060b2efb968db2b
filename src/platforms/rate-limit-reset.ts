import { readRetryAfter } from '../http/retry-after.js';

/**
 * The longest a `Retry-After` may hold a channel. The platforms' own reset headers (X's
 * `x-rate-limit-reset`, Bluesky's `ratelimit-reset`, Mastodon's `X-RateLimit-Reset`) are taken
 * as they are, since X's daily cap really does last up to 24 h; a Retry-After asking for more than
 * an hour (a proxy in front, a misconfigured server) is asked again after the hour, one request,
 * rather than freezing the channel's queue on its word.
 */
export const RETRY_AFTER_CAP_MS = 60 * 60_000;

/**
 * When a rate-limited channel may try again: the later of the platform's documented reset and
 * its `Retry-After` (seconds or HTTP date, capped), so neither is ever run into; undefined when
 * neither says.
 */
export function rateLimitResetAt(
  documented: Date | undefined,
  retryAfter: string | readonly string[] | null | undefined,
  now: Date,
): Date | undefined {
  const asked = readRetryAfter(retryAfter, now, RETRY_AFTER_CAP_MS)?.until;
  if (documented === undefined || asked === undefined) return documented ?? asked;
  return asked > documented ? asked : documented;
}
