import { XRPCError } from '@atproto/api';
import { PublishError } from '../errors.js';
import { NOT_SENT_CODES } from '../network-errors.js';
import { rateLimitResetAt } from '../rate-limit-reset.js';

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
  const status = error.status;
  const detail = `Bluesky ${status > 99 ? `${status} ` : ''}${error.error}: ${error.message}`;
  const options = { cause: error, status: status > 99 ? status : undefined };
  if (isAuthFailure(error) || status === 403) {
    return new PublishError('auth', `${detail} (check the identifier and app password)`, options);
  }
  if (status === 429 || error.error === 'RateLimitExceeded') {
    return new PublishError('rate-limited', detail, { ...options, resetAt: rateLimitReset(error.headers, now) });
  }
  // Status 1 is @atproto/xrpc's ResponseType.Unknown: no HTTP response at all.
  if (status === 1) return mapNetworkError(error, error);
  if (status >= 400 && status < 500) return new PublishError('rejected', detail, options);
  // 5xx, and 2 (a 2xx body that failed lexicon validation): the PDS may well have written it.
  return new PublishError('unknown-outcome', detail, options);
}

function mapNetworkError(error: unknown, xrpc: XRPCError | undefined): PublishError {
  const causes = causeChain(error);
  const options = { cause: error };
  const codes = causes.map(errorCode).filter((c): c is string => c !== undefined);
  const notSent = codes.find((c) => NOT_SENT_CODES.has(c));
  if (notSent !== undefined) {
    return new PublishError('transient', `Bluesky unreachable (${notSent}): nothing was sent`, options);
  }
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

/** The error, its `cause`s and the members of AggregateErrors (happy-eyeballs connects). */
function causeChain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.length < 20) {
    const next = queue.shift();
    if (next === undefined || next === null || seen.includes(next)) continue;
    seen.push(next);
    if (next instanceof AggregateError) queue.push(...next.errors);
    if (next instanceof Error) queue.push(next.cause);
  }
  return seen;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : '';
}
