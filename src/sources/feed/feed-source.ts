import { z } from 'zod';
import { validate as isCron } from 'node-cron';
import { idSchema } from '../../config/channel-base.js';
import { durationSchema } from '../../config/duration.js';
import type { SourceKind } from '../source-kind.js';
import { fetchFeed } from './fetch-feed.js';
import { parseFeed } from './parse-feed.js';

/** Options every source has, whatever its kind. Spread into each kind's schema. */
export const baseSourceShape = {
  id: idSchema,
  /** Poll interval; default defaults.interval. Jittered so sources never poll together. */
  interval: durationSchema.optional(),
  /** A cron expression (node-cron, with optional seconds) instead of an interval. */
  schedule: z
    .string()
    .refine((v) => isCron(v), 'not a valid cron expression (e.g. "*/5 * * * *" = every 5 minutes)')
    .optional(),
  /** On the first poll, post the N newest items (oldest first) instead of nothing. */
  backfill: z.number().int().nonnegative().default(0),
  /** Items published longer ago than this are never posted; default defaults.maxAge. */
  maxAge: durationSchema.optional(),
};

export const feedSourceSchema = z
  .object({
    ...baseSourceShape,
    kind: z.literal('feed'),
    /** http(s):// URL, file:// URL, or a path relative to the config file. */
    url: z.string().min(1),
  })
  .strict();

export type FeedSourceConfig = z.output<typeof feedSourceSchema>;

/** RSS 2.0, Atom 1.0, JSON Feed 1.1: conditional GET, and no parse when the body is unchanged. */
export const feedKind: SourceKind<FeedSourceConfig> = {
  async fetch(source, { state, now, deadlineMs, dispatcher }) {
    const fetched = await fetchFeed(source.url, {
      etag: state?.etag,
      lastModified: state?.lastModified,
      previousHash: state?.bodyHash,
      deadlineMs,
      ...(dispatcher ? { dispatcher } : {}),
    });
    if (fetched.kind === 'not-modified') return { kind: 'unchanged', cursor: {} };
    const cursor = { etag: fetched.etag, lastModified: fetched.lastModified, bodyHash: fetched.hash };
    if (fetched.kind === 'unchanged') return { kind: 'unchanged', cursor };
    const feed = parseFeed(fetched.body, { sourceId: source.id, feedUrl: fetched.finalUrl, now: now() });
    return { kind: 'articles', articles: feed.articles, cursor };
  },
};
