import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  Delivery,
  DeliveryFilter,
  DeliveryOutcome,
  EventRecord,
  IngestItem,
  IngestResult,
  SendingPatch,
  SourceState,
  Store,
  StoredArticle,
  StoredEvent,
} from '../store.js';
import { insertEvent } from './events.js';
import { ingestItems } from './ingest.js';
import { MIGRATIONS } from './migrations.js';
import {
  articleFromRow,
  deliveryFromRow,
  eventFromRow,
  sourceFromRow,
  type ArticleRow,
  type DeliveryRow,
  type EventRow,
  type SourceRow,
} from './rows.js';

const ms = (d: Date | undefined): number | null => (d === undefined ? null : d.getTime());

/**
 * better-sqlite3 in WAL mode: the daemon and CLI processes share one file safely; a busy
 * timeout lets a short CLI write wait for the daemon's transaction instead of failing.
 */
export function openSqliteStore(path: string): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  return new SqliteStore(db);
}

export class SqliteStore implements Store {
  constructor(private readonly db: Database.Database) {}

  async migrate(): Promise<void> {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    for (let version = current; version < MIGRATIONS.length; version += 1) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version] ?? '');
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async getSourceState(sourceId: string): Promise<SourceState | undefined> {
    const row = this.db.prepare('SELECT * FROM sources WHERE source_id = ?').get(sourceId) as SourceRow | undefined;
    return row && sourceFromRow(row);
  }

  async saveSourceState(state: SourceState): Promise<void> {
    this.writeSourceState(state);
  }

  private writeSourceState(state: SourceState): void {
    this.db
      .prepare(
        `INSERT INTO sources (source_id, initialized_at, etag, last_modified, body_hash, cursor, next_poll_at,
           last_poll_at, last_ok_at, consecutive_failures, last_error)
         VALUES (@source_id, @initialized_at, @etag, @last_modified, @body_hash, @cursor, @next_poll_at,
           @last_poll_at, @last_ok_at, @consecutive_failures, @last_error)
         ON CONFLICT (source_id) DO UPDATE SET initialized_at = excluded.initialized_at, etag = excluded.etag,
           last_modified = excluded.last_modified, body_hash = excluded.body_hash, cursor = excluded.cursor,
           next_poll_at = excluded.next_poll_at, last_poll_at = excluded.last_poll_at,
           last_ok_at = excluded.last_ok_at, consecutive_failures = excluded.consecutive_failures,
           last_error = excluded.last_error`,
      )
      .run({
        source_id: state.sourceId,
        initialized_at: ms(state.initializedAt),
        etag: state.etag ?? null,
        last_modified: state.lastModified ?? null,
        body_hash: state.bodyHash ?? null,
        cursor: state.cursor ?? null,
        next_poll_at: ms(state.nextPollAt),
        last_poll_at: ms(state.lastPollAt),
        last_ok_at: ms(state.lastOkAt),
        consecutive_failures: state.consecutiveFailures,
        last_error: state.lastError ?? null,
      });
  }

  async ingest(sourceId: string, items: IngestItem[], state: SourceState, at: Date): Promise<IngestResult> {
    return this.db.transaction(() => {
      const result = ingestItems(this.db, sourceId, items, at);
      this.writeSourceState(state);
      return result;
    })();
  }

  async getArticle(id: number): Promise<StoredArticle | undefined> {
    const row = this.db.prepare('SELECT * FROM articles WHERE id = ?').get(id) as ArticleRow | undefined;
    return row && articleFromRow(row);
  }

  async findArticleByUrl(canonicalUrl: string): Promise<StoredArticle | undefined> {
    const row = this.db
      .prepare('SELECT * FROM articles WHERE canonical_url = ? ORDER BY duplicate_of IS NOT NULL, id LIMIT 1')
      .get(canonicalUrl) as ArticleRow | undefined;
    return row && articleFromRow(row);
  }

  async dueDeliveries(now: Date, limit: number): Promise<Delivery[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ?
         ORDER BY priority = 'breaking' DESC, next_attempt_at, id LIMIT ?`,
      )
      .all(now.getTime(), limit) as DeliveryRow[];
    return rows.map(deliveryFromRow);
  }

  async nextDueAt(): Promise<Date | undefined> {
    const row = this.db
      .prepare(`SELECT MIN(next_attempt_at) AS due FROM deliveries WHERE state = 'pending'`)
      .get() as { due: number | null };
    return row.due === null ? undefined : new Date(row.due);
  }

  async getDelivery(id: number): Promise<Delivery | undefined> {
    const row = this.db.prepare('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
    return row && deliveryFromRow(row);
  }

  async listDeliveries(filter: DeliveryFilter): Promise<Delivery[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.articleId !== undefined) {
      where.push('article_id = ?');
      params.push(filter.articleId);
    }
    if (filter.channelId !== undefined) {
      where.push('channel_id = ?');
      params.push(filter.channelId);
    }
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      params.push(...filter.states);
    }
    const sql = `SELECT * FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, filter.limit ?? 1000) as DeliveryRow[];
    return rows.map(deliveryFromRow);
  }

  async markSending(id: number, patch: SendingPatch): Promise<boolean> {
    const info = this.db
      .prepare(
        `UPDATE deliveries SET state = 'sending', text = ?, prepared = COALESCE(prepared, ?), attempts = attempts + 1,
           first_attempt_at = COALESCE(first_attempt_at, ?), last_attempt_at = ?, updated_at = ?
         WHERE id = ? AND state = 'pending'`,
      )
      .run(patch.text, patch.prepared ?? null, patch.at.getTime(), patch.at.getTime(), patch.at.getTime(), id);
    return info.changes === 1;
  }

  async finish(id: number, outcome: DeliveryOutcome, event: EventRecord): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE deliveries SET state = ?, remote_id = COALESCE(?, remote_id), remote_url = COALESCE(?, remote_url),
             last_error = ?, posted_at = CASE WHEN ? = 'posted' THEN ? ELSE posted_at END, updated_at = ?
           WHERE id = ?`,
        )
        .run(
          outcome.state,
          outcome.remoteId ?? null,
          outcome.remoteUrl ?? null,
          outcome.error ?? null,
          outcome.state,
          outcome.at.getTime(),
          outcome.at.getTime(),
          id,
        );
      this.insertEvent(event);
    })();
  }

  async reschedule(id: number, nextAttemptAt: Date, error: string, event: EventRecord): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE deliveries SET state = 'pending', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?`,
        )
        .run(nextAttemptAt.getTime(), error, event.at.getTime(), id);
      this.insertEvent(event);
    })();
  }

  async listSending(): Promise<Delivery[]> {
    return this.listDeliveries({ states: ['sending'] });
  }

  async appendEvent(event: EventRecord): Promise<void> {
    this.insertEvent(event);
  }

  private insertEvent(event: EventRecord): void {
    insertEvent(this.db, event);
  }

  async listEvents(filter: {
    articleId?: number;
    deliveryId?: number;
    channelId?: string;
    limit?: number;
  }): Promise<StoredEvent[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM events WHERE (@a IS NULL OR article_id = @a) AND (@d IS NULL OR delivery_id = @d)
           AND (@c IS NULL OR channel_id = @c) ORDER BY id LIMIT @limit`,
      )
      .all({
        a: filter.articleId ?? null,
        d: filter.deliveryId ?? null,
        c: filter.channelId ?? null,
        limit: filter.limit ?? 1000,
      }) as EventRow[];
    return rows.map(eventFromRow);
  }

  async getChannelValue(channelId: string, key: string): Promise<string | undefined> {
    const row = this.db
      .prepare('SELECT value FROM channel_values WHERE channel_id = ? AND key = ?')
      .get(channelId, key) as { value: string } | undefined;
    return row?.value;
  }

  async setChannelValue(channelId: string, key: string, value: string): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO channel_values (channel_id, key, value) VALUES (?, ?, ?)
         ON CONFLICT (channel_id, key) DO UPDATE SET value = excluded.value`,
      )
      .run(channelId, key, value);
  }

  async deleteChannelValue(channelId: string, key: string): Promise<void> {
    this.db.prepare('DELETE FROM channel_values WHERE channel_id = ? AND key = ?').run(channelId, key);
  }
}
