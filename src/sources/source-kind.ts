import type { Dispatcher } from 'undici';
import type { Article } from '../articles/article.js';
import type { NetworkPolicy } from '../http/network-policy.js';
import type { Logger } from '../log/logger.js';
import type { PushRequest, PushResponse } from './push-request.js';
import type { IngestItem, IngestResult, SourceState, Store } from '../store/store.js';

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
  | {
      kind: 'articles';
      articles: Article[];
      cursor: SourceCursor;
      /** Keys of known stories the source no longer publishes: their pending deliveries are cancelled. */
      pulled?: string[] | undefined;
    };

export interface FetchContext {
  state: SourceState | undefined;
  now: () => Date;
  deadlineMs: number;
  logger: Logger;
  dispatcher?: Dispatcher | undefined;
  /** Aborted when the daemon stops: a fetch in flight ends at once (its reason is rethrown). */
  signal?: AbortSignal | undefined;
}

/**
 * One kind of source (feed, WordPress, …): how to fetch what is new since the last poll. What a
 * poll *means* (first poll, backfill, dedupe, routing) is the same for every kind and lives in
 * poll-source.ts and src/ingest. Failures are thrown with a message naming the source's URL.
 */
export interface SourceKind<S> {
  fetch(source: S, context: FetchContext): Promise<SourceFetch>;
  /** Kinds that also receive pushes over the daemon's HTTP server (WebSub, webhooks). */
  push?: PushKind<S>;
}

/** What a push ingest did: the store's counts, and the plan (with each item's reason). */
export interface PushIngest {
  counts: IngestResult;
  items: IngestItem[];
}

/** Which article a push says was taken back: the source's key for it, or its canonical URL. */
export interface PullRequest {
  key?: string | undefined;
  canonicalUrl?: string | undefined;
}

/** What a pull did: the article it found (none: unknown here), and its deliveries by fate. */
export interface PullResult {
  article: number | undefined;
  cancelled: number[];
  untouched: { id: number; channelId: string; state: string }[];
}

/** What the daemon gives one push source. Bound to that source: it cannot reach another. */
export interface PushContext {
  store: Store;
  logger: Logger;
  now: () => Date;
  /** server.publicUrl without a trailing slash (config validation requires it where needed). */
  publicUrl: string | undefined;
  dispatcher?: Dispatcher | undefined;
  /** For fetches a push asks for (a webhook's page): refuses private addresses (src/http/network-policy.ts). */
  network: NetworkPolicy;
  fetchTimeoutMs: number;
  /** Polls the source now (conditional GET), never alongside another poll of it; then wakes the worker. */
  pollNow(): Promise<void>;
  /** Ingests pushed articles exactly as a poll does (poll-source.ts), then wakes the worker. */
  ingest(articles: readonly Article[]): Promise<PushIngest>;
  /**
   * The story was taken back at the source: its pending deliveries are cancelled (`article
   * pulled`), in order with this source's other pushes. Sources cannot move deliveries themselves.
   */
  pull(request: PullRequest): Promise<PullResult>;
}

/** One push source as the daemon runs it. Requests for `<pathPrefix>/<source id>` reach `handle`. */
export interface PushSource {
  readonly methods: readonly ('GET' | 'POST')[];
  handle(request: PushRequest): Promise<PushResponse>;
  start(): Promise<void>;
  /** Called on every daemon tick (about once a second): renewals, retries. Must not block. */
  maintain?(): Promise<void>;
  /** The poll interval while pushes are expected (a WebSub safety poll); undefined: the source's own. */
  pollInterval?(): number | undefined;
  /** Stops timers and waits for work in flight; leaves remote subscriptions to their leases. */
  stop(): Promise<void>;
}

/** What config validation and the scheduler need to know of a push kind, without loading it. */
export interface PushInfo {
  /** e.g. `/hooks`: the daemon routes `<pathPrefix>/<source id>` to the source. */
  pathPrefix: `/${string}`;
  /** False for kinds that only receive (webhooks): the daemon never polls them. */
  polled: boolean;
  /** A hub must call us back: config validation requires server.publicUrl. */
  needsPublicUrl: boolean;
}

export interface PushKind<S> extends PushInfo {
  create(source: S, context: PushContext): PushSource;
}
