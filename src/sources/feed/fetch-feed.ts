import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { collect, decompressed, UnsupportedEncodingError } from './read-body.js';
import { decodeBytes, guessedCharsetWarning } from '../charset.js';
import { busyRetryAfter } from '../server-busy.js';

export interface FetchFeedOptions {
  /** Validators from the previous successful fetch, sent as If-None-Match / If-Modified-Since. */
  etag?: string;
  lastModified?: string;
  /** sha256 hex of the previous body: a byte-identical body comes back as `unchanged`. */
  previousHash?: string;
  /** One budget for connect, every redirect hop and the whole body. Default 20 000. */
  deadlineMs?: number;
  /** Cap on the body after decompression. Default 15 MiB. */
  maxBytes?: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  /** Connection pool (keep-alive, per-host concurrency) owned by the caller. */
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Caller cancellation (shutdown). Aborting rethrows the signal's reason, not a FeedFetchError. */
  signal?: AbortSignal;
  /**
   * A changed body of at least this many bytes comes back undecoded (`fetched-bytes`), for a
   * worker thread to decode and parse (parse-pool.ts parseBytes): decoding 4 MB to a string is a
   * 30–50 ms stall of the caller's event loop. Default Infinity: always decoded here.
   */
  bytesFrom?: number;
}

interface Validators {
  etag?: string;
  lastModified?: string;
}

/** What a changed body came with, decoded or not. */
interface FetchedMeta extends Validators {
  /** sha256 hex of the (decompressed) body bytes. */
  hash: string;
  /** URL after redirects: what a permanent move should be recorded as. */
  finalUrl: string;
  contentType?: string;
}

export type FetchResult =
  | { kind: 'not-modified'; status: 304 }
  | { kind: 'unchanged'; hash: string; etag?: string; lastModified?: string }
  | {
      kind: 'fetched';
      body: string;
      /** sha256 hex of the (decompressed) body bytes. */
      hash: string;
      etag?: string;
      lastModified?: string;
      /** URL after redirects: what a permanent move should be recorded as. */
      finalUrl: string;
      contentType?: string;
      /** The encoding the body was decoded as (src/sources/charset.ts). */
      encoding: string;
      /** Set when the feed declared no charset and was not UTF-8: a warning naming the feed. */
      charsetWarning?: string;
    }
  /**
   * A body at or over `bytesFrom`, as received (decompressed, not decoded). `bytes` owns its
   * whole ArrayBuffer, so it can be transferred to a thread rather than copied.
   */
  | ({ kind: 'fetched-bytes'; bytes: Uint8Array } & FetchedMeta);

export type FeedFetchErrorCode =
  | 'http-status'
  | 'timeout'
  | 'too-large'
  | 'too-many-redirects'
  | 'network'
  | 'not-found';

export class FeedFetchError extends Error {
  override readonly name = 'FeedFetchError';
  readonly code: FeedFetchErrorCode;
  readonly url: string;
  /** HTTP status for `http-status` and HTTP `not-found`. */
  readonly status?: number;
  /** Retry-After as sent with a 429 or 503: the poll backs off until then (server-busy.ts). */
  readonly retryAfter?: string;

  constructor(
    code: FeedFetchErrorCode,
    url: string,
    message: string,
    options: { cause?: unknown; status?: number; retryAfter?: string | undefined } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.url = url;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

const DEFAULT_DEADLINE_MS = 20_000;
const DEFAULT_MAX_BYTES = 15 * 1024 * 1024;
const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_USER_AGENT = 'Crier/0.1 (feed fetcher)';
const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, ' +
  'application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5';
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

interface Limits {
  deadlineMs: number;
  maxBytes: number;
  maxRedirects: number;
  bytesFrom: number;
}

/**
 * Fetch a feed with conditional GET and hard limits. Never parses: a 304 or a body whose hash
 * matches `previousHash` is reported as such so the caller can skip parsing entirely.
 */
export async function fetchFeed(url: string, options: FetchFeedOptions = {}): Promise<FetchResult> {
  const limits: Limits = {
    deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    maxRedirects: options.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
    bytesFrom: options.bytesFrom ?? Number.POSITIVE_INFINITY,
  };
  // One controller per fetch, aborted by the deadline, by the caller (shutdown), or by us to tear
  // down a body we refuse to read (over the cap). The caller's signal is linked by a listener, not
  // AbortSignal.any: on Node 20 every any() call leaves a dead entry on a long-lived input signal
  // (nodejs/node#55351), a slow leak in a daemon that polls with one shutdown signal for months.
  const local = new AbortController();
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    local.abort(new Error(`deadline of ${limits.deadlineMs} ms passed`));
  }, limits.deadlineMs);
  const onCallerAbort = (): void => local.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (options.signal?.aborted) local.abort(options.signal.reason);
  const signal = local.signal;

  try {
    const target = new URL(url);
    if (target.protocol === 'file:') return await fetchFile(target, limits, options, signal);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new FeedFetchError('network', url, `feed ${url} uses an unsupported scheme; use http(s):// or file://`);
    }
    return await fetchHttp(url, limits, options, signal, local);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof FeedFetchError) throw error;
    if (timedOut) {
      const seconds = `${Number((limits.deadlineMs / 1000).toFixed(3))} s`;
      const message = `feed ${url} did not answer within ${seconds}; check the server, or raise the source's fetchTimeout (default defaults.fetchTimeout)`;
      throw new FeedFetchError('timeout', url, message, { cause: error });
    }
    const message = `feed ${url} could not be fetched (${describeCause(error)}); check the URL and the network`;
    throw new FeedFetchError('network', url, message, { cause: error });
  } finally {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

async function fetchHttp(
  url: string,
  limits: Limits,
  options: FetchFeedOptions,
  signal: AbortSignal,
  local: AbortController,
): Promise<FetchResult> {
  const headers: Record<string, string> = {
    accept: ACCEPT,
    'accept-encoding': 'gzip, deflate, br',
    'user-agent': options.userAgent ?? DEFAULT_USER_AGENT,
  };
  if (options.etag) headers['if-none-match'] = options.etag;
  if (options.lastModified) headers['if-modified-since'] = options.lastModified;

  let current = url;
  for (let redirects = 0; ; redirects++) {
    // undici's request(), not fetch(): a poll answered 304 is most polls, and the WHATWG layer
    // (Request, Headers, web streams) was a large part of its cost (bench/, polling). Redirects and
    // decompression are ours to do.
    const response = await request(current, {
      method: 'GET',
      headers,
      signal,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    const where = current === url ? `feed ${url}` : `feed ${url} (redirected to ${current})`;
    const { statusCode: status } = response;
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    // Any body we will not read is dumped, which frees the connection without keeping it.
    const discard = (): Promise<unknown> => response.body.dump().catch(() => undefined);

    if (REDIRECT_STATUSES.has(status)) {
      await discard();
      const location = header('location');
      if (location === undefined) {
        throw new FeedFetchError('http-status', url, `${where} answered HTTP ${status} without a Location header`, { status });
      }
      if (redirects >= limits.maxRedirects) {
        const message = `feed ${url} redirected more than ${limits.maxRedirects} times; point the source at the final URL`;
        throw new FeedFetchError('too-many-redirects', url, message);
      }
      current = resolveRedirect(location, current, where, url);
      continue;
    }
    if (status === 304) {
      await discard();
      return { kind: 'not-modified', status: 304 };
    }
    if (status < 200 || status > 299) {
      await discard();
      const notFound = status === 404 || status === 410;
      const message = `${where} answered HTTP ${status}${notFound ? '; check the feed URL in the config' : ''}`;
      const retryAfter = busyRetryAfter(status, { get: (name) => header(name.toLowerCase()) ?? null });
      throw new FeedFetchError(notFound ? 'not-found' : 'http-status', url, message, { status, retryAfter });
    }

    const encoding = header('content-encoding')?.trim().toLowerCase() || 'identity';
    const declaredLength = Number(header('content-length') ?? Number.NaN);
    // Only an uncompressed length says anything certain about the decoded size.
    if (encoding === 'identity' && declaredLength > limits.maxBytes) {
      await discard();
      throw tooLarge(url, limits.maxBytes, `it declared ${declaredLength} bytes`);
    }

    const refuse = (): Error => {
      const error = tooLarge(url, limits.maxBytes, 'after decompression');
      local.abort(error);
      return error;
    };
    // Hashed chunk by chunk as it arrives: hashing 4 MB at once is ~10 ms in one stretch.
    const hash = createHash('sha256');
    let bytes: Buffer;
    try {
      bytes = await collect(decompressed(response.body, encoding), limits.maxBytes, refuse, hash);
    } catch (error) {
      if (error instanceof UnsupportedEncodingError) {
        await discard();
        throw new FeedFetchError('http-status', url, `${where} was sent with content-encoding "${encoding}", which Crier cannot decode`);
      }
      throw error;
    }
    const meta = { etag: header('etag'), lastModified: header('last-modified'), contentType: header('content-type') };
    return result(bytes, hash, limits, options.previousHash, { ...meta, finalUrl: current });
  }
}

function resolveRedirect(location: string, current: string, where: string, url: string): string {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch (error) {
    throw new FeedFetchError('http-status', url, `${where} redirected to an invalid URL: ${location}`, { cause: error });
  }
  // A remote server must never steer us into file:// or another local scheme.
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new FeedFetchError('http-status', url, `${where} redirected to a non-HTTP URL: ${next.href}`);
  }
  return next.href;
}

async function fetchFile(target: URL, limits: Limits, options: FetchFeedOptions, signal: AbortSignal): Promise<FetchResult> {
  const url = target.href;
  const path = fileURLToPath(target);
  const info = await stat(path).catch((error: unknown) => {
    const missing = errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR';
    const message = missing ? `feed ${url} does not exist; check the path in the config` : `feed ${url} could not be read`;
    throw new FeedFetchError(missing ? 'not-found' : 'network', url, `${message} (${describeCause(error)})`, { cause: error });
  });
  if (!info.isFile()) throw new FeedFetchError('not-found', url, `feed ${url} is not a regular file`);
  if (info.size > limits.maxBytes) throw tooLarge(url, limits.maxBytes, `the file is ${info.size} bytes`);

  // `end` is inclusive: reading at most maxBytes + 1 bytes proves a file that grew after stat.
  const stream = createReadStream(path, { end: limits.maxBytes, signal });
  const hash = createHash('sha256');
  const bytes = await collect(stream, limits.maxBytes, () => tooLarge(url, limits.maxBytes, 'while reading'), hash);
  return result(bytes, hash, limits, options.previousHash, { finalUrl: url });
}

/** `hashed`: the sha256 that `collect` fed every chunk of `bytes`. */
function result(
  bytes: Buffer,
  hashed: Hash,
  limits: Limits,
  previousHash: string | undefined,
  meta: { etag?: string | undefined; lastModified?: string | undefined; finalUrl: string; contentType?: string | undefined },
): FetchResult {
  const hash = hashed.digest('hex');
  const validators: Validators = {
    ...(meta.etag === undefined ? {} : { etag: meta.etag }),
    ...(meta.lastModified === undefined ? {} : { lastModified: meta.lastModified }),
  };
  if (previousHash !== undefined && previousHash === hash) return { kind: 'unchanged', hash, ...validators };
  if (bytes.byteLength >= limits.bytesFrom) {
    return {
      kind: 'fetched-bytes',
      bytes: ownBuffer(bytes),
      hash,
      ...validators,
      finalUrl: meta.finalUrl,
      ...(meta.contentType === undefined ? {} : { contentType: meta.contentType }),
    };
  }
  const decoded = decodeBytes(bytes, meta.contentType);
  const charsetWarning = guessedCharsetWarning(decoded, `feed ${meta.finalUrl}`);
  return {
    kind: 'fetched',
    body: decoded.text,
    encoding: decoded.encoding,
    ...(charsetWarning === undefined ? {} : { charsetWarning }),
    hash,
    ...validators,
    finalUrl: meta.finalUrl,
    ...(meta.contentType === undefined ? {} : { contentType: meta.contentType }),
  };
}

/** The bytes as a view of a whole ArrayBuffer of their own (transferable); a copy only if they share one. */
function ownBuffer(bytes: Buffer): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return whole ? new Uint8Array(bytes.buffer, 0, bytes.byteLength) : new Uint8Array(bytes);
}

function tooLarge(url: string, maxBytes: number, detail: string): FeedFetchError {
  const mib = maxBytes / (1024 * 1024);
  const limit = Number.isInteger(mib) ? `${mib} MiB` : `${maxBytes} bytes`;
  const message = `feed ${url} exceeded the ${limit} body limit (${detail}); raise the source's maxBytes only if the feed is trusted`;
  return new FeedFetchError('too-large', url, message);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** undici wraps the useful part ("ECONNREFUSED") one or two causes deep; surface it. */
function describeCause(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = errorCode(current);
    if (code !== undefined) return `${code}: ${current.message}`;
    if (current instanceof AggregateError && current.errors[0] !== undefined) current = current.errors[0];
    else if (current.cause !== undefined) current = current.cause;
    else return current.message;
  }
  return String(current);
}
