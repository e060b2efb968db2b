import { fetch, type Dispatcher } from 'undici';
import { articleKey } from '../../articles/article-key.js';
import type { Article, ArticleImage } from '../../articles/article.js';
import { canonicalUrl } from '../../articles/canonical-url.js';
import { toPlainText } from '../../articles/plain-text.js';
import { webUrl } from '../../articles/url-policy.js';
import { readPageMetadata, type PageMetadata } from './page-metadata.js';
import { decodeBytes, guessedCharsetWarning } from '../charset.js';

const PAGE_TIMEOUT_MS = 10_000;
const PAGE_MAX_BYTES = 4 * 1024 * 1024;

export class PageFetchError extends Error {
  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`page ${url}: ${message}`, options);
    this.name = 'PageFetchError';
  }
}

/**
 * An article for a URL that is in no feed (a manual post, a webhook that sends only a link),
 * built from the page's own metadata: OpenGraph, JSON-LD, <title>, the canonical link.
 */
export async function articleFromPage(url: string, sourceId: string, now: Date, options: PageFetchOptions = {}): Promise<Article> {
  const { html, finalUrl } = await fetchPage(url, options);
  return articleFromHtml(html, finalUrl, sourceId, now);
}

export interface PageFetchOptions {
  /** The network policy (and a webhook's site) for pages fetched on someone else's say-so. */
  dispatcher?: Dispatcher | undefined;
  /** Told when the page declares no charset and is not UTF-8 (decoded by detection), naming the page. */
  warn?: ((message: string) => void) | undefined;
}

export function articleFromHtml(html: string, url: string, sourceId: string, now: Date): Article {
  const meta = readPageMetadata(html);
  // Only an http(s) canonical link replaces the page's own URL (src/articles/url-policy.ts).
  const link = webUrl(meta.canonical, url) ?? url;
  const image = webUrl(meta.image, link);
  const title = toPlainText(meta.title ?? '');
  if (!title) throw new PageFetchError(url, 'has no title (no og:title, JSON-LD headline or <title>)');
  const published = meta.publishedAt ? new Date(meta.publishedAt) : undefined;
  const publishedAt = published && !Number.isNaN(published.getTime()) && published <= now ? published : now;
  const updated = meta.modifiedAt ? new Date(meta.modifiedAt) : undefined;
  return {
    sourceId,
    key: articleKey(`page:${canonicalUrl(link)}`),
    url: link,
    canonicalUrl: canonicalUrl(link),
    title,
    summary: toPlainText(meta.description ?? ''),
    categories: unique(meta.section),
    tags: unique(meta.tags),
    authors: unique(meta.authors),
    publishedAt,
    ...(updated && !Number.isNaN(updated.getTime()) ? { updatedAt: updated } : {}),
    ...(image ? { image: pageImage(image, meta) } : {}),
    ...(meta.language ? { language: meta.language } : {}),
  };
}

async function fetchPage(url: string, options: PageFetchOptions): Promise<{ html: string; finalUrl: string }> {
  let response;
  try {
    response = await fetch(url, {
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      signal: AbortSignal.timeout(PAGE_TIMEOUT_MS),
      headers: { accept: 'text/html,application/xhtml+xml', 'user-agent': 'Crier (+https://github.com/crier)' },
    });
  } catch (error) {
    throw new PageFetchError(url, `could not be fetched (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (!response.ok) throw new PageFetchError(url, `answered HTTP ${response.status}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > PAGE_MAX_BYTES) throw new PageFetchError(url, `is larger than ${PAGE_MAX_BYTES / 1024 / 1024} MiB`);
      chunks.push(chunk);
    }
  }
  const finalUrl = response.url || url;
  const decoded = decodeBytes(Buffer.concat(chunks), response.headers.get('content-type') ?? undefined);
  const warning = guessedCharsetWarning(decoded, `page ${finalUrl}`);
  if (warning !== undefined) options.warn?.(warning);
  return { html: decoded.text, finalUrl };
}

function pageImage(url: string, meta: PageMetadata): ArticleImage {
  return {
    url,
    ...(meta.imageAlt ? { alt: meta.imageAlt } : {}),
    ...(meta.imageWidth === undefined ? {} : { width: meta.imageWidth }),
    ...(meta.imageHeight === undefined ? {} : { height: meta.imageHeight }),
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter(Boolean))];
}
