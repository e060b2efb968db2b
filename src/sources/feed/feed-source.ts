import type { FeedSourceConfig } from './feed-config.js';
import type { SourceKind } from '../source-kind.js';
import { fetchFeed } from './fetch-feed.js';
import { sharedParsePool } from './parse-pool.js';


/** RSS 2.0, Atom 1.0, JSON Feed 1.1: conditional GET, and no parse when the body is unchanged. */
export const feedKind: SourceKind<FeedSourceConfig> = {
  // The context's logger is not destructured: it is made on first use, and a 304 never uses it.
  async fetch(source, context) {
    const { state, now, deadlineMs, dispatcher, signal } = context;
    const fetched = await fetchFeed(source.url, {
      etag: state?.etag,
      lastModified: state?.lastModified,
      previousHash: state?.bodyHash,
      deadlineMs,
      ...(source.maxBytes === undefined ? {} : { maxBytes: source.maxBytes }),
      ...(dispatcher ? { dispatcher } : {}),
      ...(signal ? { signal } : {}),
    });
    if (fetched.kind === 'not-modified') return { kind: 'unchanged', cursor: {} };
    const cursor = { etag: fetched.etag, lastModified: fetched.lastModified, bodyHash: fetched.hash };
    if (fetched.kind === 'unchanged') return { kind: 'unchanged', cursor };
    if (fetched.charsetWarning !== undefined) context.logger.warn({ encoding: fetched.encoding }, fetched.charsetWarning);
    // A big body is parsed in a worker thread, so the daemon keeps answering meanwhile (parse-pool.ts).
    const feed = await sharedParsePool().parse(fetched.body, { sourceId: source.id, feedUrl: fetched.finalUrl, now: now() });
    return { kind: 'articles', articles: feed.articles, cursor };
  },
};
