import type { Article } from '../articles/article.js';
import { isTrackingParam } from '../articles/canonical-url.js';

/** The campaign parameters a newsroom adds to its own links; values may use {{platform}} and {{channel}}. */
export type UtmParameters = Partial<Record<'source' | 'medium' | 'campaign' | 'term' | 'content', string | undefined>>;

/** A channel's `link:` option (README "Links"). */
export interface LinkOptions {
  /**
   * `canonicalUrl`: the article's link without the feed's tracking parameters (utm_*, fbclid…);
   * `url`: the link exactly as the feed gives it.
   */
  from: 'url' | 'canonicalUrl';
  utm?: UtmParameters | undefined;
}

export const DEFAULT_LINK_OPTIONS: LinkOptions = { from: 'canonicalUrl' };

/**
 * The link a post carries. Not Article.canonicalUrl itself: that is an identity (https forced,
 * www. and AMP folded, trailing slashes dropped) that not every site answers at; only the
 * tracking parameters are safe to drop from a link readers will open. Empty when the article has
 * no link.
 */
export function postLink(
  article: Pick<Article, 'url'>,
  options: LinkOptions | undefined,
  where: { platform: string; channel: string },
): string {
  const { from, utm } = options ?? DEFAULT_LINK_OPTIONS;
  if (article.url === '') return '';
  let url: URL;
  try {
    url = new URL(article.url);
  } catch {
    return article.url;
  }
  let changed = false;
  if (from === 'canonicalUrl') {
    for (const name of [...url.searchParams.keys()]) {
      if (isTrackingParam(name)) {
        url.searchParams.delete(name);
        changed = true;
      }
    }
  }
  for (const [key, value] of Object.entries(utm ?? {})) {
    if (value === undefined) continue;
    url.searchParams.set(`utm_${key}`, value.replace(/\{\{\s*(platform|channel)\s*\}\}/g, (_, name: 'platform' | 'channel') => where[name]));
    changed = true;
  }
  // Re-serialising an untouched query could re-encode it ("%20" as "+"): keep the feed's text.
  return changed ? url.href : article.url;
}
