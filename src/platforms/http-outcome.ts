import type { PublishErrorCode } from './errors.js';
import { NOT_SENT_CODES, errorCodes } from './network-errors.js';

/**
 * What a failed exchange with a platform was, as far as HTTP can tell: an answer with a status,
 * no answer at all (the socket or fetch failed), or an answer whose status the library lost (a
 * body it could not read, e.g. a proxy's HTML page).
 */
export type FailedExchange =
  | { kind: 'status'; status: number }
  | { kind: 'network'; error: unknown }
  | { kind: 'unreadable-body' };

/**
 * The one reading of HTTP statuses and network errors every platform's error mapper uses, so
 * the platforms cannot drift apart. A mapper first handles what only its platform means (X's
 * duplicate-content 403, Bluesky's ExpiredToken 400) and asks this for everything else.
 *
 * - 429 → `rate-limited`; 401 and 403 → `auth` (RFC 9110 §15.5.2, §15.5.4).
 * - 408 and 425 → `transient`: the server says it did not act on the request (see below).
 * - every other 4xx → `rejected`: the request was refused, and the same request would be again.
 * - 5xx → `unknown-outcome`: the request reached a server, which (or whose upstream, behind a
 *   proxy) may have acted before failing; RFC 9110 §15.6 promises nothing either way. That
 *   holds for a 503 with Retry-After too: the header says when to ask again, not that nothing
 *   happened (Mastodon itself answers 503 when it cannot take a lock mid-request).
 * - any other status reaching a mapper (1xx–3xx) is an answer that could not be used: unknown.
 * - no answer: `transient` only when every system error code in the chain is one raised before
 *   the request left (NOT_SENT_CODES: refused, DNS, TLS); a reset, a timeout or a code-less
 *   failure may have come after the request was sent: `unknown-outcome`.
 * - no status (unreadable body): `unknown-outcome`; the platform may have acted.
 *
 * https://www.rfc-editor.org/rfc/rfc9110#section-15
 */
export function httpOutcome(exchange: FailedExchange): PublishErrorCode {
  switch (exchange.kind) {
    case 'status':
      return statusOutcome(exchange.status);
    case 'network': {
      const codes = errorCodes(exchange.error);
      return codes.length > 0 && codes.every((code) => NOT_SENT_CODES.has(code)) ? 'transient' : 'unknown-outcome';
    }
    case 'unreadable-body':
      return 'unknown-outcome';
  }
}

/**
 * 4xx statuses that say the server did not act on the request at all, so resending the same
 * request is safe (`transient`) even on X, which has no idempotency key.
 */
const NOT_ACTED_ON: ReadonlyMap<number, string> = new Map([
  // Request Timeout: the server did not receive a complete request in time and closed the
  // connection; the client "MAY repeat that request". A proxy that had forwarded the request
  // answers 504, not 408. https://www.rfc-editor.org/rfc/rfc9110#section-15.5.9
  [408, 'the server did not receive the whole request in time'],
  // Too Early: refused as possibly-replayed TLS early data, before processing; the client "can
  // automatically retry" once the handshake is done. https://www.rfc-editor.org/rfc/rfc8470#section-5.2
  [425, 'the server would not process a request sent as TLS early data'],
]);

/*
 * 409 Conflict stays `rejected`: the request conflicts with the resource's current state
 * (https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10), and the same request meets the same
 * state. The Idempotency-Key draft uses 409 for "the first request with this key is still in
 * flight" (https://datatracker.ietf.org/doc/html/draft-ietf-httpapi-idempotency-key-header#section-2.6),
 * which would be an unknown outcome, but Mastodon (the one platform here that takes the key)
 * answers that case with 503 (Mastodon::RaceConditionError,
 * https://github.com/mastodon/mastodon/blob/main/app/controllers/api/base_controller.rb).
 */

function statusOutcome(status: number): PublishErrorCode {
  if (status === 429) return 'rate-limited';
  if (status === 401 || status === 403) return 'auth';
  if (NOT_ACTED_ON.has(status)) return 'transient';
  if (status >= 400 && status < 500) return 'rejected';
  return 'unknown-outcome';
}

/** Why a `transient` status is safe to resend, for the mappers' messages; undefined otherwise. */
export function notActedOnReason(status: number): string | undefined {
  return NOT_ACTED_ON.get(status);
}
