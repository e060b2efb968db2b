import { z } from 'zod';
import { validate as isCron } from 'node-cron';
import { idSchema } from '../../config/channel-base.js';
import { durationSchema } from '../../config/duration.js';

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
  /** Total deadline for one fetch of this source, redirects and body included; default defaults.fetchTimeout. */
  fetchTimeout: durationSchema.refine((ms) => ms >= 1000 && ms <= 300_000, 'a fetchTimeout is between 1s and 5m').optional(),
  /** Cap on one response body after decompression, in bytes (default 15 MiB): raise it only for a source you trust. */
  maxBytes: z.number().int().min(1024, 'maxBytes is at least 1024').max(256 * 1024 * 1024, 'maxBytes is at most 268435456 (256 MiB)').optional(),
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
