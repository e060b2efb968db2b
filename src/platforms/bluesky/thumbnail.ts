import { decode } from 'html-entities';
import sharp from 'sharp';
import { fetch, type Dispatcher } from 'undici';
import type { Article } from '../../articles/article.js';
import { webUrl } from '../../articles/url-policy.js';

/**
 * `app.bsky.embed.external#external.thumb` accepts image/* up to 1,000,000 bytes, and a bigger
 * blob fails the whole post, not just the card:
 * https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/external.json
 */
export const MAX_THUMB_BYTES = 1_000_000;
/**
 * Card thumbnails are shown a few hundred pixels wide; 1200 keeps them sharp on 2x screens.
 * Narrower widths are only for images so tall that 1200 px wide cannot fit at any quality.
 */
const WIDTHS = [1200, 800, 500] as const;
/** JPEG qualities tried in turn until the thumbnail fits. */
const QUALITIES = [80, 70, 60, 50, 40] as const;
/**
 * Decoding is bounded by pixels, not bytes: a 10 MiB PNG can hold a gigapixel of one colour.
 * 40 MP covers any press photo (an 8000 × 5000 frame) at ~160 MB of pixels while decoding.
 */
const MAX_INPUT_PIXELS = 40_000_000;
/** Formats the PDS and every Bluesky client display as they are. */
const PASS_THROUGH: Readonly<Record<string, string>> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

export interface ThumbnailLimits {
  /** One budget per download: connect, redirects and body. */
  timeoutMs: number;
  /** Cap on the downloaded image. */
  maxImageBytes: number;
  /** Cap on the article page read for og:image (the head is at the top; the rest is ignored). */
  maxPageBytes: number;
  userAgent: string;
}

export const DEFAULT_THUMBNAIL_LIMITS: ThumbnailLimits = {
  timeoutMs: 10_000,
  maxImageBytes: 10 * 1024 * 1024,
  maxPageBytes: 2 * 1024 * 1024,
  userAgent: 'Crier/0.1 (link card thumbnail)',
};

export interface Thumbnail {
  bytes: Buffer;
  mimeType: string;
}

/**
 * The card image's URL: the feed's image, else the article page's og:image. The page and the
 * image are someone else's URLs: `dispatcher` is the network policy (src/http/network-policy.ts).
 */
export async function findThumbnailSource(article: Article, limits: ThumbnailLimits, dispatcher?: Dispatcher): Promise<string | undefined> {
  if (article.image?.url) return webUrl(article.image.url, article.url || undefined);
  if (article.url === '') return undefined;
  const page = await download(article.url, 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5', limits.maxPageBytes, limits, true, dispatcher);
  return ogImageFrom(page.bytes.toString('utf8'), page.finalUrl);
}

/** Downloads an image and makes it a valid thumbnail; throws on any problem. */
export async function loadThumbnail(url: string, limits: ThumbnailLimits, dispatcher?: Dispatcher): Promise<Thumbnail> {
  const image = await download(url, 'image/jpeg,image/png,image/webp,image/*;q=0.8', limits.maxImageBytes, limits, false, dispatcher);
  return fitThumbnail(image.bytes);
}

/**
 * Keeps a JPEG, PNG or WebP that already fits; anything else (too big, GIF, AVIF, SVG…) is
 * re-encoded as JPEG at most 1200 px wide, stepping the quality (then the width) down until it
 * fits. The output depends only on the input bytes, so the same image always gives the same blob.
 */
export async function fitThumbnail(bytes: Buffer): Promise<Thumbnail> {
  const metadata = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  const passThrough = PASS_THROUGH[metadata.format];
  if (passThrough && bytes.length <= MAX_THUMB_BYTES) return { bytes, mimeType: passThrough };
  for (const width of WIDTHS) {
    const base = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
      .autoOrient()
      .resize({ width, withoutEnlargement: true })
      // JPEG has no alpha: transparent logos become white-backed, not black-backed.
      .flatten({ background: '#ffffff' });
    for (const quality of QUALITIES) {
      const out = await base.clone().jpeg({ quality, mozjpeg: true }).toBuffer();
      if (out.length <= MAX_THUMB_BYTES) return { bytes: out, mimeType: 'image/jpeg' };
    }
  }
  throw new Error(`image stays over ${MAX_THUMB_BYTES} bytes even as a ${WIDTHS.at(-1)} px JPEG at quality ${QUALITIES.at(-1)}`);
}

const OG_KEYS = ['og:image', 'og:image:url', 'og:image:secure_url', 'twitter:image', 'twitter:image:src'];

/** The page's preferred share image, resolved against the page URL; http(s) only. */
export function ogImageFrom(html: string, pageUrl: string): string | undefined {
  let best: { rank: number; url: string } | undefined;
  for (const tag of html.matchAll(/<meta\b[^>]*>/gi)) {
    const attrs = new Map<string, string>();
    for (const m of tag[0].matchAll(/([^\s=<>"'/]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
      attrs.set((m[1] ?? '').toLowerCase(), m[2] ?? m[3] ?? m[4] ?? '');
    }
    const key = (attrs.get('property') ?? attrs.get('name') ?? '').toLowerCase();
    const rank = OG_KEYS.indexOf(key);
    const content = attrs.get('content');
    if (rank === -1 || !content || (best && best.rank <= rank)) continue;
    const url = webUrl(decode(content.trim()), pageUrl);
    if (url) best = { rank, url };
  }
  return best?.url;
}

/**
 * GET with one deadline and a byte cap enforced while streaming. `truncate` keeps the first
 * `maxBytes` instead of failing (enough for an HTML head).
 */
async function download(
  url: string,
  accept: string,
  maxBytes: number,
  limits: ThumbnailLimits,
  truncate: boolean,
  dispatcher: Dispatcher | undefined,
): Promise<{ bytes: Buffer; finalUrl: string }> {
  const response = await fetch(url, {
    ...(dispatcher ? { dispatcher } : {}),
    headers: { accept, 'user-agent': limits.userAgent },
    signal: AbortSignal.timeout(limits.timeoutMs),
  });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`GET ${url} answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (!truncate && declared > maxBytes) {
    await response.body.cancel();
    throw new Error(`GET ${url}: ${declared} bytes, over the ${maxBytes}-byte cap`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    const room = maxBytes - total;
    if (chunk.byteLength > room) {
      if (!truncate) throw new Error(`GET ${url}: over the ${maxBytes}-byte cap`);
      chunks.push(Buffer.from(chunk.subarray(0, room)));
      break; // leaving the loop cancels the rest of the body
    }
    chunks.push(Buffer.from(chunk));
    total += chunk.byteLength;
  }
  return { bytes: Buffer.concat(chunks), finalUrl: response.url || url };
}
