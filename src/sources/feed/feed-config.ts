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
