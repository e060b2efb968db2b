import type { Article } from './article.js';
import { canonicalUrl } from './canonical-url.js';

/**
 * The one rule for every URL an article carries (its link, its canonical URL, its image; a
 * Bluesky card is built from the link): once resolved, it is http: or https:, names a host and
 * carries no user name or password. Anything else (javascript:, data:, file:, a relative link
 * with no base, a malformed URL) is dropped with a reason, never posted.
 */
export type UrlCheck = { ok: true; url: string } | { ok: false; reason: string };

export function checkWebUrl(raw: string, base?: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw.trim(), base);
  } catch {
    return { ok: false, reason: base === undefined ? 'not an absolute URL' : 'not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `the scheme ${url.protocol} is not http(s)` };
  if (url.hostname === '') return { ok: false, reason: 'names no host' };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'carries a user name or password' };
  return { ok: true, url: url.href };
}

/** The resolved URL, or undefined when the rule drops it. */
export function webUrl(raw: string | undefined, base?: string): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const check = checkWebUrl(raw, base);
  return check.ok ? check.url : undefined;
}

export interface DroppedUrl {
  field: 'url' | 'canonicalUrl' | 'image.url';
  value: string;
  reason: string;
}

/**
 * The article with only usable URLs, and what was dropped. A dropped link leaves the article
 * without one (`url` and `canonicalUrl` empty): routes post it only with `allowNoLink: true`. A
 * canonical URL that is not usable is rebuilt from a usable link; a bad image is left off.
 */
export function withUsableUrls(article: Article): { article: Article; dropped: DroppedUrl[] } {
  const dropped: DroppedUrl[] = [];
  let next = article;
  if (article.url !== '') {
    const link = checkWebUrl(article.url);
    if (!link.ok) {
      dropped.push({ field: 'url', value: article.url, reason: link.reason });
      next = { ...next, url: '', canonicalUrl: '' };
    } else {
      const canonical = checkWebUrl(article.canonicalUrl);
      if (!canonical.ok) {
        if (article.canonicalUrl !== '') dropped.push({ field: 'canonicalUrl', value: article.canonicalUrl, reason: canonical.reason });
        next = { ...next, canonicalUrl: canonicalUrl(link.url) };
      }
    }
  } else if (article.canonicalUrl !== '') {
    dropped.push({ field: 'canonicalUrl', value: article.canonicalUrl, reason: 'the article has no link' });
    next = { ...next, canonicalUrl: '' };
  }
  if (article.image) {
    const image = checkWebUrl(article.image.url);
    if (!image.ok) {
      dropped.push({ field: 'image.url', value: article.image.url, reason: image.reason });
      next = { ...next };
      delete next.image;
    }
  }
  return { article: next, dropped };
}
