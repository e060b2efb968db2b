import type { Sql } from './sql.js';
import type { ChannelHold, ChannelSummary, HeldChannel, HoldKind, SendRecord, SendWindow } from '../store.js';

/** The longest platform window is a day; sends are kept for two, so the table stays small. */
const SEND_RETENTION_MS = 2 * 86_400_000;

export function channelSummaries(db: Sql): ChannelSummary[] {
  const rows = db
    .prepare(
      `SELECT channel_id,
         SUM(state = 'pending') AS pending, SUM(state = 'failed') AS failed, SUM(state = 'uncertain') AS uncertain,
         SUM(state = 'verified') AS verified, SUM(state = 'missing') AS missing,
         MAX(posted_at) AS last_posted_at
       FROM deliveries GROUP BY channel_id ORDER BY channel_id`,
    )
    .all() as { channel_id: string; pending: number; failed: number; uncertain: number; verified: number; missing: number; last_posted_at: number | null }[];
  const lastVerified = db.prepare(
    `SELECT id, posted_at, remote_url FROM deliveries WHERE channel_id = ? AND state = 'verified' AND posted_at IS NOT NULL
     ORDER BY posted_at DESC, id DESC LIMIT 1`,
  );
  const lastError = db.prepare(
    `SELECT id, updated_at, last_error FROM deliveries
     WHERE channel_id = ? AND last_error IS NOT NULL AND state IN ('failed', 'uncertain', 'pending')
     ORDER BY updated_at DESC LIMIT 1`,
  );
  return rows.map((row) => {
    const error = lastError.get(row.channel_id) as { id: number; updated_at: number; last_error: string } | undefined;
    const verified = lastVerified.get(row.channel_id) as { id: number; posted_at: number; remote_url: string | null } | undefined;
    return {
      channelId: row.channel_id,
      pending: row.pending,
      failed: row.failed,
      uncertain: row.uncertain,
      verified: row.verified,
      missing: row.missing,
      lastPostedAt: row.last_posted_at === null ? undefined : new Date(row.last_posted_at),
      lastVerified: verified && { deliveryId: verified.id, postedAt: new Date(verified.posted_at), url: verified.remote_url ?? undefined },
      lastError: error && { at: new Date(error.updated_at), message: error.last_error, deliveryId: error.id },
    };
  });
}

export function recordSend(db: Sql, send: SendRecord, at: Date): void {
  db.prepare('INSERT INTO channel_sends (counter, kind, at, cost) VALUES (?, ?, ?, ?)').run(send.counter, send.kind, at.getTime(), send.cost);
  // Its own kind only: a range on the index, not a scan of every send the counter has.
  db.prepare('DELETE FROM channel_sends WHERE counter = ? AND kind = ? AND at < ?').run(send.counter, send.kind, at.getTime() - SEND_RETENTION_MS);
}

export function sendsSince(db: Sql, counter: string, kind: SendRecord['kind'], since: Date): { at: Date; cost: number }[] {
  const rows = db
    .prepare('SELECT at, cost FROM channel_sends WHERE counter = ? AND kind = ? AND at > ? ORDER BY at')
    .all(counter, kind, since.getTime()) as { at: number; cost: number }[];
  return rows.map((r) => ({ at: new Date(r.at), cost: r.cost }));
}

/**
 * One statement on the (counter, kind, at, cost) index: the sum, and only when more than `keep`
 * is used, the running sum oldest first (peers at one time count together, so ties need no order)
 * to find the send whose ageing-out leaves at most `keep`.
 */
export function sendWindow(db: Sql, counter: string, kind: SendRecord['kind'], since: Date, keep: number | undefined): SendWindow {
  const row = db
    .prepare(
      `SELECT t.count, t.used,
         CASE WHEN @keep IS NOT NULL AND t.used > @keep THEN (
           SELECT MIN(at) FROM (
             SELECT at, SUM(cost) OVER (ORDER BY at) AS running FROM channel_sends WHERE counter = @counter AND kind = @kind AND at > @since
           ) WHERE running >= t.used - @keep
         ) END AS clears_at
       FROM (SELECT COUNT(*) AS count, COALESCE(SUM(cost), 0) AS used FROM channel_sends WHERE counter = @counter AND kind = @kind AND at > @since) t`,
    )
    .get({ counter, kind, since: since.getTime(), keep: keep ?? null }) as { count: number; used: number; clears_at: number | null };
  return { count: row.count, used: row.used, clearsAt: row.clears_at === null ? undefined : new Date(row.clears_at) };
}

export function lastSendAt(db: Sql, counter: string, kind: SendRecord['kind']): Date | undefined {
  const row = db.prepare('SELECT MAX(at) AS at FROM channel_sends WHERE counter = ? AND kind = ?').get(counter, kind) as { at: number | null };
  return row.at === null ? undefined : new Date(row.at);
}

interface HoldRow {
  channel_id: string;
  kind: HoldKind;
  reason: string;
  since: number;
  until: number | null;
  by: string;
}

const holdFromRow = (row: HoldRow): HeldChannel => ({
  channelId: row.channel_id,
  kind: row.kind,
  reason: row.reason,
  since: new Date(row.since),
  until: row.until === null ? undefined : new Date(row.until),
  by: row.by,
});

/** A hold whose `until` has passed is simply over: it is never returned, whether or not deleted. */
export function listHolds(db: Sql, now: Date, channelId: string | undefined): HeldChannel[] {
  const rows = db
    .prepare(
      `SELECT * FROM channel_holds WHERE (until IS NULL OR until > @now) AND (@channel IS NULL OR channel_id = @channel)
       ORDER BY channel_id, kind`,
    )
    .all({ now: now.getTime(), channel: channelId ?? null }) as HoldRow[];
  return rows.map(holdFromRow);
}

export function setHold(db: Sql, channelId: string, hold: ChannelHold): void {
  db.prepare(
    `INSERT INTO channel_holds (channel_id, kind, reason, since, until, by) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (channel_id, kind) DO UPDATE SET reason = excluded.reason, since = excluded.since,
       until = excluded.until, by = excluded.by`,
  ).run(channelId, hold.kind, hold.reason, hold.since.getTime(), hold.until?.getTime() ?? null, hold.by);
}

export function clearHolds(db: Sql, channelId: string, kinds: readonly HoldKind[], now: Date): HeldChannel[] {
  const cleared = listHolds(db, now, channelId).filter((h) => kinds.includes(h.kind));
  db.prepare('DELETE FROM channel_holds WHERE channel_id = ? AND kind IN (SELECT value FROM json_each(?))').run(channelId, JSON.stringify(kinds));
  return cleared;
}

/** A delivery is held when its channel has a hold in force that stops its priority. */
const HELD = `EXISTS (SELECT 1 FROM channel_holds h WHERE h.channel_id = d.channel_id
  AND (h.kind <> 'schedule' OR d.priority <> 'breaking') AND (h.until IS NULL OR h.until > @now)`;

export const NOT_HELD = `NOT ${HELD})`;
/** Held only until a known time (not by a person): the delivery can go when the hold ends. */
export const HELD_FOR_EVER = `${HELD} AND h.until IS NULL)`;
export const HOLD_END = `(SELECT MAX(h.until) FROM channel_holds h WHERE h.channel_id = d.channel_id
  AND (h.kind <> 'schedule' OR d.priority <> 'breaking') AND h.until > @now)`;
