import { isoSeconds, type WpQuery } from './wp-cursor.js';
import { WpHttpError, type WpGetResult } from './wp-http.js';

/** 1–100 allowed (https://developer.wordpress.org/rest-api/using-the-rest-api/pagination/). */
export const PER_PAGE = 50;

/**
 * Only the embeds Crier reads: the bare `_embed` also inlines replies (every comment) and more.
 * Named embeds need WordPress 5.4; older versions treat any `_embed` value as "embed all".
 * https://developer.wordpress.org/rest-api/using-the-rest-api/linking-and-embedding/#embedding
 */
export const EMBED = 'author,wp:featuredmedia,wp:term';

export interface ListRequest {
  /** Site base URL without a trailing slash. */
  siteUrl: string;
  /** REST collection (posts, pages, a custom type's rest_base). */
  type: string;
  query: WpQuery;
  since: Date;
  maxPages: number;
  get: (url: string) => Promise<WpGetResult>;
}

export type Listing =
  | { kind: 'unavailable'; url: string; status: number; code?: string | undefined }
  | {
      kind: 'listed';
      items: unknown[];
      /** The site's clock when the listing began (its Date header). */
      serverDate?: Date | undefined;
      /** More pages remained past maxPages: the caller resumes from the last item next time. */
      capped: boolean;
    };

/**
 * Every page of one query, oldest first. `modified` lists changes since `since`
 * (modified_after, WordPress ≥ 5.7); `published` lists publications since `since` (after).
 * https://developer.wordpress.org/rest-api/reference/posts/#arguments
 */
export async function listCollection(request: ListRequest): Promise<Listing> {
  const items: unknown[] = [];
  let serverDate: Date | undefined;
  for (let page = 1; ; page++) {
    const url = pageUrl(request, page);
    let result: WpGetResult;
    try {
      result = await request.get(url);
    } catch (error) {
      // The listing shrank between pages (posts unpublished meanwhile): WordPress answers 400
      // rest_post_invalid_page_number. What was read is complete enough; the overlap re-reads it.
      if (page > 1 && error instanceof WpHttpError && error.status === 400) return { kind: 'listed', items, serverDate, capped: false };
      throw error;
    }
    if (result.kind === 'unavailable') {
      if (page === 1) return { kind: 'unavailable', url, status: result.status, code: result.code };
      throw new WpHttpError('http-status', url, `${url} answered HTTP ${result.status} on page ${page} after a good page 1`, {
        status: result.status,
      });
    }
    if (!Array.isArray(result.json)) {
      throw new WpHttpError('bad-response', url, `${url} did not answer a JSON array of posts`);
    }
    if (page === 1) serverDate = result.serverDate;
    items.push(...(result.json satisfies unknown[]));
    // Proxies sometimes strip X-WP-TotalPages; a short page then marks the end.
    const more = result.totalPages === undefined ? result.json.length === PER_PAGE : page < result.totalPages;
    if (!more) return { kind: 'listed', items, serverDate, capped: false };
    if (page >= request.maxPages) return { kind: 'listed', items, serverDate, capped: true };
  }
}

function pageUrl(request: ListRequest, page: number): string {
  const params = new URLSearchParams({
    _embed: EMBED,
    per_page: String(PER_PAGE),
    orderby: request.query === 'modified' ? 'modified' : 'date',
    order: 'asc',
    [request.query === 'modified' ? 'modified_after' : 'after']: isoSeconds(request.since),
  });
  if (page > 1) params.set('page', String(page));
  return `${request.siteUrl}/wp-json/wp/v2/${encodeURIComponent(request.type)}?${params.toString()}`;
}
