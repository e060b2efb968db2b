import type { Sql } from './sql.js';
import type { ChannelSummary } from '../store.js';

/** The longest platform window is a day; sends are kept for two, so the table stays small. */
const SEND_RETENTION_MS = 2 * 86_400_000;

export function channelSummaries(db: Sql): ChannelSummary[] {
  const rows = db
    .prepare(
      `SELECT channel_id,
         SUM(state = 'pending') AS pending, SUM(state = 'failed') AS failed, SUM(state = 'uncertain') AS uncertain,
         MAX(posted_at) AS last_posted_at
       FROM deliveries GROUP BY channel_id ORDER BY channel_id`,
    )
    .all() as { channel_id: string; pending: number; failed: number; uncertain: number; last_posted_at: number | null }[];
  const lastError = db.prepare(
    `SELECT id, updated_at, last_error FROM deliveries
     WHERE channel_id = ? AND last_error IS NOT NULL AND state IN ('failed', 'uncertain', 'pending')
     ORDER BY updated_at DESC LIMIT 1`,
  );
  return rows.map((row) => {
    const error = lastError.get(row.channel_id) as { id: number; updated_at: number; last_error: string } | undefined;
    return {
      channelId: row.channel_id,
      pending: row.pending,
      failed: row.failed,
      uncertain: row.uncertain,
      lastPostedAt: row.last_posted_at === null ? undefined : new Date(row.last_posted_at),
      lastError: error && { at: new Date(error.updated_at), message: error.last_error, deliveryId: error.id },
    };
  });
}

export function recordSend(db: Sql, channelId: string, at: Date, cost: number): void {
  db.prepare('INSERT INTO channel_sends (channel_id, at, cost) VALUES (?, ?, ?)').run(channelId, at.getTime(), cost);
  // The longest platform window is a day; keep two, so the table stays small.
  db.prepare('DELETE FROM channel_sends WHERE channel_id = ? AND at < ?').run(channelId, at.getTime() - SEND_RETENTION_MS);
}

export function sendsSince(db: Sql, channelId: string, since: Date): { at: Date; cost: number }[] {
  const rows = db
    .prepare('SELECT at, cost FROM channel_sends WHERE channel_id = ? AND at > ? ORDER BY at')
    .all(channelId, since.getTime()) as { at: number; cost: number }[];
  return rows.map((r) => ({ at: new Date(r.at), cost: r.cost }));
}

export function lastSendAt(db: Sql, channelId: string): Date | undefined {
  const row = db.prepare('SELECT MAX(at) AS at FROM channel_sends WHERE channel_id = ?').get(channelId) as { at: number | null };
  return row.at === null ? undefined : new Date(row.at);
}
