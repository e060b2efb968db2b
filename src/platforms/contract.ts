import type { TextRules } from '../render/text-rules.js';
import type { LinkOptions } from '../render/post-link.js';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Article } from '../articles/article.js';
import type { ChannelSchedule } from '../config/channel-base.js';

export type { TextMeasure, TextRules } from '../render/text-rules.js';

/** What the worker hands an adapter: the fitted text plus what a platform needs around it. */
export interface OutboundPost {
  deliveryId: number;
  channelId: string;
  text: string;
  article: Article;
  /** Stable per article × channel; the same on every attempt of one delivery. */
  idempotencyKey: string;
  /**
   * Platform state persisted before the first send (e.g. Bluesky's record key and exact
   * record), returned by `prepare` and passed back unchanged on every attempt.
   */
  prepared: unknown;
  /** A correction: published as a reply under this post of the same account. */
  replyTo?: PostedRef | undefined;
}

/** A link card as the platform will show it; the thumbnail is the article image or the page's og:image. */
export interface LinkCard {
  uri: string;
  title: string;
  description: string;
}

/** A post Crier made, as its delivery recorded it. */
export interface PostedRef {
  /** What `publish` returned as `remoteId` (an X tweet id, a Bluesky at:// URI, a Mastodon status id). */
  remoteId: string;
  url?: string | undefined;
}

/** What reading a post back found: there, or gone (deleted, hidden, never stored) and why. */
export type ReadBack = { found: true } | { found: false; reason: string };

/** One of the account's own recent posts (settling a send whose outcome is unknown). */
export interface OwnPost {
  remoteId: string;
  url?: string | undefined;
  /** The text as the platform returns it, shortened links (X's t.co) expanded back where it says. */
  text: string;
  /** The full links the post carries, as the platform reports them (X entities, Mastodon hrefs, Bluesky facets). */
  links?: string[] | undefined;
  createdAt?: Date | undefined;
  /** The post this one replies to, when it is a reply (a correction). */
  replyTo?: string | undefined;
}

export interface Receipt {
  remoteId: string;
  url?: string;
  /** What the platform's rate-limit headers said about this account after the post, if read. */
  rateLimit?: { remaining: number; resetAt: Date } | undefined;
}

export interface AccountInfo {
  /** The account as people know it: @handle, handle.bsky.social, @user@instance. */
  account: string;
  /** What the platform's answer to the check said about this account's remaining request budget. */
  budget?: BudgetReading[] | undefined;
  /** What else the check found worth saying (e.g. the stored session belonged to other credentials). */
  notes?: string[] | undefined;
}

/** One rate-limit reading from a platform's headers (X x-rate-limit-*, Mastodon X-RateLimit-*). */
export interface BudgetReading {
  /** What the budget counts, e.g. "requests to /2/users/me per 15 min". */
  label: string;
  remaining: number;
  limit?: number | undefined;
  resetAt?: Date | undefined;
}

/** One adapter per channel. Every failure is thrown as a PublishError (errors.ts). */
export interface PlatformAdapter {
  /**
   * Checks the credentials as configured, never only a cached session (`crier check`), and
   * reports what the platform says about the account (rate budget, notes).
   */
  verify(signal?: AbortSignal): Promise<AccountInfo>;
  /** Builds what must be persisted before the first request leaves (idempotency material). */
  prepare?(post: Omit<OutboundPost, 'prepared'>): Promise<unknown>;
  publish(post: OutboundPost, signal?: AbortSignal): Promise<Receipt>;
  /**
   * Deletes a post of this account. Idempotent: a post already gone resolves `already-gone`.
   * Throws a PublishError otherwise (transient errors are retried by the worker).
   */
  remove?(post: PostedRef, signal?: AbortSignal): Promise<'deleted' | 'already-gone'>;
  /**
   * Reads a post back from the platform. Resolves `found: false` only when the platform says the
   * post is not there (404, deleted, hidden); throws a PublishError when it cannot say.
   */
  readBack?(post: PostedRef, signal?: AbortSignal): Promise<ReadBack>;
  /** The account's own posts created at or after `since`, newest first (bounded by the platform's page). */
  recentPosts?(since: Date, signal?: AbortSignal): Promise<OwnPost[]>;
  /** Replaces a post's text where the platform keeps the edit history visible (Mastodon). */
  edit?(post: PostedRef, text: string, signal?: AbortSignal): Promise<void>;
}

/**
 * A documented per-account limit Crier keeps itself under, as a sliding window: the platform's
 * answer (429, remaining 0) still wins, but Crier should rarely hear it.
 */
export interface RateBudget {
  label: string;
  windowMs: number;
  limit: number;
  /** What one post costs against the limit (Bluesky counts points: a create is 3). */
  costPerPost: number;
  /** `images`: the limit counts media uploads, so only posts that attach the article image use it. */
  counts?: 'posts' | 'images' | undefined;
}

/** What an adapter may use from the rest of Crier. */
export interface AdapterDeps {
  logger: Logger;
  /** Persisted per-channel key/value state (sessions, rotated tokens, cached instance limits). */
  channelState: ChannelStateStore;
  now: () => Date;
  /**
   * For article images and card pages, which are someone else's URLs: the network policy
   * (src/http/network-policy.ts). Absent, adapters use a strict policy of their own.
   */
  fetchDispatcher?: Dispatcher | undefined;
}

/** Persisted per-channel values (the Store's channel_values), scoped to one channel. */
export interface ChannelStateStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Fields every channel has, whatever its platform. */
export interface BaseChannel {
  id: string;
  platform: string;
  dryRun: boolean;
  template?: string | undefined;
  language?: string | undefined;
  link?: LinkOptions | undefined;
  schedule?: ChannelSchedule | undefined;
}

/**
 * A platform is one folder under src/platforms plus one line in registry.ts (and its channel
 * schema in the config union). Credentials are already resolved from the environment when
 * createAdapter is called. Methods (not function properties) so a Platform<XChannel> can sit in
 * the registry beside the others.
 */
export interface Platform<C extends BaseChannel = BaseChannel> {
  id: string;
  label: string;
  /** File name under templates/ used when neither the route nor the channel names one. */
  defaultTemplate: string;
  /**
   * How long after a send the platform still recognises a re-send of the same delivery as the
   * same post (idempotency): 0 for none (X), Infinity when the record key makes it permanent.
   */
  idempotencyWindowMs: number;
  /**
   * Whether posts are read back after posting unless the channel says otherwise (`verify`): X
   * bills reads, so it is off there by default.
   */
  readBackByDefault: boolean;
  textRules(channel: C, deps: AdapterDeps): Promise<TextRules>;
  /**
   * The link card Crier builds and sends with the post (Bluesky); absent where the platform
   * builds its own from the page's OpenGraph tags (Mastodon, X). `crier preview` shows it.
   */
  linkCard?(article: Article, uri: string, language: string): LinkCard;
  rateBudgets(channel: C): RateBudget[];
  createAdapter(channel: C, deps: AdapterDeps): PlatformAdapter;
}
