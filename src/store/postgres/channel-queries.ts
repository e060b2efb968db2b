import type { ChannelHold, ChannelSummary, HeldChannel, HoldKind, SendRecord, SendWindow } from '../store.js';
import { first, rows, type Db } from './db.js';
import { holdFromRow, type HoldRow } from './rows.js';

/** The longest platform window is a day; sends are kept for two, so the table stays small. */
const SEND_RETENTION_MS = 2 * 86_400_000;

export async function channelSummaries(db: Db): Promise<ChannelSummary[]> {
  const counts = await rows<{ channel_id: string; pending: number; failed: number; uncertain: number; verified: number; missing: number; last_posted_at: Date | null }>(
    db,
    `SELECT channel_id,
       COUNT(*) FILTER (WHERE state = 'pending') AS pending,
       COUNT(*) FILTER (WHERE state = 'failed') AS failed,
       COUNT(*) FILTER (WHERE state = 'uncertain') AS uncertain,
       COUNT(*) FILTER (WHERE state = 'verified') AS verified,
       COUNT(*) FILTER (WHERE state = 'missing') AS missing,
       MAX(posted_at) AS last_posted_at
     FROM deliveries GROUP BY channel_id ORDER BY channel_id`,
  );
  const errors = await rows<{ channel_id: string; id: number; updated_at: Date; last_error: string }>(
    db,
    `SELECT DISTINCT ON (channel_id) channel_id, id, updated_at, last_error FROM deliveries
     WHERE last_error IS NOT NULL AND state IN ('failed', 'uncertain', 'pending')
     ORDER BY channel_id, updated_at DESC, id DESC`,
  );
  const lastError = new Map(errors.map((e) => [e.channel_id, e]));
  const verified = await rows<{ channel_id: string; id: number; posted_at: Date; remote_url: string | null }>(
    db,
    `SELECT DISTINCT ON (channel_id) channel_id, id, posted_at, remote_url FROM deliveries
     WHERE state = 'verified' AND posted_at IS NOT NULL
     ORDER BY channel_id, posted_at DESC, id DESC`,
  );
  const lastVerified = new Map(verified.map((v) => [v.channel_id, v]));
  return counts.map((row) => {
    const error = lastError.get(row.channel_id);
    return {
      channelId: row.channel_id,
      pending: row.pending,
      failed: row.failed,
      uncertain: row.uncertain,
      verified: row.verified,
      missing: row.missing,
      lastPostedAt: row.last_posted_at ?? undefined,
      lastVerified: lastVerifiedOf(lastVerified.get(row.channel_id)),
      lastError: error && { at: error.updated_at, message: error.last_error, deliveryId: error.id },
    };
  });
}

function lastVerifiedOf(row: { id: number; posted_at: Date; remote_url: string | null } | undefined): ChannelSummary['lastVerified'] {
  return row && { deliveryId: row.id, postedAt: row.posted_at, url: row.remote_url ?? undefined };
}

export async function recordSend(db: Db, send: SendRecord, at: Date): Promise<void> {
  await db.query('INSERT INTO channel_sends (counter, kind, at, cost) VALUES ($1, $2, $3, $4)', [send.counter, send.kind, at, send.cost]);
  // Its own kind only: a range on the index, not a scan of every send the counter has.
  await db.query('DELETE FROM channel_sends WHERE counter = $1 AND kind = $2 AND at < $3', [send.counter, send.kind, new Date(at.getTime() - SEND_RETENTION_MS)]);
}

export async function sendsSince(db: Db, counter: string, kind: SendRecord['kind'], since: Date): Promise<{ at: Date; cost: number }[]> {
  return rows<{ at: Date; cost: number }>(db, 'SELECT at, cost FROM channel_sends WHERE counter = $1 AND kind = $2 AND at > $3 ORDER BY at, id', [
    counter,
    kind,
    since,
  ]);
}

/**
 * One statement on the (counter, kind, at) index, cost included: the sum, and only when more than
 * `keep` is used, the running sum oldest first (peers at one time count together, so ties need no
 * order) to find the send whose ageing-out leaves at most `keep`.
 */
export async function sendWindow(db: Db, counter: string, kind: SendRecord['kind'], since: Date, keep: number | undefined): Promise<SendWindow> {
  const row = await first<{ count: number; used: number; clears_at: Date | null }>(
    db,
    `SELECT t.count, t.used,
       CASE WHEN $4::float8 IS NOT NULL AND t.used > $4::float8 THEN (
         SELECT MIN(at) FROM (
           SELECT at, SUM(cost) OVER (ORDER BY at) AS running FROM channel_sends WHERE counter = $1 AND kind = $2 AND at > $3
         ) s WHERE running >= t.used - $4::float8
       ) END AS clears_at
     FROM (SELECT COUNT(*) AS count, COALESCE(SUM(cost), 0) AS used FROM channel_sends WHERE counter = $1 AND kind = $2 AND at > $3) t`,
    [counter, kind, since, keep ?? null],
  );
  return { count: row?.count ?? 0, used: row?.used ?? 0, clearsAt: row?.clears_at ?? undefined };
}

export async function lastSendAt(db: Db, counter: string, kind: SendRecord['kind']): Promise<Date | undefined> {
  const row = await first<{ at: Date | null }>(db, 'SELECT MAX(at) AS at FROM channel_sends WHERE counter = $1 AND kind = $2', [counter, kind]);
  return row?.at ?? undefined;
}

/** A hold whose `until` has passed is simply over: it is never returned, whether or not deleted. */
export async function listHolds(db: Db, now: Date, channelId: string | undefined): Promise<HeldChannel[]> {
  const found = await rows<HoldRow>(
    db,
    `SELECT * FROM channel_holds WHERE (until IS NULL OR until > $1) AND ($2::text IS NULL OR channel_id = $2)
     ORDER BY channel_id, kind`,
    [now, channelId ?? null],
  );
  return found.map(holdFromRow);
}

export async function setHold(db: Db, channelId: string, hold: ChannelHold): Promise<void> {
  await db.query(
    `INSERT INTO channel_holds (channel_id, kind, reason, since, until, by) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (channel_id, kind) DO UPDATE SET reason = excluded.reason, since = excluded.since,
       until = excluded.until, by = excluded.by`,
    [channelId, hold.kind, hold.reason, hold.since, hold.until ?? null, hold.by],
  );
}

/** Deletes the holds of these kinds in one statement; returns those that were still in force. */
export async function clearHolds(db: Db, channelId: string, kinds: readonly HoldKind[], now: Date): Promise<HeldChannel[]> {
  const deleted = await rows<HoldRow>(db, 'DELETE FROM channel_holds WHERE channel_id = $1 AND kind = ANY($2::text[]) RETURNING *', [channelId, kinds]);
  return deleted
    .filter((row) => row.until === null || row.until.getTime() > now.getTime())
    .sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
    .map(holdFromRow);
}

/** A delivery is held when its channel has a hold in force that stops its priority ($1 is now). */
const HELD = `EXISTS (SELECT 1 FROM channel_holds h WHERE h.channel_id = d.channel_id
  AND (h.kind <> 'schedule' OR d.priority <> 'breaking') AND (h.until IS NULL OR h.until > $1)`;

export const NOT_HELD = `NOT ${HELD})`;
/** Held only until a known time (not by a person): the delivery can go when the hold ends. */
export const HELD_FOR_EVER = `${HELD} AND h.until IS NULL)`;
export const HOLD_END = `(SELECT MAX(h.until) FROM channel_holds h WHERE h.channel_id = d.channel_id
  AND (h.kind <> 'schedule' OR d.priority <> 'breaking') AND h.until > $1)`;
