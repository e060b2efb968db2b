import { existsSync } from 'node:fs';
import { AtpAgent } from '@atproto/api';
import Database from 'better-sqlite3';

/** A delivery row as the follow-up checks read it, with its article's URL. */
export interface FollowUpRow {
  id: number;
  kind: string;
  channelId: string;
  state: string;
  parentId: number | null;
  remoteId: string | null;
  lastError: string | null;
  url: string;
}

/** Every delivery of the daemon's SQLite store (read-only, beside the writing daemon). */
export function deliveryRows(storePath: string): FollowUpRow[] {
  if (!existsSync(storePath)) return [];
  const db = new Database(storePath, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    return db
      .prepare(
        `SELECT d.id, d.kind, d.channel_id AS channelId, d.state, d.parent_id AS parentId, d.remote_id AS remoteId,
                d.last_error AS lastError, a.url
           FROM deliveries d JOIN articles a ON a.id = d.article_id ORDER BY d.id`,
      )
      .all() as FollowUpRow[];
  } finally {
    db.close();
  }
}

/** Follow-ups (retract, correct, edit) still to be carried out. */
export function followUpsLeft(storePath: string): number {
  return deliveryRows(storePath).filter((r) => r.kind !== 'post' && (r.state === 'pending' || r.state === 'sending')).length;
}

/** The account's Bluesky posts on the PDS, with the post each one replies to. */
export async function blueskyReplies(service: string, did: string): Promise<{ uri: string; parentUri: string | undefined }[]> {
  const agent = new AtpAgent({ service });
  const records: { uri: string; parentUri: string | undefined }[] = [];
  let cursor: string | undefined;
  do {
    const page = await agent.com.atproto.repo.listRecords({ repo: did, collection: 'app.bsky.feed.post', limit: 100, ...(cursor ? { cursor } : {}) });
    for (const record of page.data.records) {
      const parent = (record.value as { reply?: { parent?: { uri?: unknown } } }).reply?.parent?.uri;
      records.push({ uri: record.uri, parentUri: typeof parent === 'string' ? parent : undefined });
    }
    cursor = page.data.records.length === 100 ? page.data.cursor : undefined;
  } while (cursor);
  return records;
}

/** What the PDS's getRecord answers for an at:// URI: `found`, or the error's name (RecordNotFound). */
export async function blueskyRecordState(service: string, uri: string): Promise<string> {
  const [, , repo = '', collection = '', rkey = ''] = uri.split('/');
  try {
    await new AtpAgent({ service }).com.atproto.repo.getRecord({ repo, collection, rkey });
    return 'found';
  } catch (error) {
    return (error as { error?: string }).error ?? String(error);
  }
}

/** How many times each value occurs more than once: 0 when every value is unique. */
export function repeats(values: readonly string[]): number {
  return values.length - new Set(values).size;
}
