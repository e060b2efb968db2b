import { z } from 'zod';
import { durationSchema } from './duration.js';

export const idSchema = z
  .string({
    // YAML reads `id: 2024` as a number: say how to keep it an id.
    error: (issue) => (typeof issue.input === 'number' ? `an id is text: quote it, e.g. id: "${String(issue.input)}"` : 'an id is text, e.g. id: news'),
  })
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'ids are lower-case letters, digits, dot, dash and underscore');

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'write a time of day as HH:MM, e.g. 23:30');

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * A newsroom's posting policy for one account: spacing between posts, a daily cap, and quiet
 * hours in a named time zone. Breaking posts skip all three; platform limits apply to every post.
 */
export const channelScheduleSchema = z
  .object({
    /** At least this long between two posts. */
    minSpacing: durationSchema.optional(),
    /** At most this many posts per calendar day in `timezone`. */
    dailyCap: z.number().int().positive().optional(),
    /** IANA time zone for quiet hours and the daily cap. */
    timezone: z.string().refine(isTimeZone, 'unknown time zone: use an IANA name like Europe/Berlin').default('UTC'),
    quietHours: z
      .object({
        start: clockTime,
        end: clockTime,
        /** wait: post when the quiet hours end; skip: never post what arrives during them. */
        during: z.enum(['wait', 'skip']).default('wait'),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ChannelSchedule = z.output<typeof channelScheduleSchema>;

/** Options every channel has, whatever its platform. Spread into each platform's schema. */
export const baseChannelShape = {
  id: idSchema,
  /** Print what would be posted and record it as posted in dry-run; no credentials needed. */
  dryRun: z.boolean().default(false),
  /** Template file, relative to the config file; default: templates/<platform>.hbs. */
  template: z.string().optional(),
  /** BCP 47 language used when the article declares none and none is detected; default: defaults.language. */
  language: z.string().optional(),
  /**
   * The link a post carries (README "Links"): `canonicalUrl`, the article's link without the
   * feed's tracking parameters, or `url`, exactly as the feed gives it; plus the newsroom's own
   * campaign parameters, counted in the post's length. Values may use {{platform}}, {{channel}}.
   */
  link: z
    .object({
      from: z.enum(['canonicalUrl', 'url']).default('canonicalUrl'),
      utm: z
        .object({
          source: z.string().min(1).optional(),
          medium: z.string().min(1).optional(),
          campaign: z.string().min(1).optional(),
          term: z.string().min(1).optional(),
          content: z.string().min(1).optional(),
        })
        .strict()
        .optional(),
    })
    .strict()
    .optional(),
  /**
   * Read each post back from the platform after posting (README "Read-back"). Default: the
   * platform's choice (on for Bluesky and Mastodon, off for X, which bills reads); off for a dry run.
   */
  verify: z.boolean().optional(),
  /**
   * How categories and tags become hashtags (README "Hashtags"; the rule is src/render/hashtags.ts).
   * A category path (`News/World`, `News > World`) gives its last part; WordPress's "Uncategorized"
   * (and its translations) never becomes a hashtag.
   */
  hashtags: z
    .object({
      /** Category or tag (case-insensitive) → the hashtag to post for it; "" posts none. */
      map: z
        .record(z.string().min(1), z.string().regex(/^(?:#?[\p{L}\p{M}\p{N}_]+)?$/u, 'write a hashtag such as "#Politik" or "Politik", or "" for none'))
        .optional(),
      /** Categories and tags that never become hashtags ("Breaking", "Featured"…). */
      stop: z.array(z.string().min(1)).optional(),
      /** Longest hashtag kept, in characters after "#"; longer ones are dropped, never cut. Default 25. */
      maxLength: z.number().int().min(2).max(139).optional(),
    })
    .strict()
    .optional(),
  /** Attach the article image when the platform supports it. */
  images: z.boolean().default(true),
  /** Alt text used when the feed gives an image without one. */
  imageAlt: z.string().optional(),
  schedule: channelScheduleSchema.optional(),
};

/**
 * Each secret credential may be given as `name: ${ENV}` or `nameFile: /path`; exactly one of
 * the two is required unless the channel is a dry run.
 */
export function requireSecrets(
  names: readonly string[],
): (channel: { dryRun: boolean; credentials?: Record<string, unknown> | undefined }, ctx: z.RefinementCtx) => void {
  return (channel, ctx) => {
    if (channel.dryRun) return;
    if (!channel.credentials) {
      ctx.addIssue({
        code: 'custom',
        path: ['credentials'],
        message: `credentials are required unless dryRun is true (needs ${names.join(', ')})`,
      });
      return;
    }
    for (const name of names) {
      const direct = channel.credentials[name] !== undefined;
      const file = channel.credentials[`${name}File`] !== undefined;
      if (direct === file) {
        ctx.addIssue({
          code: 'custom',
          path: ['credentials', name],
          message: direct
            ? `give either ${name} or ${name}File, not both`
            : `missing: set ${name}: \${ENV_NAME} or ${name}File: /path/to/secret`,
        });
      }
    }
  };
}
