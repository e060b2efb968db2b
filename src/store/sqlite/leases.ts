import type { SourceState } from '../store.js';
import { sourceFromRow, type SourceRow } from './rows.js';
import type { Sql } from './sql.js';

/** Takes or renews each channel's lease unless another owner's is in force; returns those held. */
export function leaseChannels(
  db: Sql,
  owner: string,
  channelIds: readonly string[],
  now: Date,
  ttlMs: number,
  takeOver: readonly string[],
): string[] {
  const take = db.prepare(
    `INSERT INTO channel_leases (channel_id, owner, until) VALUES (@channel, @owner, @until)
     ON CONFLICT (channel_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
       WHERE channel_leases.owner = excluded.owner OR channel_leases.until <= @now
         OR channel_leases.owner IN (SELECT value FROM json_each(@dead))`,
  );
  const dead = JSON.stringify(takeOver);
  return channelIds.filter(
    (channel) => take.run({ channel, owner, until: now.getTime() + ttlMs, now: now.getTime(), dead }).changes === 1,
  );
}

export function listChannelLeases(db: Sql): { channelId: string; owner: string; until: Date }[] {
  const rows = db.prepare('SELECT channel_id, owner, until FROM channel_leases ORDER BY channel_id').all() as {
    channel_id: string;
    owner: string;
    until: number;
  }[];
  return rows.map((row) => ({ channelId: row.channel_id, owner: row.owner, until: new Date(row.until) }));
}

export function releaseChannels(db: Sql, owner: string): void {
  db.prepare('DELETE FROM channel_leases WHERE owner = ?').run(owner);
}

/** One poll per due time: the source must be due (or forced) and unclaimed by anyone else. */
export function claimPoll(db: Sql, sourceId: string, owner: string, now: Date, ttlMs: number, force: boolean, takeOver: readonly string[]): SourceState | undefined {
  const params = { source: sourceId, owner, until: now.getTime() + ttlMs, now: now.getTime(), force: force ? 1 : 0, dead: JSON.stringify(takeOver) };
  const claim = db.prepare(
      `UPDATE sources SET claimed_by = @owner, claimed_until = @until
       WHERE source_id = @source AND (claimed_until IS NULL OR claimed_until <= @now OR claimed_by = @owner
           OR claimed_by IN (SELECT value FROM json_each(@dead)))
         AND (@force = 1 OR next_poll_at IS NULL OR next_poll_at <= @now)
       RETURNING *`,
  );
  // The claim returns the row it took, so the poll needs no second read of the source's state.
  let row = claim.get(params) as SourceRow | undefined;
  // A source never polled has no row yet: one is made (the transaction holds the write lock).
  if (row === undefined && db.prepare('INSERT OR IGNORE INTO sources (source_id, consecutive_failures) VALUES (?, 0)').run(sourceId).changes === 1) {
    row = claim.get(params) as SourceRow | undefined;
  }
  return row && sourceFromRow(row);
}
