import type { SourceState } from '../store.js';
import { rows, type Db } from './db.js';
import { sourceFromRow, type SourceRow } from './rows.js';

/**
 * Takes or renews each channel's lease unless another owner's is in force (or that owner is in
 * `takeOver`, known dead); returns those held, in the order asked. One statement: ON CONFLICT
 * locks each existing row and judges it as it is at that moment, and the rows are taken in
 * channel order so two replicas asking at once cannot deadlock.
 */
export async function leaseChannels(
  db: Db,
  owner: string,
  channelIds: readonly string[],
  now: Date,
  ttlMs: number,
  takeOver: readonly string[],
): Promise<string[]> {
  if (channelIds.length === 0) return [];
  const taken = await rows<{ channel_id: string }>(
    db,
    `INSERT INTO channel_leases (channel_id, owner, until)
       SELECT DISTINCT channel, $2::text, $3::timestamptz FROM unnest($1::text[]) AS channel ORDER BY channel
     ON CONFLICT (channel_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
       WHERE channel_leases.owner = excluded.owner OR channel_leases.until <= $4 OR channel_leases.owner = ANY($5::text[])
     RETURNING channel_id`,
    [channelIds, owner, new Date(now.getTime() + ttlMs), now, takeOver],
  );
  const held = new Set(taken.map((row) => row.channel_id));
  return channelIds.filter((channel) => held.has(channel));
}

export async function listChannelLeases(db: Db): Promise<{ channelId: string; owner: string; until: Date }[]> {
  const found = await rows<{ channel_id: string; owner: string; until: Date }>(db, 'SELECT channel_id, owner, until FROM channel_leases ORDER BY channel_id');
  return found.map((row) => ({ channelId: row.channel_id, owner: row.owner, until: row.until }));
}

export async function releaseChannels(db: Db, owner: string): Promise<void> {
  await db.query('DELETE FROM channel_leases WHERE owner = $1', [owner]);
}

/**
 * One poll per due time: granted when the source is due (or forced) and nobody else's claim is
 * in force. One statement, so two replicas asking at once get one yes: a source never seen is
 * inserted already claimed; an existing one is claimed under its row lock.
 */
export async function claimPoll(
  db: Db,
  sourceId: string,
  owner: string,
  now: Date,
  ttlMs: number,
  force: boolean,
  takeOver: readonly string[],
): Promise<SourceState | undefined> {
  const claimed = await rows<SourceRow>(
    db,
    `INSERT INTO sources (source_id, consecutive_failures, claimed_by, claimed_until) VALUES ($1, 0, $2, $3)
     ON CONFLICT (source_id) DO UPDATE SET claimed_by = excluded.claimed_by, claimed_until = excluded.claimed_until
       WHERE (sources.claimed_until IS NULL OR sources.claimed_until <= $4 OR sources.claimed_by = $2
           OR sources.claimed_by = ANY($6::text[]))
         AND ($5::boolean OR sources.next_poll_at IS NULL OR sources.next_poll_at <= $4)
     RETURNING *`,
    [sourceId, owner, new Date(now.getTime() + ttlMs), now, force, takeOver],
  );
  const row = claimed[0];
  return row === undefined ? undefined : sourceFromRow(row);
}
