import { XRPCError } from '@atproto/api';
import { PublishError } from '../errors.js';
import { httpOutcome, notActedOnReason } from '../http-outcome.js';
import { causeChain, errorCode } from '../network-errors.js';
import { rateLimitResetAt } from '../rate-limit-reset.js';
import { httpStatusOf } from './http-status.js';

/**
 * XRPC error names that mean "these credentials or this session are not good (any more)".
 * ExpiredToken / InvalidToken come back once @atproto/api has already tried to refresh and
 * failed; AuthenticationRequired is a wrong identifier or app password on createSession.
 * https://docs.bsky.app/docs/api/com-atproto-server-create-session
 */
const AUTH_ERRORS: ReadonlySet<string> = new Set([
  'AuthenticationRequired',
  'ExpiredToken',
  'InvalidToken',
  'AccountTakedown',
  'AccountDeactivated',
  'AuthFactorTokenRequired',
]);


/** True when the PDS refused the credentials or the session (after the library's own refresh). */
export function isAuthFailure(error: unknown): boolean {
  return error instanceof XRPCError && (error.status === 401 || AUTH_ERRORS.has(error.error));
}

/** The PDS no longer has an uploaded blob (unreferenced uploads are garbage collected). */
export function isBlobNotFound(error: unknown): boolean {
  return error instanceof XRPCError && error.status === 400 && error.error === 'BlobNotFound';
}

/**
 * The one error mapper of the Bluesky adapter: every @atproto/api, fetch or abort error becomes
 * a PublishError with a stable code. `now` only serves a Retry-After fallback.
 */
export function mapBlueskyError(error: unknown, now: Date = new Date()): PublishError {
  if (error instanceof PublishError) return error;
  if (error instanceof XRPCError) return mapXrpcError(error, now);
  return mapNetworkError(error, undefined);
}

function mapXrpcError(error: XRPCError, now: Date): PublishError {
  // Status 1 is @atproto/xrpc's ResponseType.Unknown: no HTTP response at all.
  if (error.status === 1) return mapNetworkError(error, error);
  const status = httpStatusOf(error);
  const detail = `Bluesky ${status > 99 ? `${status} ` : ''}${error.error}: ${error.message}`;
  const options = { cause: error, status: status > 99 ? status : undefined };
  // Status 2 is ResponseType.InvalidResponse: a 2xx body that failed lexicon validation.
  const outcome = status === 2 ? httpOutcome({ kind: 'unreadable-body' }) : httpOutcome({ kind: 'status', status });
  if (isAuthFailure(error) || outcome === 'auth') {
    return new PublishError('auth', `${detail} (check the identifier and app password)`, options);
  }
  if (outcome === 'rate-limited' || error.error === 'RateLimitExceeded') {
    return new PublishError('rate-limited', detail, { ...options, resetAt: rateLimitReset(error.headers, now) });
  }
  if (outcome === 'transient') {
    return new PublishError('transient', `${detail} (${notActedOnReason(status) ?? 'not acted on'}; nothing was written)`, options);
  }
  // rejected, or unknown-outcome (5xx, unreadable): the PDS may well have written the record.
  return new PublishError(outcome, detail, options);
}

function mapNetworkError(error: unknown, xrpc: XRPCError | undefined): PublishError {
  const options = { cause: error };
  if (httpOutcome({ kind: 'network', error }) === 'transient') {
    return new PublishError('transient', `Bluesky unreachable (${errorCode(error) ?? 'no connection'}): nothing was sent`, options);
  }
  const causes = causeChain(error);
  const timedOut = causes.some((c) => c instanceof Error && c.name === 'TimeoutError');
  // The innermost message is the specific one ("read ECONNRESET", not "fetch failed").
  const deepest = [...causes].reverse().map(describe).find((m) => m !== '') ?? String(error);
  const what = timedOut ? 'request timed out' : xrpc ? 'connection failed' : 'unexpected error';
  return new PublishError('unknown-outcome', `Bluesky ${what}: ${deepest}; the request may have been processed`, options);
}

/**
 * `ratelimit-reset` is epoch seconds (https://docs.bsky.app/docs/advanced-guides/rate-limits);
 * a Retry-After (either form) that asks for later wins.
 */
function rateLimitReset(headers: XRPCError['headers'], now: Date): Date | undefined {
  const reset = Number(headers?.['ratelimit-reset']);
  return rateLimitResetAt(Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined, headers?.['retry-after'], now);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : '';
}
