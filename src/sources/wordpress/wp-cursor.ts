import { z } from 'zod';

/**
 * What a WordPress source remembers between polls (SourceState.cursor, JSON). Per REST
 * collection, one high-water mark per query:
 * - `modified`: changes (modified_after): edits of known posts;
 * - `published`: publications (after), because a *scheduled* post goes live without its
 *   modified time changing (wp_publish_post only flips post_status).
 * Neither sees a post WP-cron published later than the overlap, nor one created already
 * published with a past date (modified = date): `listed`, the id listing, finds those.
 * A mark is the site's clock (its Date header) at the last complete listing, or, when a listing
 * stopped at the page cap, the last time seen with `exact` set: the next poll resumes there
 * without the overlap, so a bulk edit larger than the cap cannot pin the cursor in place.
 */
const markSchema = z.object({ at: z.iso.datetime(), exact: z.boolean().optional() });

const cursorSchema = z.object({
  v: z.literal(1),
  types: z.record(
    z.string(),
    z.object({
      modified: markSchema.optional(),
      published: markSchema.optional(),
      /**
       * The published posts dated within maxAge at the last poll, as [id, date_gmt in epoch
       * seconds]: a post listed now but not then is fetched in full (whatever its dates say), one
       * listed then but not now is checked, and its pending deliveries cancelled if it was pulled.
       */
      listed: z.array(z.tuple([z.number().int(), z.number().int()])).optional(),
    }),
  ),
  /** Set while the site's feed stands in for a REST API that answered 401/403/404. */
  fallback: z.object({ since: z.iso.datetime(), checkedAt: z.iso.datetime(), reason: z.string() }).optional(),
});

export type WpMark = z.output<typeof markSchema>;
export type WpCursor = z.output<typeof cursorSchema>;
export type WpQuery = 'modified' | 'published';

/** A missing or unreadable cursor (an older format, a hand edit) starts over; it never fails a poll. */
export function readCursor(json: string | undefined): WpCursor {
  if (json === undefined) return { v: 1, types: {} };
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(json));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: start over, as for a missing cursor.
  }
  return { v: 1, types: {} };
}

export function writeCursor(cursor: WpCursor): string {
  return JSON.stringify(cursor);
}

export interface WindowPolicy {
  now: Date;
  overlapMs: number;
  maxAgeMs: number;
  /** The source has never completed a poll: read everything that could still be posted. */
  firstPoll: boolean;
}

/**
 * Where a query starts. Never before now − maxAge: nothing published earlier can be posted, so a
 * long outage or a return from the feed fallback does not page through history. A collection
 * without a mark on a source that already ran (a post type added to the config) starts from now,
 * like a new source: it must not flood the channels with that type's last day.
 */
export function windowStart(mark: WpMark | undefined, policy: WindowPolicy): Date {
  const floor = policy.now.getTime() - policy.maxAgeMs;
  if (mark === undefined) return new Date(policy.firstPoll ? floor : policy.now.getTime() - policy.overlapMs);
  const at = new Date(mark.at).getTime();
  return new Date(Math.max(floor, mark.exact ? at : at - policy.overlapMs));
}

/** ISO 8601 in UTC to the second, the form the REST API's date-time arguments document. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
