import { parseHttpDate } from './http-date.js';

/**
 * `Retry-After` (RFC 9110 §10.2.3, https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3):
 * how long a server that answered 429 or 503 asks us to stay away.
 *
 * Why src/http/: the platform error mappers and the feed and WordPress fetches both read this
 * header, and the intended layering forbids Sources → Platforms and Platforms → Sources. The
 * only folders both may use are about articles (src/articles/), config and logging; a protocol
 * rule belongs to none of them. So it lives in its own leaf folder that imports nothing of
 * Crier's and that anything may use.
 */

export interface RetryAfter {
  /** When the next request may go, never later than now + the caller's cap. */
  until: Date;
  /** The server asked for longer than the cap. */
  capped: boolean;
}

/** delay-seconds is 1*DIGIT: no sign, no fraction, no unit. */
const DELAY_SECONDS = /^\d+$/;

/**
 * Reads `Retry-After` in both forms, `120` (delay-seconds) and `Wed, 21 Oct 2026 07:28:00 GMT`
 * (an HTTP-date), and caps the wait at `maxWaitMs`: a server asking for a day must not silence a
 * source or a channel for a day on its word alone; we ask again after the cap.
 *
 * Undefined when there is nothing usable: no header, garbage, a negative or fractional number, or
 * a date already past. A past date mostly means the server's clock is behind ours, so it says
 * nothing reliable about when to come back; the caller's own backoff applies. Several values (a
 * repeated header) are not allowed by the grammar; the first one is read.
 */
export function readRetryAfter(
  value: string | readonly string[] | null | undefined,
  now: Date,
  maxWaitMs: number,
): RetryAfter | undefined {
  const raw = (typeof value === 'string' ? value : value?.[0])?.trim();
  if (raw === undefined || raw === '') return undefined;
  let waitMs: number;
  if (DELAY_SECONDS.test(raw)) {
    waitMs = Number(raw) * 1000;
  } else {
    const date = parseHttpDate(raw, now);
    if (date === undefined) return undefined;
    waitMs = date.getTime() - now.getTime();
    if (waitMs < 0) return undefined;
  }
  const capped = waitMs > maxWaitMs;
  return { until: new Date(now.getTime() + (capped ? maxWaitMs : waitMs)), capped };
}
