import type { Article } from '../articles/article.js';

/**
 * The store is the single source of truth and the job queue. Everything is async so a
 * PostgreSQL implementation (several replicas) can satisfy the same contract; nothing
 * SQLite-specific leaks out of src/store/sqlite.
 */
export type DeliveryState = 'pending' | 'sending' | 'posted' | 'failed' | 'uncertain' | 'skipped' | 'cancelled';
export type Priority = 'normal' | 'breaking';

export interface SourceState {
  sourceId: string;
  /** Set by the first successful poll: before it, a source posts nothing (no floods). */
  initializedAt?: Date | undefined;
  etag?: string | undefined;
  lastModified?: string | undefined;
  bodyHash?: string | undefined;
  /** Kind-specific JSON a source keeps between polls (e.g. WordPress's modified-after time). */
  cursor?: string | undefined;
  nextPollAt?: Date | undefined;
  lastPollAt?: Date | undefined;
  lastOkAt?: Date | undefined;
  consecutiveFailures: number;
  lastError?: string | undefined;
}

export interface StoredArticle extends Article {
  id: number;
  firstSeenAt: Date;
  /** Set when the same story (by canonical URL) was already known from another source. */
  duplicateOf?: number | undefined;
}

export interface NewDelivery {
  channelId: string;
  routeId: string;
  template?: string | undefined;
  priority: Priority;
  dryRun: boolean;
  nextAttemptAt: Date;
  /** Stable per article × channel (platform idempotency keys derive from it). */
  idempotencyKey: string;
}

/** What to do with an article if, and only if, it is new to the store. */
export type IngestDecision =
  | { kind: 'deliver'; deliveries: NewDelivery[]; reason: string }
  | { kind: 'record'; reason: string };

export interface IngestItem {
  article: Article;
  ifNew: IngestDecision;
  /**
   * If the article is already known and its title changed: the channels whose routes repost
   * updated headlines (onUpdate: repost-if-title-changed). Empty: an edit is only recorded.
   */
  onTitleChange?: NewDelivery[] | undefined;
}

export interface IngestResult {
  /** New articles recorded (delivered or not). */
  recorded: number;
  deliveriesCreated: number;
  /** Already known from this source. */
  known: number;
  /** Already known by canonical URL from any source. */
  duplicates: number;
  /** Known articles whose title or update time changed (never posted as new). */
  updated: number;
  /** Deliveries queued again because a route reposts changed headlines. */
  reposts: number;
}

export interface Delivery {
  id: number;
  articleId: number;
  channelId: string;
  routeId: string;
  template?: string | undefined;
  state: DeliveryState;
  priority: Priority;
  dryRun: boolean;
  attempts: number;
  nextAttemptAt: Date;
  /** When the first request may have left: platform idempotency windows count from here. */
  firstAttemptAt?: Date | undefined;
  lastAttemptAt?: Date | undefined;
  lastError?: string | undefined;
  text?: string | undefined;
  idempotencyKey: string;
  /** JSON persisted before the first send (platform idempotency material). */
  prepared?: string | undefined;
  remoteId?: string | undefined;
  remoteUrl?: string | undefined;
  createdAt: Date;
  updatedAt: Date;
  postedAt?: Date | undefined;
}

export interface EventRecord {
  at: Date;
  kind: string;
  message: string;
  articleId?: number | undefined;
  deliveryId?: number | undefined;
  channelId?: string | undefined;
  sourceId?: string | undefined;
  /** Who caused it: "daemon", or the editor's name for CLI actions. */
  actor: string;
  data?: Record<string, unknown> | undefined;
}

export interface StoredEvent extends EventRecord {
  id: number;
}

export interface SendingPatch {
  text: string;
  prepared?: string | undefined;
  at: Date;
}

export interface DeliveryOutcome {
  state: Exclude<DeliveryState, 'pending' | 'sending'>;
  at: Date;
  remoteId?: string | undefined;
  remoteUrl?: string | undefined;
  error?: string | undefined;
}

/** Channels left out of the due query: entirely, or for normal-priority posts only. */
export interface ChannelSkip {
  all: readonly string[];
  normal: readonly string[];
}

export interface RequeuePatch {
  at: Date;
  priority?: Priority | undefined;
  /** A new idempotency key: the old text, prepared record and receipt are forgotten. */
  freshKey?: string | undefined;
}

export interface ChannelSummary {
  channelId: string;
  pending: number;
  failed: number;
  uncertain: number;
  lastPostedAt?: Date | undefined;
  lastError?: { at: Date; message: string; deliveryId: number } | undefined;
}

export interface EventFilter {
  articleId?: number | undefined;
  deliveryId?: number | undefined;
  channelId?: string | undefined;
  since?: Date | undefined;
  /** Newest first when true (history views); oldest first otherwise. */
  newestFirst?: boolean | undefined;
  limit?: number | undefined;
}

export interface DeliveryFilter {
  articleId?: number;
  channelId?: string;
  states?: DeliveryState[];
  limit?: number;
}

export interface Store {
  migrate(): Promise<void>;
  close(): Promise<void>;

  getSourceState(sourceId: string): Promise<SourceState | undefined>;
  saveSourceState(state: SourceState): Promise<void>;

  /**
   * Atomically records a poll: every new article with its deliveries (or none), duplicates and
   * updates as events, and the source state. An article is seen in the same transaction that
   * creates its deliveries, so a crash can neither lose nor double one.
   */
  ingest(sourceId: string, items: IngestItem[], state: SourceState, at: Date): Promise<IngestResult>;

  getArticle(id: number): Promise<StoredArticle | undefined>;
  findArticleByUrl(canonicalUrl: string): Promise<StoredArticle | undefined>;

  /**
   * Pending deliveries due at `now`, breaking first, then oldest due first, leaving out the
   * channels that cannot send now (paused, rate limited).
   */
  dueDeliveries(now: Date, limit: number, skip?: ChannelSkip): Promise<Delivery[]>;
  /** When the next pending delivery becomes due, so the worker can sleep instead of spinning. */
  nextDueAt(skip?: ChannelSkip): Promise<Date | undefined>;
  getDelivery(id: number): Promise<Delivery | undefined>;
  listDeliveries(filter: DeliveryFilter): Promise<Delivery[]>;
  /**
   * pending → sending; persists the exact text and idempotency material before the send.
   * False when the delivery is no longer pending (an editor cancelled it meanwhile).
   */
  markSending(id: number, patch: SendingPatch): Promise<boolean>;
  /** sending → a final state, with its event, in one transaction. */
  finish(id: number, outcome: DeliveryOutcome, event: EventRecord): Promise<void>;
  /**
   * sending → pending again at a later time (retry), with its event. `refundAttempt` when the
   * platform refused before doing anything (auth, rate limit): that try does not count.
   */
  reschedule(id: number, nextAttemptAt: Date, error: string, event: EventRecord, options?: { refundAttempt?: boolean }): Promise<void>;
  /** Deliveries left `sending` by a crash. */
  listSending(): Promise<Delivery[]>;
  /**
   * Back to pending (an editor's retry or forced repost), with its event. `fresh` forgets the
   * text and idempotency material so the post is built and sent anew under a new key.
   */
  requeue(id: number, patch: RequeuePatch, event: EventRecord): Promise<void>;
  /** Deliveries for an article that has none on these channels yet (manual posts). */
  addDeliveries(articleId: number, deliveries: NewDelivery[], event: Omit<EventRecord, 'deliveryId' | 'channelId'>): Promise<number[]>;
  /** Records an article outside any poll (a manual post of a URL); returns the known id if any. */
  recordArticle(article: Article, at: Date, event: Omit<EventRecord, 'articleId'>): Promise<StoredArticle>;
  channelSummaries(): Promise<ChannelSummary[]>;
  listSourceStates(): Promise<SourceState[]>;

  appendEvent(event: EventRecord): Promise<void>;
  listEvents(filter: EventFilter): Promise<StoredEvent[]>;

  /**
   * Every request that may count against a platform limit, per channel (= per account), so
   * budgets hold across restarts and across processes sharing the store.
   */
  recordSend(counter: string, at: Date, cost: number): Promise<void>;
  /** Sends of a channel since a time, oldest first (for sliding-window budgets and spacing). */
  sendsSince(channelId: string, since: Date): Promise<{ at: Date; cost: number }[]>;
  lastSendAt(channelId: string): Promise<Date | undefined>;

  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string | undefined): Promise<void>;

  getChannelValue(channelId: string, key: string): Promise<string | undefined>;
  setChannelValue(channelId: string, key: string, value: string): Promise<void>;
  deleteChannelValue(channelId: string, key: string): Promise<void>;
}
