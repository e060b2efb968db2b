import type { IncomingHttpHeaders } from 'node:http';
import { ApiPartialResponseError, ApiRequestError, ApiResponseError } from 'twitter-api-v2';
import { PublishError, isPublishError } from '../errors.js';
import { httpOutcome, notActedOnReason } from '../http-outcome.js';
import { errorCode } from '../network-errors.js';
import { rateLimitResetAt } from '../rate-limit-reset.js';

/** Message prefix of the PublishError for X's "duplicate content" refusal; see isXDuplicate. */
export const X_DUPLICATE_PREFIX = 'X refused a duplicate post';


/**
 * X answers a re-post of identical text with 403 and the problem detail "You are not allowed to
 * create a Tweet with duplicate content." (as reported in
 * https://github.com/plhery/node-twitter-api-v2/issues/469); v1.1 called it error 187
 * (https://developer.x.com/en/support/x-api/error-troubleshooting).
 */
const DUPLICATE_DETAIL = /duplicate content/i;
const V1_DUPLICATE_CODE = 187;

/** Every error twitter-api-v2 (or the adapter around it) throws, as one PublishError. */
export function mapXError(error: unknown, now: Date = new Date()): PublishError {
  if (isPublishError(error)) return error;
  if (error instanceof ApiResponseError) return mapResponseError(error, now);
  if (error instanceof ApiPartialResponseError) {
    // Status line received, body cut or unparseable: X may well have created the post.
    return new PublishError(httpOutcome({ kind: 'unreadable-body' }), `X answered HTTP ${error.response.statusCode} with an unreadable body`, {
      cause: error,
      status: error.response.statusCode,
    });
  }
  if (error instanceof ApiRequestError) {
    const underlying = requestErrorOf(error);
    const code = errorCode(underlying);
    const what = code ?? (underlying instanceof Error ? underlying.message : 'request failed');
    if (httpOutcome({ kind: 'network', error: underlying }) === 'transient') {
      return new PublishError('transient', `could not reach X (${what})`, { cause: error });
    }
    return new PublishError('unknown-outcome', `the request to X failed midway (${what}); the post may have gone out`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new PublishError('unknown-outcome', `unexpected error talking to X: ${message}`, { cause: error });
}

/**
 * True when X refused the post as a duplicate of one already on the account. After an unknown
 * outcome this means the first attempt most likely went out; on a first attempt it means the
 * same text was posted before (by Crier or a person). Accepts the PublishError or the raw error.
 */
export function isXDuplicate(error: unknown): boolean {
  const raw = isPublishError(error) ? error.cause : error;
  if (!(raw instanceof ApiResponseError) || raw.code !== 403) return false;
  return isDuplicateData(raw);
}

function mapResponseError(error: ApiResponseError, now: Date): PublishError {
  const status = error.code;
  const detail = describe(error);
  // 420 "Enhance Your Calm" is v1.1's rate-limit answer
  // (https://developer.x.com/en/support/x-api/error-troubleshooting).
  const outcome = status === 420 ? 'rate-limited' : httpOutcome({ kind: 'status', status });
  if (outcome === 'rate-limited') {
    return new PublishError('rate-limited', `X rate limit reached: ${detail}`, {
      cause: error,
      status,
      // X documents no Retry-After, but a proxy in front (apiBaseUrl) may send one.
      resetAt: rateLimitResetAt(xResetAt(error.headers), error.headers['retry-after'], now),
    });
  }
  if (status === 403 && isDuplicateData(error)) {
    return new PublishError('rejected', `${X_DUPLICATE_PREFIX}: ${detail}`, { cause: error, status, alreadyPosted: true });
  }
  if (outcome === 'auth') {
    return new PublishError('auth', `X refused the credentials (HTTP ${status}): ${detail}`, { cause: error, status });
  }
  if (outcome === 'unknown-outcome') {
    return new PublishError('unknown-outcome', `X answered HTTP ${status}; the post may have gone out: ${detail}`, {
      cause: error,
      status,
    });
  }
  if (outcome === 'transient') {
    const reason = notActedOnReason(status) ?? 'not acted on';
    return new PublishError('transient', `X answered HTTP ${status} (${reason}); nothing was posted: ${detail}`, { cause: error, status });
  }
  return new PublishError('rejected', `X rejected the post (HTTP ${status}): ${detail}`, { cause: error, status });
}

/**
 * When X allows the next post. `x-rate-limit-reset` is the 15-minute window; the
 * `x-user-limit-24hour-*` / `x-app-limit-24hour-*` pair is the daily cap, and when that is spent
 * its reset is the one that matters. All are epoch seconds
 * (https://docs.x.com/x-api/fundamentals/rate-limits).
 */
export function xResetAt(headers: IncomingHttpHeaders): Date | undefined {
  const candidates = [epochSeconds(headers['x-rate-limit-reset'])];
  for (const scope of ['user', 'app']) {
    if (header(headers[`x-${scope}-limit-24hour-remaining`]) === '0') {
      candidates.push(epochSeconds(headers[`x-${scope}-limit-24hour-reset`]));
    }
  }
  const times = candidates.filter((time): time is number => time !== undefined);
  return times.length ? new Date(Math.max(...times)) : undefined;
}

function isDuplicateData(error: ApiResponseError): boolean {
  const data: unknown = error.data;
  if (typeof data !== 'object' || data === null) return false;
  const { detail, errors } = data as { detail?: unknown; errors?: unknown };
  if (typeof detail === 'string' && DUPLICATE_DETAIL.test(detail)) return true;
  if (!Array.isArray(errors)) return false;
  return errors.some((item: unknown) => {
    if (typeof item !== 'object' || item === null) return false;
    const { code, message } = item as { code?: unknown; message?: unknown };
    return code === V1_DUPLICATE_CODE || (typeof message === 'string' && DUPLICATE_DETAIL.test(message));
  });
}

/** X's own words: v2 problem details (title/detail), v1.1 errors[], or the start of a non-JSON body. */
function describe(error: ApiResponseError): string {
  const data: unknown = error.data;
  if (typeof data === 'string') return data.trim() ? `non-JSON body: ${data.trim().slice(0, 120)}` : 'empty body';
  if (typeof data !== 'object' || data === null) return 'no body';
  const { title, detail, errors } = data as { title?: unknown; detail?: unknown; errors?: unknown };
  const parts = [title, detail].filter((part): part is string => typeof part === 'string' && part !== '');
  if (parts.length) return parts.join(': ');
  if (Array.isArray(errors)) {
    const messages = errors
      .map((item: unknown) =>
        typeof item === 'object' && item !== null ? (item as { message?: unknown }).message : undefined,
      )
      .filter((message): message is string => typeof message === 'string');
    if (messages.length) return messages.join('; ');
  }
  return 'no details';
}

/**
 * The socket-level error behind an ApiRequestError. twitter-api-v2 1.29.1 stores it as
 * `_options.error` while its `requestError` getter reads `_options.requestError`, so the getter
 * is always undefined; read both so a fixed release keeps working.
 */
function requestErrorOf(error: ApiRequestError): unknown {
  const viaGetter: unknown = error.requestError;
  if (viaGetter !== undefined) return viaGetter;
  const options: unknown = Reflect.get(error, '_options');
  return typeof options === 'object' && options !== null ? Reflect.get(options, 'error') : undefined;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function epochSeconds(value: string | string[] | undefined): number | undefined {
  const raw = header(value);
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim()) * 1000;
}
