import type { OutboundPost } from './contract.js';
import type { Logger } from 'pino';
import { fetch, type Dispatcher } from 'undici';
import { createNetworkPolicy } from '../http/network-policy.js';
import { cutAfterWords, wordCutPoints } from '../render/truncate.js';

/** An article image in memory, ready for a platform's media upload. */
export interface FetchedImage {
  bytes: Buffer;
  mimeType: string;
}

export interface FetchImageOptions {
  /** One budget for connect, redirects and the whole body. Default 10 000. */
  timeoutMs?: number;
  /** Cap on the body; larger images are dropped, never half-sent. Default 10 MiB. */
  maxBytes?: number;
  /** Caller cancellation (shutdown). */
  signal?: AbortSignal;
  /** The network policy: an article's image is someone else's URL (src/http/network-policy.ts). */
  dispatcher?: Dispatcher | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const USER_AGENT = 'Crier/0.1 (image fetcher)';

/**
 * Downloads an article image for attaching to a post. An image is decoration: every problem
 * (bad URL, HTTP error, not an image, too large, too slow) is logged and answered with
 * `undefined`, so the caller posts without it instead of failing the post.
 */
export async function fetchImage(
  url: string,
  logger: Logger,
  options: FetchImageOptions = {},
): Promise<FetchedImage | undefined> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const skip = (reason: string, err?: unknown): undefined => {
    logger.warn({ imageUrl: url, reason, err }, `article image skipped: ${reason}`);
    return undefined;
  };

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    return skip('not a valid URL', error);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return skip(`unsupported scheme ${parsed.protocol}`);

  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const response = await fetch(parsed, {
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      signal,
      headers: { accept: 'image/*', 'user-agent': USER_AGENT },
    });
    if (!response.ok) {
      await response.body?.cancel();
      return skip(`HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel();
      return skip(`${declared} bytes is over the ${maxBytes}-byte cap`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    if (response.body) {
      // Counted while streaming: Content-Length may be absent or wrong (compressed transfers).
      for await (const chunk of response.body) {
        total += chunk.byteLength;
        // Leaving the loop early cancels the stream (the async iterator's return()).
        if (total > maxBytes) return skip(`body passed the ${maxBytes}-byte cap`);
        chunks.push(Buffer.from(chunk));
      }
    }
    const bytes = Buffer.concat(chunks);
    if (bytes.length === 0) return skip('empty body');
    const mimeType = sniffImageType(bytes) ?? declaredImageType(response.headers.get('content-type'));
    if (!mimeType) return skip(`not an image (content-type ${response.headers.get('content-type') ?? 'missing'})`);
    return { bytes, mimeType };
  } catch (error) {
    if (timeout.aborted) return skip('timed out', error);
    if (options.signal?.aborted) return skip('cancelled', error);
    return skip('download failed', error);
  }
}

/**
 * The type the bytes really are. CDNs often label images application/octet-stream or with the
 * wrong image type, and platforms check the bytes, so the magic number wins over the header.
 */
export function sniffImageType(bytes: Buffer): string | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  const head6 = bytes.subarray(0, 6).toString('latin1');
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return 'image/gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  return undefined;
}

function declaredImageType(contentType: string | null): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type?.startsWith('image/') ? type : undefined;
}

/**
 * Alt text cut to a platform's limit after a whole word (never inside a word or a grapheme), with
 * an ellipsis. Limits are counted in code points (Ruby's String#length on Mastodon; X documents
 * "characters"), which is what is measured here.
 */
export function clipAltText(text: string, maxCodePoints: number): string {
  const trimmed = text.trim();
  const fits = (candidate: string) => [...candidate].length <= maxCodePoints;
  if (fits(trimmed)) return trimmed;
  const points = wordCutPoints(trimmed);
  // A cut after more words is never shorter, so the longest fitting cut is found by bisection.
  let low = 0;
  let high = points.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(cutAfterWords(trimmed, points, mid))) low = mid;
    else high = mid - 1;
  }
  return low === 0 ? '' : cutAfterWords(trimmed, points, low);
}

/**
 * The article's image with the alt text to use, when the channel attaches images; undefined
 * when it does not, when there is none, or when it cannot be fetched (the post goes without it).
 */
export async function articleImage(
  post: OutboundPost,
  channel: { images?: boolean | undefined; imageAlt?: string | undefined },
  log: Logger,
  signal: AbortSignal | undefined,
  dispatcher: Dispatcher,
): Promise<{ image: FetchedImage; alt: string | undefined } | undefined> {
  const image = post.article.image;
  if (channel.images === false || !image) return undefined;
  const fetched = await fetchImage(image.url, log, { dispatcher, ...(signal ? { signal } : {}) });
  return fetched && { image: fetched, alt: image.alt ?? channel.imageAlt };
}

/**
 * Where an adapter fetches images and card pages: the app's network policy (AdapterDeps), else,
 * for an adapter built alone, a strict policy of its own made on first use, so no caller can
 * forget the policy.
 */
export function untrustedDispatcher(deps: { fetchDispatcher?: Dispatcher | undefined }): () => Dispatcher {
  let own: Dispatcher | undefined;
  return () => deps.fetchDispatcher ?? (own ??= createNetworkPolicy().dispatcher);
}
