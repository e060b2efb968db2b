import { fetch } from 'undici';
import type { Dispatcher } from 'undici';
import { collect, decodeBody } from '../feed/read-body.js';
import { busyRetryAfter } from '../server-busy.js';

export interface WpGetOptions {
  /** `Basic …` for application passwords; dropped when a redirect leaves the site's origin. */
  authorization?: string | undefined;
  /** One budget for connect, every redirect hop and the whole body. */
  deadlineMs: number;
  dispatcher?: Dispatcher | undefined;
  /** Cap on the body after decompression. Default 15 MiB, as for feeds. */
  maxBytes?: number;
  /** Caller cancellation (shutdown). Aborting rethrows the signal's reason, not a WpHttpError. */
  signal?: AbortSignal | undefined;
}

export type WpGetResult =
  | {
      kind: 'ok';
      json: unknown;
      /** X-WP-TotalPages, when the server (or a proxy in front of it) did not strip it. */
      totalPages?: number | undefined;
      /** The server's Date header: the site's own clock, used for cursors. */
      serverDate?: Date | undefined;
    }
  /** 401/403/404/410: the REST API is switched off, blocked, or refuses our credentials. */
  | { kind: 'unavailable'; status: number; code?: string | undefined };

export type WpHttpErrorCode = 'http-status' | 'timeout' | 'too-large' | 'too-many-redirects' | 'network' | 'bad-response';

export class WpHttpError extends Error {
  override readonly name = 'WpHttpError';
  /** HTTP status for `http-status`. */
  readonly status?: number;
  /** Retry-After as sent with a 429 or 503: the poll backs off until then (server-busy.ts). */
  readonly retryAfter?: string;

  constructor(
    readonly code: WpHttpErrorCode,
    readonly url: string,
    message: string,
    options: { cause?: unknown; status?: number; retryAfter?: string | undefined } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

const MAX_REDIRECTS = 5;
const DEFAULT_MAX_BYTES = 15 * 1024 * 1024;
const USER_AGENT = 'Crier/0.1 (WordPress REST client)';
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const UNAVAILABLE: ReadonlySet<number> = new Set([401, 403, 404, 410]);

/**
 * GET one WordPress REST URL as JSON, with the same hard limits as feed fetches: a total deadline,
 * a body cap enforced while streaming, at most 5 redirects. Redirects are followed by hand so the
 * Authorization header never travels to another origin.
 */
export async function wpGetJson(url: string, options: WpGetOptions): Promise<WpGetResult> {
  const deadline = AbortSignal.timeout(options.deadlineMs);
  const local = new AbortController();
  // Linked by a listener, not AbortSignal.any on the long-lived caller signal (see fetch-feed.ts).
  const onCallerAbort = (): void => local.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (options.signal?.aborted) local.abort(options.signal.reason);
  const signal = AbortSignal.any([deadline, local.signal]);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const origin = new URL(url).origin;
  let current = url;
  try {
    for (let redirects = 0; ; redirects++) {
      const headers: Record<string, string> = {
        accept: 'application/json',
        'accept-encoding': 'gzip, deflate, br',
        'user-agent': USER_AGENT,
      };
      if (options.authorization && new URL(current).origin === origin) headers.authorization = options.authorization;
      const response = await fetch(current, {
        headers,
        redirect: 'manual',
        signal,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
      const { status } = response;
      if (REDIRECTS.has(status)) {
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get('location');
        if (location === null) throw new WpHttpError('http-status', url, `${url} answered HTTP ${status} without a Location header`, { status });
        if (redirects >= MAX_REDIRECTS) {
          throw new WpHttpError('too-many-redirects', url, `${url} redirected more than ${MAX_REDIRECTS} times; set the source url to the site's final address`);
        }
        const next = new URL(location, current);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new WpHttpError('http-status', url, `${url} redirected to a non-HTTP URL: ${next.href}`);
        }
        current = next.href;
        continue;
      }
      const refuse = (): Error => {
        const error = new WpHttpError('too-large', url, `${url} exceeded the ${maxBytes / (1024 * 1024)} MiB body limit`);
        local.abort(error);
        return error;
      };
      const bytes = response.body ? await collect(response.body, maxBytes, refuse) : Buffer.alloc(0);
      const text = decodeBody(bytes, response.headers.get('content-type') ?? undefined);
      if (UNAVAILABLE.has(status)) return { kind: 'unavailable', status, code: errorCode(text) };
      if (status < 200 || status > 299) {
        const code = errorCode(text);
        const retryAfter = busyRetryAfter(status, response.headers);
        throw new WpHttpError('http-status', url, `${url} answered HTTP ${status}${code ? ` (${code})` : ''}`, { status, retryAfter });
      }
      return {
        kind: 'ok',
        json: parseJson(text, url),
        totalPages: positiveInt(response.headers.get('x-wp-totalpages')),
        serverDate: httpDate(response.headers.get('date')),
      };
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof WpHttpError) throw error;
    if (deadline.aborted) {
      throw new WpHttpError('timeout', url, `${url} did not answer within ${options.deadlineMs / 1000} s`, { cause: error });
    }
    throw new WpHttpError('network', url, `${url} could not be fetched (${describe(error)})`, { cause: error });
  } finally {
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const start = JSON.stringify(text.trimStart().slice(0, 40));
    // Typical causes: a security plugin's challenge page, or PHP notices printed before the JSON.
    throw new WpHttpError('bad-response', url, `${url} did not answer JSON (it starts with ${start})`, { cause: error });
  }
}

/** WordPress errors are `{ "code": "rest_no_route", "message": …, "data": { "status": 404 } }`. */
function errorCode(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'string') return body.code;
  } catch {
    // An HTML error page (web server, firewall): there is no WordPress code to report.
  }
  return undefined;
}

function positiveInt(value: string | null): number | undefined {
  const n = Number(value ?? Number.NaN);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function httpDate(value: string | null): Date | undefined {
  if (value === null) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** undici wraps the useful part ("ECONNREFUSED") a cause or two deep. */
function describe(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if ('code' in current && typeof current.code === 'string') return `${current.code}: ${current.message}`;
    if (current.cause === undefined) return current.message;
    current = current.cause;
  }
  return String(current);
}
