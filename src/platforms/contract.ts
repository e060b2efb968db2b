import type { TextRules } from '../render/text-rules.js';
import type { Logger } from 'pino';
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
}

/** One adapter per channel. Every failure is thrown as a PublishError (errors.ts). */
export interface PlatformAdapter {
  verify(signal?: AbortSignal): Promise<AccountInfo>;
  /** Builds what must be persisted before the first request leaves (idempotency material). */
  prepare?(post: Omit<OutboundPost, 'prepared'>): Promise<unknown>;
  publish(post: OutboundPost, signal?: AbortSignal): Promise<Receipt>;
  remove?(receipt: Receipt, signal?: AbortSignal): Promise<void>;
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
  textRules(channel: C, deps: AdapterDeps): Promise<TextRules>;
  rateBudgets(channel: C): RateBudget[];
  createAdapter(channel: C, deps: AdapterDeps): PlatformAdapter;
}
