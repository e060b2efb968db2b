/**
 * One image per article, chosen from everything a feed item or a page offers (media:content,
 * media:thumbnail, enclosures, itunes:image, JSON Feed image/banner_image, og:image…). Feeds
 * often list a 140 px thumbnail first and the 1200 px picture after it, and some carry a 1×1
 * tracking pixel as an "image": posting either looks broken on every platform.
 */
export interface ImageCandidate {
  url: string;
  /** Pixels as declared (media:content width, og:image:width) or read from the URL. */
  width?: number | undefined;
  height?: number | undefined;
  /** Size in bytes when declared (enclosure length); 0 means unknown in RSS practice. */
  bytes?: number | undefined;
  alt?: string | undefined;
}

/**
 * Below this many pixels on a side an image is a thumbnail: it is used only when nothing larger
 * is offered. 200 px is the smallest og:image Facebook's sharing debugger accepts
 * (https://developers.facebook.com/docs/sharing/webmasters/images/), and what link cards on
 * X, Bluesky and Mastodon are built for.
 */
export const SMALL_IMAGE_PX = 200;

/** A 1×1 GIF is 43 bytes; nothing a person would look at is under 200. */
const PIXEL_MAX_BYTES = 200;

/**
 * File names and paths that analytics and feed services use for beacons (FeedBurner's `/~r/…/~4/`,
 * spacer and pixel GIFs); checked only on the path, so a photo named "pixel-8-review.jpg" is kept.
 */
const TRACKER_PATH = /(?:^|\/)(?:pixel|spacer|blank|clear|transparent|beacon|1x1|track(?:ing)?)\.(?:gif|png)$|\/~r\/.*\/~4\//i;

/** Larger than any image a CMS serves (8K is 7680 px wide). */
const MAX_URL_PIXELS = 10_000;

/** WordPress and most CMS resizers: `photo-640x360.jpg`, `?w=640`, `?width=640&height=360`. */
const SIZE_IN_NAME = /[-_](\d{2,5})x(\d{2,5})\.[a-z]{3,4}$/i;

/**
 * The largest usable image: tracking pixels are skipped; images known to be smaller than
 * SMALL_IMAGE_PX are used only when nothing else is left. Among the rest, images of known size
 * come first, largest area first; then those of unknown size in the order given (callers list
 * full-size kinds such as media:content before thumbnails). Undefined when nothing is left.
 */
export function chooseImage(candidates: readonly ImageCandidate[]): ImageCandidate | undefined {
  const sized = candidates
    .map((candidate, order) => ({ candidate, order, ...dimensions(candidate) }))
    .filter((entry) => !isTrackingPixel(entry.candidate, entry.width, entry.height));
  const rank = (entry: (typeof sized)[number]): number => {
    const known = entry.width !== undefined || entry.height !== undefined;
    if (!known) return 1;
    return Math.min(entry.width ?? Infinity, entry.height ?? Infinity) < SMALL_IMAGE_PX ? 2 : 0;
  };
  sized.sort((a, b) => rank(a) - rank(b) || area(b) - area(a) || a.order - b.order);
  const best = sized[0];
  if (best === undefined) return undefined;
  const { candidate, width, height } = best;
  return {
    ...candidate,
    ...(width === undefined ? {} : { width }),
    ...(height === undefined ? {} : { height }),
  };
}

function dimensions(candidate: ImageCandidate): { width?: number | undefined; height?: number | undefined } {
  const width = positive(candidate.width);
  const height = positive(candidate.height);
  if (width !== undefined || height !== undefined) return { width, height };
  return fromUrl(candidate.url);
}

function fromUrl(raw: string): { width?: number | undefined; height?: number | undefined } {
  let url: URL;
  try {
    url = new URL(raw, 'http://relative.invalid/');
  } catch {
    return {};
  }
  const named = SIZE_IN_NAME.exec(url.pathname);
  if (named) return { width: plausible(Number(named[1])), height: plausible(Number(named[2])) };
  const width = plausible(Number(url.searchParams.get('w') ?? url.searchParams.get('width') ?? Number.NaN));
  const height = plausible(Number(url.searchParams.get('h') ?? url.searchParams.get('height') ?? Number.NaN));
  return { width, height };
}

function isTrackingPixel(candidate: ImageCandidate, width: number | undefined, height: number | undefined): boolean {
  if ((width !== undefined && width <= 2) || (height !== undefined && height <= 2)) return true;
  if (candidate.bytes !== undefined && candidate.bytes > 0 && candidate.bytes < PIXEL_MAX_BYTES) return true;
  try {
    return TRACKER_PATH.test(new URL(candidate.url, 'http://relative.invalid/').pathname);
  } catch {
    return false;
  }
}

function area(entry: { width?: number | undefined; height?: number | undefined }): number {
  const { width, height } = entry;
  if (width !== undefined && height !== undefined) return width * height;
  const side = width ?? height ?? 0;
  return side * side;
}

/** A number in a URL is a size only if it could be one: `?h=20261202` is a cache key, not pixels. */
function plausible(value: number): number | undefined {
  const pixels = positive(value);
  return pixels !== undefined && pixels <= MAX_URL_PIXELS ? pixels : undefined;
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
}
