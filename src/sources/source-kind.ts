import type { Dispatcher } from 'undici';
import type { Article } from '../articles/article.js';
import type { Logger } from '../log/logger.js';
import type { SourceState } from '../store/store.js';

/** What a source remembers between polls to ask only for what changed. */
export interface SourceCursor {
  etag?: string | undefined;
  lastModified?: string | undefined;
  bodyHash?: string | undefined;
  /** Kind-specific JSON (e.g. WordPress's modified-after time). */
  cursor?: string | undefined;
}

export type SourceFetch =
  | { kind: 'unchanged'; cursor: SourceCursor }
  | { kind: 'articles'; articles: Article[]; cursor: SourceCursor };

export interface FetchContext {
  state: SourceState | undefined;
  now: () => Date;
  deadlineMs: number;
  logger: Logger;
  dispatcher?: Dispatcher | undefined;
}

/**
 * One kind of source (feed, WordPress, …): how to fetch what is new since the last poll. What a
 * poll *means* (first poll, backfill, dedupe, routing) is the same for every kind and lives in
 * poll-source.ts and src/ingest. Failures are thrown with a message naming the source's URL.
 */
export interface SourceKind<S> {
  fetch(source: S, context: FetchContext): Promise<SourceFetch>;
}
