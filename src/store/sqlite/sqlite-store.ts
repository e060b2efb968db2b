import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ensurePrivateFile } from './private-file.js';
import type {
  ChannelHold,
  ChannelSummary,
  Delivery,
  DeliveryChange,
  DeliveryFilter,
  EventFilter,
  EventRecord,
  HeldChannel,
  HoldKind,
  IngestItem,
  PulledArticle,
  IngestResult,
  NewDelivery,
  SendRecord,
  SendWindow,
  SourceState,
  Store,
  StoredArticle,
  StoredEvent,
} from '../store.js';
import {
  channelSummaries,
  clearHolds,
  HELD_FOR_EVER,
  HOLD_END,
  lastSendAt,
  listHolds,
  NOT_HELD,
  sendsSince,
  sendWindow,
  setHold,
} from './channel-queries.js';
import { applyTransition } from './transition.js';
import { claimPoll, leaseChannels, listChannelLeases, releaseChannels } from './leases.js';
import { listSourceStates, readSourceState, writeSourceState } from './sources.js';
import { insertEvent, listEvents } from './events.js';
import { ingestItems, insertArticle, insertDelivery } from './ingest.js';
import type { Article } from '../../articles/article.js';
import { MIGRATIONS } from './migrations.js';
import { cachedStatements, type Sql } from './sql.js';
import { articleFromRow, deliveryFromRow, type ArticleRow, type DeliveryRow } from './rows.js';

/** Read-backs (posted, verified) and the settling of unknown sends (uncertain) use check_at. */
const CHECKED_STATES = "('posted', 'verified', 'uncertain')";

const channelList = (ids: readonly string[] | undefined): string | null => (ids === undefined ? null : JSON.stringify(ids));

/**
 * better-sqlite3 in WAL mode: the daemon and CLI processes share one file safely; a busy
 * timeout lets a short CLI write wait for the daemon's transaction instead of failing.
 */
export function openSqliteStore(path: string): SqliteStore {
  try {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // The store holds sessions and tokens: created 0600, and its -wal and -shm follow.
      ensurePrivateFile(path);
    }
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    return new SqliteStore(db);
  } catch (error) {
    // A read-only disk or directory, a file where a folder should be: name the file and the key.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open the store ${path} (${reason}): it must be a writable file in a writable directory; fix its permissions or change store.path`, { cause: error });
  }
}

export class SqliteStore implements Store {
  /** One daemon per file (daemon-lock.ts). */
  readonly replicated = false;
  private readonly sql: Sql;

  constructor(private readonly db: Database.Database) {
    this.sql = cachedStatements(db);
  }

  async migrate(): Promise<void> {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      // Tables this Crier does not know may hold state it would ignore or overwrite.
      throw new Error(
        `store ${this.db.name} was written by a newer Crier (schema ${current}, this one knows ${MIGRATIONS.length}): upgrade Crier, or point store.path at another file`,
      );
    }
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
    return readSourceState(this.sql, sourceId);
  }

  async saveSourceState(state: SourceState): Promise<void> {
    writeSourceState(this.sql, state);
  }

  async ingest(sourceId: string, items: IngestItem[], state: SourceState, at: Date, pulled?: readonly PulledArticle[]): Promise<IngestResult> {
    // IMMEDIATE: a transaction that reads first and writes later cannot wait for another
    // process's write (SQLite answers SQLITE_BUSY at once, busy_timeout or not); one that takes
    // the write lock up front waits its turn.
    return this.db
      .transaction(() => {
        const result = ingestItems(this.sql, sourceId, items, at, pulled);
        writeSourceState(this.sql, state);
        return result;
      })
      .immediate();
  }

  async getArticle(id: number): Promise<StoredArticle | undefined> {
    const row = this.sql.prepare('SELECT * FROM articles WHERE id = ?').get(id) as ArticleRow | undefined;
    return row && articleFromRow(row);
  }

  async findArticleByUrl(canonicalUrl: string): Promise<StoredArticle | undefined> {
    const row = this.sql
      .prepare('SELECT * FROM articles WHERE canonical_url = ? ORDER BY duplicate_of IS NOT NULL, id LIMIT 1')
      .get(canonicalUrl) as ArticleRow | undefined;
    return row && articleFromRow(row);
  }

  async publishedTimes(sourceId: string, since: Date, until: Date): Promise<Date[]> {
    const rows = this.sql
      .prepare('SELECT published_at FROM articles WHERE source_id = ? AND published_at >= ? AND published_at <= ? ORDER BY published_at')
      .all(sourceId, since.getTime(), until.getTime()) as { published_at: number }[];
    return rows.map((row) => new Date(row.published_at));
  }

  async findArticleByKey(sourceId: string, key: string): Promise<StoredArticle | undefined> {
    const row = this.sql.prepare('SELECT * FROM articles WHERE source_id = ? AND source_key = ?').get(sourceId, key) as ArticleRow | undefined;
    return row && articleFromRow(row);
  }

  async dueDeliveries(now: Date, limit: number, channelIds?: readonly string[]): Promise<Delivery[]> {
    const rows = this.sql
      .prepare(
        `SELECT d.* FROM deliveries d WHERE d.state = 'pending' AND d.next_attempt_at <= @now AND ${NOT_HELD}
           AND (@channels IS NULL OR d.channel_id IN (SELECT value FROM json_each(@channels)))
         ORDER BY d.priority = 'breaking' DESC, d.next_attempt_at, d.id LIMIT @limit`,
      )
      .all({ now: now.getTime(), limit, channels: channelList(channelIds) }) as DeliveryRow[];
    return rows.map(deliveryFromRow);
  }

  async nextDueAt(now: Date, channelIds?: readonly string[]): Promise<Date | undefined> {
    const row = this.sql
      .prepare(
        `SELECT MIN(MAX(d.next_attempt_at, COALESCE(${HOLD_END}, 0))) AS due FROM deliveries d
         WHERE d.state = 'pending' AND NOT ${HELD_FOR_EVER}
           AND (@channels IS NULL OR d.channel_id IN (SELECT value FROM json_each(@channels)))`,
      )
      .get({ now: now.getTime(), channels: channelList(channelIds) }) as { due: number | null };
    return row.due === null ? undefined : new Date(row.due);
  }

  async dueChecks(now: Date, limit: number, channelIds?: readonly string[]): Promise<Delivery[]> {
    const rows = this.sql
      .prepare(
        `SELECT * FROM deliveries WHERE check_at IS NOT NULL AND check_at <= @now AND state IN ${CHECKED_STATES}
           AND (@channels IS NULL OR channel_id IN (SELECT value FROM json_each(@channels)))
         ORDER BY check_at, id LIMIT @limit`,
      )
      .all({ now: now.getTime(), limit, channels: channelList(channelIds) }) as DeliveryRow[];
    return rows.map(deliveryFromRow);
  }

  async getDelivery(id: number): Promise<Delivery | undefined> {
    const row = this.sql.prepare('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
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
    if (filter.kinds?.length) {
      where.push(`kind IN (${filter.kinds.map(() => '?').join(', ')})`);
      params.push(...filter.kinds);
    }
    if (filter.parentId !== undefined) {
      where.push('parent_id = ?');
      params.push(filter.parentId);
    }
    const sql = `SELECT * FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${filter.newestFirst ? 'DESC' : ''} LIMIT ?`;
    const rows = this.sql.prepare(sql).all(...params, filter.limit ?? 1000) as DeliveryRow[];
    return rows.map(deliveryFromRow);
  }

  async transition(id: number, change: DeliveryChange, event: EventRecord): Promise<boolean> {
    return this.db.transaction(() => applyTransition(this.sql, id, change, event))();
  }

  async addDeliveries(
    articleId: number,
    deliveries: NewDelivery[],
    event: Omit<EventRecord, 'deliveryId' | 'channelId'>,
  ): Promise<number[]> {
    return this.db.transaction(() =>
      deliveries.map((d) => {
        const id = insertDelivery(this.sql, articleId, d, event.at);
        if (id === undefined) throw new Error(`article ${articleId} already has a delivery for ${d.channelId}`);
        this.insertEvent({ ...event, articleId, deliveryId: id, channelId: d.channelId });
        return id;
      }),
    )();
  }

  async recordArticle(article: Article, at: Date, event: Omit<EventRecord, 'articleId'>): Promise<StoredArticle> {
    // The lookup and the insert in one IMMEDIATE transaction: another process recording the same
    // article meanwhile is waited for and then found, not inserted twice (a UNIQUE error).
    const row = this.db
      .transaction(() => {
        const existing =
          (this.sql
            .prepare('SELECT * FROM articles WHERE source_id = ? AND source_key = ?')
            .get(article.sourceId, article.key) as ArticleRow | undefined) ??
          (article.canonicalUrl
            ? (this.sql
                .prepare('SELECT * FROM articles WHERE canonical_url = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1')
                .get(article.canonicalUrl) as ArticleRow | undefined)
            : undefined);
        if (existing) return existing;
        const inserted = insertArticle(this.sql, article, at, undefined);
        this.insertEvent({ ...event, articleId: inserted });
        return this.sql.prepare('SELECT * FROM articles WHERE id = ?').get(inserted) as ArticleRow;
      })
      .immediate();
    return articleFromRow(row);
  }

  async channelSummaries(): Promise<ChannelSummary[]> {
    return channelSummaries(this.sql);
  }

  async listSourceStates(): Promise<SourceState[]> {
    return listSourceStates(this.sql);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = this.sql.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  async setMeta(key: string, value: string | undefined): Promise<void> {
    if (value === undefined) this.sql.prepare('DELETE FROM meta WHERE key = ?').run(key);
    else this.sql.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async appendEvent(event: EventRecord): Promise<void> {
    this.insertEvent(event);
  }

  private insertEvent(event: EventRecord): void {
    insertEvent(this.sql, event);
  }

  async listEvents(filter: EventFilter): Promise<StoredEvent[]> {
    return listEvents(this.sql, filter);
  }

  async getChannelValue(channelId: string, key: string): Promise<string | undefined> {
    const row = this.sql
      .prepare('SELECT value FROM channel_values WHERE channel_id = ? AND key = ?')
      .get(channelId, key) as { value: string } | undefined;
    return row?.value;
  }

  async setChannelValue(channelId: string, key: string, value: string): Promise<void> {
    this.sql
      .prepare(
        `INSERT INTO channel_values (channel_id, key, value) VALUES (?, ?, ?)
         ON CONFLICT (channel_id, key) DO UPDATE SET value = excluded.value`,
      )
      .run(channelId, key, value);
  }

  async deleteChannelValue(channelId: string, key: string): Promise<void> {
    this.sql.prepare('DELETE FROM channel_values WHERE channel_id = ? AND key = ?').run(channelId, key);
  }

  async sendsSince(counter: string, kind: SendRecord['kind'], since: Date): Promise<{ at: Date; cost: number }[]> {
    return sendsSince(this.sql, counter, kind, since);
  }

  async lastSendAt(counter: string, kind: SendRecord['kind']): Promise<Date | undefined> {
    return lastSendAt(this.sql, counter, kind);
  }

  async sendWindow(counter: string, kind: SendRecord['kind'], since: Date, keep?: number): Promise<SendWindow> {
    return sendWindow(this.sql, counter, kind, since, keep);
  }

  async listHolds(now: Date, channelId?: string): Promise<HeldChannel[]> {
    return listHolds(this.sql, now, channelId);
  }

  async setHold(channelId: string, hold: ChannelHold): Promise<void> {
    setHold(this.sql, channelId, hold);
  }

  async clearHolds(channelId: string, kinds: readonly HoldKind[], now: Date): Promise<HeldChannel[]> {
    return this.db.transaction(() => clearHolds(this.sql, channelId, kinds, now)).immediate();
  }

  async leaseChannels(owner: string, channelIds: readonly string[], now: Date, ttlMs: number, takeOver: readonly string[] = []): Promise<string[]> {
    return this.db.transaction(() => leaseChannels(this.sql, owner, channelIds, now, ttlMs, takeOver))();
  }

  async listChannelLeases(): Promise<{ channelId: string; owner: string; until: Date }[]> {
    return listChannelLeases(this.sql);
  }

  async releaseChannels(owner: string): Promise<void> {
    releaseChannels(this.sql, owner);
  }

  async claimPoll(sourceId: string, owner: string, now: Date, ttlMs: number, force = false, takeOver: readonly string[] = []): Promise<SourceState | undefined> {
    return this.db.transaction(() => claimPoll(this.sql, sourceId, owner, now, ttlMs, force, takeOver))();
  }
}
