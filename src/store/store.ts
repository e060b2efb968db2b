import type { Article } from '../articles/article.js';
import type { ChannelHold, HeldChannel, HoldKind } from './channel-hold.js';
import type { DeliveryChange, PulledArticle, SendRecord, SendWindow, TitleRepost } from './delivery-change.js';

/**
 * The store is the single source of truth and the job queue. Everything is async so a
 * PostgreSQL implementation (several replicas) can satisfy the same contract; nothing
 * SQLite-specific leaks out of src/store/sqlite.
 */
export type DeliveryState =
  | 'pending'
  | 'sending'
  | 'posted'
  | 'failed'
  | 'uncertain'
  | 'skipped'
  | 'cancelled'
  /** A post read back from the platform after it was posted: it is there. */
  | 'verified'
  /** A post the platform no longer shows (removed, hidden, never stored): never re-sent by itself. */
  | 'missing'
  /** A post Crier deleted on purpose (`crier retract`). */
  | 'retracted';
/**
 * What a delivery does on its channel: `post` publishes the article (one per article × channel);
 * `retract` deletes that post, `correct` replies under it, `edit` replaces its text where the
 * platform shows the edit history (`crier correct --edit`); each has the post as its parent.
 */
export type DeliveryKind = 'post' | 'retract' | 'correct' | 'edit';
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
  /**
   * The replica that last claimed a poll of it and has not saved the poll's state yet (see
   * `claimPoll`; its claim may have expired), read from the store; saving a state clears it.
   */
  claimedBy?: string | undefined;
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
  /** Default `post`. A retraction or correction names the post delivery it acts on. */
  kind?: DeliveryKind | undefined;
  parentId?: number | undefined;
  /** Text fixed when it is queued (a correction's words); else rendered when it is sent. */
  text?: string | undefined;
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
  onTitleChange?: TitleRepost[] | undefined;
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
  /** Pending deliveries cancelled because the source pulled their article. */
  pulled: number;
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
  kind: DeliveryKind;
  /** The post a retraction or correction acts on. */
  parentId?: number | undefined;
  /** When the post is next read back from the platform; none: no read-back is due. */
  checkAt?: Date | undefined;
  /** How many read-backs were done. */
  checks: number;
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

export type { DeliveryChange, DeliveryPatch, PulledArticle, SendRecord, SendWindow, TitleRepost } from './delivery-change.js';
export type { ChannelHold, HeldChannel, HoldKind } from './channel-hold.js';

export interface ChannelSummary {
  channelId: string;
  pending: number;
  failed: number;
  uncertain: number;
  /** Posts read back and found, and posts read back and not found (never re-sent by themselves). */
  verified: number;
  missing: number;
  lastPostedAt?: Date | undefined;
  /** The newest post (by its post time) that a read-back found on the platform. */
  lastVerified?: { deliveryId: number; postedAt: Date; url?: string | undefined } | undefined;
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
  kinds?: DeliveryKind[];
  parentId?: number;
  /** Newest first (the last posts of a channel); oldest first otherwise. */
  newestFirst?: boolean;
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
   * creates its deliveries, so a crash can neither lose nor double one. `pulled`: articles the
   * source no longer publishes, whose pending deliveries are cancelled in the same transaction.
   */
  ingest(sourceId: string, items: IngestItem[], state: SourceState, at: Date, pulled?: readonly PulledArticle[]): Promise<IngestResult>;

  getArticle(id: number): Promise<StoredArticle | undefined>;
  findArticleByUrl(canonicalUrl: string): Promise<StoredArticle | undefined>;
  /**
   * When a source's articles were published, from `since` to `until`, oldest first: the history a
   * source's publishing rhythm is learned from (silence alarms).
   */
  publishedTimes(sourceId: string, since: Date, until: Date): Promise<Date[]>;
  /** The article a source knows under its own key (a CMS post id, hashed): what a pushed `unpublish` names. */
  findArticleByKey(sourceId: string, key: string): Promise<StoredArticle | undefined>;

  /**
   * Pending deliveries due at `now`, breaking first, then oldest due first, leaving out the
   * channels held now (a schedule hold lets breaking posts through); of `channelIds` only, when
   * given (the channels whose lease this replica holds).
   */
  dueDeliveries(now: Date, limit: number, channelIds?: readonly string[]): Promise<Delivery[]>;
  /**
   * When the next pending delivery can go: its due time, or the end of the hold that stops it.
   * Undefined when nothing is pending or everything pending waits for a person (paused, auth).
   */
  nextDueAt(now: Date, channelIds?: readonly string[]): Promise<Date | undefined>;
  /**
   * Posts whose read-back is due at `now` (`checkAt` passed; posted or verified), and uncertain
   * sends due to be looked for on the account, oldest first; of `channelIds` only, when given.
   */
  dueChecks(now: Date, limit: number, channelIds?: readonly string[]): Promise<Delivery[]>;
  getDelivery(id: number): Promise<Delivery | undefined>;
  listDeliveries(filter: DeliveryFilter): Promise<Delivery[]>;
  /**
   * The only write of a delivery's state: a compare-and-set (`WHERE id = ? AND state IN (from)`)
   * with its patch, its sends and its event in one transaction. False when the delivery was not
   * in one of the `from` states (someone else moved it first): nothing is written then.
   */
  transition(id: number, change: DeliveryChange, event: EventRecord): Promise<boolean>;
  /**
   * Deliveries for an article that has none of their kind on these channels yet (manual posts),
   * or follow-ups of a post (retractions, corrections: one per parent, kind and key).
   */
  addDeliveries(articleId: number, deliveries: NewDelivery[], event: Omit<EventRecord, 'deliveryId' | 'channelId'>): Promise<number[]>;
  /** Records an article outside any poll (a manual post of a URL); returns the known id if any. */
  recordArticle(article: Article, at: Date, event: Omit<EventRecord, 'articleId'>): Promise<StoredArticle>;
  channelSummaries(): Promise<ChannelSummary[]>;
  listSourceStates(): Promise<SourceState[]>;

  appendEvent(event: EventRecord): Promise<void>;
  listEvents(filter: EventFilter): Promise<StoredEvent[]>;

  /** Sends logged by transitions, since a time, oldest first (sliding-window budgets, caps). */
  sendsSince(counter: string, kind: SendRecord['kind'], since: Date): Promise<{ at: Date; cost: number }[]>;
  lastSendAt(counter: string, kind: SendRecord['kind']): Promise<Date | undefined>;
  /**
   * What a budget or a cap needs of the sends after `since`, computed by the database on the
   * (counter, kind, at) index, never by reading the sends out: their count, their cost and, given
   * `keep`, when at most `keep` would be left (see `SendWindow`).
   */
  sendWindow(counter: string, kind: SendRecord['kind'], since: Date, keep?: number): Promise<SendWindow>;

  /** Holds in force at `now` (expired ones are over), per channel, all channels when none given. */
  listHolds(now: Date, channelId?: string): Promise<HeldChannel[]>;
  /** Sets (or replaces) the channel's hold of this kind. */
  setHold(channelId: string, hold: ChannelHold): Promise<void>;
  /** Lifts the channel's holds of these kinds; returns the ones that were in force. */
  clearHolds(channelId: string, kinds: readonly HoldKind[], now: Date): Promise<HeldChannel[]>;

  /**
   * Replicas. One replica at a time sends for an account: it holds the channel's lease, renewed
   * while it works, taken over by another once it has expired (a dead replica), or at once from
   * an owner in `takeOver` (one known to be dead). Returns the channels this owner holds after the
   * call, of those asked for.
   */
  leaseChannels(owner: string, channelIds: readonly string[], now: Date, ttlMs: number, takeOver?: readonly string[]): Promise<string[]>;
  /** The leases in the store, expired or not (who sends for which channel, until when). */
  listChannelLeases(): Promise<{ channelId: string; owner: string; until: Date }[]>;
  /** Gives up this owner's channel leases (a clean stop), so another replica takes over at once. */
  releaseChannels(owner: string): Promise<void>;
  /**
   * Whether this owner may poll the source now: one replica per due time. Granted when the source
   * is due (or `force`, a push asked for a poll) and no other owner's claim is in force (an owner
   * in `takeOver` is known dead: its claim is void); the claim lasts `ttlMs` or until the poll's
   * state is saved. Returns the source's state as claimed (the poll reads no more), or undefined
   * when the claim is refused.
   */
  claimPoll(sourceId: string, owner: string, now: Date, ttlMs: number, force?: boolean, takeOver?: readonly string[]): Promise<SourceState | undefined>;
  /**
   * Whether several daemons may run on this store at once (PostgreSQL replicas). SQLite: no, its
   * daemon lock lets one `crier run` open a file, so a poll there needs no claim written, only the
   * source's state read (one write fewer per poll).
   */
  readonly replicated: boolean;
  /**
   * Tells `listener` when another process changed the queue (PostgreSQL LISTEN/NOTIFY), so a
   * replica wakes at once for work another one received. Absent where nothing can tell.
   */
  watch?(listener: () => void): Promise<() => Promise<void>>;

  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string | undefined): Promise<void>;

  getChannelValue(channelId: string, key: string): Promise<string | undefined>;
  setChannelValue(channelId: string, key: string, value: string): Promise<void>;
  deleteChannelValue(channelId: string, key: string): Promise<void>;
}
