import type { FeedSourceConfig } from './feed-config.js';
import type { SourceKind } from '../source-kind.js';
import { fetchFeed } from './fetch-feed.js';
import { sharedParsePool } from './parse-pool.js';

/** RSS 2.0, Atom 1.0, JSON Feed 1.1: conditional GET, and no parse when the body is unchanged. */
export const feedKind: SourceKind<FeedSourceConfig> = {
  // The context's logger is not destructured: it is made on first use, and a 304 never uses it.
  async fetch(source, context) {
    const { state, now, deadlineMs, dispatcher, signal } = context;
    const pool = sharedParsePool();
    const fetched = await fetchFeed(source.url, {
      etag: state?.etag,
      lastModified: state?.lastModified,
      previousHash: state?.bodyHash,
      deadlineMs,
      ...(source.maxBytes === undefined ? {} : { maxBytes: source.maxBytes }),
      ...(dispatcher ? { dispatcher } : {}),
      ...(signal ? { signal } : {}),
      // A body the pool would parse in a worker is decoded there too, not on this thread.
      bytesFrom: pool.minChars,
    });
    if (fetched.kind === 'not-modified') return { kind: 'unchanged', cursor: {} };
    const cursor = { etag: fetched.etag, lastModified: fetched.lastModified, bodyHash: fetched.hash };
    if (fetched.kind === 'unchanged') return { kind: 'unchanged', cursor };
    const ctx = { sourceId: source.id, feedUrl: fetched.finalUrl, now: now() };
    if (fetched.kind === 'fetched-bytes') {
      // A big body is decoded and parsed in a worker thread, so the daemon keeps answering meanwhile.
      const { feed, encoding, charsetWarning } = await pool.parseBytes(fetched.bytes, fetched.contentType, ctx);
      if (charsetWarning !== undefined) context.logger.warn({ encoding }, charsetWarning);
      return { kind: 'articles', articles: feed.articles, cursor };
    }
    if (fetched.charsetWarning !== undefined) context.logger.warn({ encoding: fetched.encoding }, fetched.charsetWarning);
    const feed = await pool.parse(fetched.body, ctx);
    return { kind: 'articles', articles: feed.articles, cursor };
  },
};
