import type { Pool } from 'pg';
import type { Article } from '../../articles/article.js';
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
import { createPool, first, inTransaction, notifyQueue, rows, type Db } from './db.js';
import { channelSummaries, clearHolds, HELD_FOR_EVER, HOLD_END, lastSendAt, listHolds, NOT_HELD, sendsSince, sendWindow, setHold } from './channel-queries.js';
import { insertEvent, listEvents } from './events.js';
import { ingestItems, insertArticle, insertDelivery, lockArticles } from './ingest.js';
import { claimPoll, leaseChannels, listChannelLeases, releaseChannels } from './leases.js';
import { listenQueue } from './listen.js';
import { migratePostgres } from './migrations.js';
import { articleFromRow, deliveryFromRow, sourceFromRow, type ArticleRow, type DeliveryRow, type SourceRow } from './rows.js';
import { applyTransition } from './transition.js';
import { redactUrl } from './redact-url.js';

/** Read-backs (posted, verified) and the settling of unknown sends (uncertain) use check_at. */
const CHECKED_STATES = "('posted', 'verified', 'uncertain')";

/** A store on PostgreSQL, for several replicas; `url` is a postgres:// connection string. */
export function openPostgresStore(url: string): PostgresStore {
  return new PostgresStore(url, createPool(url));
}

/**
 * The same contract and behaviour as the SQLite store (the conformance suite holds both), on a
 * database several replicas share: every multi-statement method runs in one transaction, and
 * changes another replica could act on NOTIFY `crier_queue` (delivered when they commit).
 */
export class PostgresStore implements Store {
  readonly replicated = true;
  private readonly watchers = new Set<() => Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly pool: Pool,
  ) {}

  /** Where this store is, without its password: for messages and logs. */
  get location(): string {
    return redactUrl(this.url);
  }

  async migrate(): Promise<void> {
    await migratePostgres(this.pool, this.location);
  }

  async close(): Promise<void> {
    for (const unwatch of [...this.watchers]) await unwatch();
    if (!this.pool.ended && !this.pool.ending) await this.pool.end();
  }

  async watch(listener: () => void): Promise<() => Promise<void>> {
    const stop = await listenQueue(this.url, listener);
    const unwatch = async (): Promise<void> => {
      this.watchers.delete(unwatch);
      await stop();
    };
    this.watchers.add(unwatch);
    return unwatch;
  }

  async getSourceState(sourceId: string): Promise<SourceState | undefined> {
    const row = await first<SourceRow>(this.pool, 'SELECT * FROM sources WHERE source_id = $1', [sourceId]);
    return row && sourceFromRow(row);
  }

  async saveSourceState(state: SourceState): Promise<void> {
    await writeSourceState(this.pool, state);
  }

  async ingest(sourceId: string, items: IngestItem[], state: SourceState, at: Date, pulled?: readonly PulledArticle[]): Promise<IngestResult> {
    return inTransaction(this.pool, async (client) => {
      const result = await ingestItems(client, sourceId, items, at, pulled);
      await writeSourceState(client, state);
      return result;
    });
  }

  async getArticle(id: number): Promise<StoredArticle | undefined> {
    const row = await first<ArticleRow>(this.pool, 'SELECT * FROM articles WHERE id = $1', [id]);
    return row && articleFromRow(row);
  }

  async findArticleByUrl(canonicalUrl: string): Promise<StoredArticle | undefined> {
    const row = await first<ArticleRow>(
      this.pool,
      'SELECT * FROM articles WHERE canonical_url = $1 ORDER BY duplicate_of IS NOT NULL, id LIMIT 1',
      [canonicalUrl],
    );
    return row && articleFromRow(row);
  }

  async publishedTimes(sourceId: string, since: Date, until: Date): Promise<Date[]> {
    const found = await rows<{ published_at: Date }>(
      this.pool,
      'SELECT published_at FROM articles WHERE source_id = $1 AND published_at >= $2 AND published_at <= $3 ORDER BY published_at',
      [sourceId, since, until],
    );
    return found.map((row) => row.published_at);
  }

  async findArticleByKey(sourceId: string, key: string): Promise<StoredArticle | undefined> {
    const row = await first<ArticleRow>(this.pool, 'SELECT * FROM articles WHERE source_id = $1 AND source_key = $2', [sourceId, key]);
    return row && articleFromRow(row);
  }

  async dueDeliveries(now: Date, limit: number, channelIds?: readonly string[]): Promise<Delivery[]> {
    const found = await rows<DeliveryRow>(
      this.pool,
      `SELECT d.* FROM deliveries d WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND ${NOT_HELD}
         AND ($2::text[] IS NULL OR d.channel_id = ANY($2::text[]))
       ORDER BY d.priority = 'breaking' DESC, d.next_attempt_at, d.id LIMIT $3`,
      [now, channelIds ?? null, limit],
    );
    return found.map(deliveryFromRow);
  }

  async nextDueAt(now: Date, channelIds?: readonly string[]): Promise<Date | undefined> {
    const row = await first<{ due: Date | null }>(
      this.pool,
      `SELECT MIN(GREATEST(d.next_attempt_at, ${HOLD_END})) AS due FROM deliveries d
       WHERE d.state = 'pending' AND NOT ${HELD_FOR_EVER}
         AND ($2::text[] IS NULL OR d.channel_id = ANY($2::text[]))`,
      [now, channelIds ?? null],
    );
    return row?.due ?? undefined;
  }

  async dueChecks(now: Date, limit: number, channelIds?: readonly string[]): Promise<Delivery[]> {
    const found = await rows<DeliveryRow>(
      this.pool,
      `SELECT * FROM deliveries WHERE check_at IS NOT NULL AND check_at <= $1 AND state IN ${CHECKED_STATES}
         AND ($2::text[] IS NULL OR channel_id = ANY($2::text[]))
       ORDER BY check_at, id LIMIT $3`,
      [now, channelIds ?? null, limit],
    );
    return found.map(deliveryFromRow);
  }

  async getDelivery(id: number): Promise<Delivery | undefined> {
    const row = await first<DeliveryRow>(this.pool, 'SELECT * FROM deliveries WHERE id = $1', [id]);
    return row && deliveryFromRow(row);
  }

  async listDeliveries(filter: DeliveryFilter): Promise<Delivery[]> {
    const found = await rows<DeliveryRow>(
      this.pool,
      `SELECT * FROM deliveries WHERE ($1::bigint IS NULL OR article_id = $1) AND ($2::text IS NULL OR channel_id = $2)
         AND ($3::text[] IS NULL OR state = ANY($3::text[])) AND ($5::text[] IS NULL OR kind = ANY($5::text[]))
         AND ($6::bigint IS NULL OR parent_id = $6)
       ORDER BY id ${filter.newestFirst ? 'DESC' : ''} LIMIT $4`,
      [
        filter.articleId ?? null,
        filter.channelId ?? null,
        filter.states?.length ? filter.states : null,
        filter.limit ?? 1000,
        filter.kinds?.length ? filter.kinds : null,
        filter.parentId ?? null,
      ],
    );
    return found.map(deliveryFromRow);
  }

  async transition(id: number, change: DeliveryChange, event: EventRecord): Promise<boolean> {
    return inTransaction(this.pool, (client) => applyTransition(client, id, change, event));
  }

  async addDeliveries(
    articleId: number,
    deliveries: NewDelivery[],
    event: Omit<EventRecord, 'deliveryId' | 'channelId'>,
  ): Promise<number[]> {
    return inTransaction(this.pool, async (client) => {
      const ids: number[] = [];
      for (const d of deliveries) {
        const id = await insertDelivery(client, articleId, d, event.at);
        if (id === undefined) throw new Error(`article ${articleId} already has a delivery for ${d.channelId}`);
        await insertEvent(client, { ...event, articleId, deliveryId: id, channelId: d.channelId });
        ids.push(id);
      }
      if (ids.length > 0) await notifyQueue(client);
      return ids;
    });
  }

  async recordArticle(article: Article, at: Date, event: Omit<EventRecord, 'articleId'>): Promise<StoredArticle> {
    return inTransaction(this.pool, async (client) => {
      await lockArticles(client, [article]);
      const existing =
        (await first<ArticleRow>(client, 'SELECT * FROM articles WHERE source_id = $1 AND source_key = $2', [article.sourceId, article.key])) ??
        (article.canonicalUrl
          ? await first<ArticleRow>(client, 'SELECT * FROM articles WHERE canonical_url = $1 AND duplicate_of IS NULL ORDER BY id LIMIT 1', [
              article.canonicalUrl,
            ])
          : undefined);
      if (existing) return articleFromRow(existing);
      const id = await insertArticle(client, article, at, undefined);
      await insertEvent(client, { ...event, articleId: id });
      const row = await first<ArticleRow>(client, 'SELECT * FROM articles WHERE id = $1', [id]);
      if (!row) throw new Error(`article ${id} vanished in its own transaction`);
      return articleFromRow(row);
    });
  }

  async channelSummaries(): Promise<ChannelSummary[]> {
    return channelSummaries(this.pool);
  }

  async listSourceStates(): Promise<SourceState[]> {
    return (await rows<SourceRow>(this.pool, 'SELECT * FROM sources ORDER BY source_id')).map(sourceFromRow);
  }

  async appendEvent(event: EventRecord): Promise<void> {
    await insertEvent(this.pool, event);
  }

  async listEvents(filter: EventFilter): Promise<StoredEvent[]> {
    return listEvents(this.pool, filter);
  }

  async sendsSince(counter: string, kind: SendRecord['kind'], since: Date): Promise<{ at: Date; cost: number }[]> {
    return sendsSince(this.pool, counter, kind, since);
  }

  async lastSendAt(counter: string, kind: SendRecord['kind']): Promise<Date | undefined> {
    return lastSendAt(this.pool, counter, kind);
  }

  async sendWindow(counter: string, kind: SendRecord['kind'], since: Date, keep?: number): Promise<SendWindow> {
    return sendWindow(this.pool, counter, kind, since, keep);
  }

  async listHolds(now: Date, channelId?: string): Promise<HeldChannel[]> {
    return listHolds(this.pool, now, channelId);
  }

  async setHold(channelId: string, hold: ChannelHold): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await setHold(client, channelId, hold);
      await notifyQueue(client);
    });
  }

  async clearHolds(channelId: string, kinds: readonly HoldKind[], now: Date): Promise<HeldChannel[]> {
    return inTransaction(this.pool, async (client) => {
      const cleared = await clearHolds(client, channelId, kinds, now);
      await notifyQueue(client);
      return cleared;
    });
  }

  async leaseChannels(owner: string, channelIds: readonly string[], now: Date, ttlMs: number, takeOver: readonly string[] = []): Promise<string[]> {
    return leaseChannels(this.pool, owner, channelIds, now, ttlMs, takeOver);
  }

  async listChannelLeases(): Promise<{ channelId: string; owner: string; until: Date }[]> {
    return listChannelLeases(this.pool);
  }

  async releaseChannels(owner: string): Promise<void> {
    await releaseChannels(this.pool, owner);
  }

  async claimPoll(sourceId: string, owner: string, now: Date, ttlMs: number, force = false, takeOver: readonly string[] = []): Promise<SourceState | undefined> {
    return claimPoll(this.pool, sourceId, owner, now, ttlMs, force, takeOver);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (await first<{ value: string }>(this.pool, 'SELECT value FROM meta WHERE key = $1', [key]))?.value;
  }

  async setMeta(key: string, value: string | undefined): Promise<void> {
    if (value === undefined) await this.pool.query('DELETE FROM meta WHERE key = $1', [key]);
    else await this.pool.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async getChannelValue(channelId: string, key: string): Promise<string | undefined> {
    const row = await first<{ value: string }>(this.pool, 'SELECT value FROM channel_values WHERE channel_id = $1 AND key = $2', [channelId, key]);
    return row?.value;
  }

  async setChannelValue(channelId: string, key: string, value: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO channel_values (channel_id, key, value) VALUES ($1, $2, $3)
       ON CONFLICT (channel_id, key) DO UPDATE SET value = excluded.value`,
      [channelId, key, value],
    );
  }

  async deleteChannelValue(channelId: string, key: string): Promise<void> {
    await this.pool.query('DELETE FROM channel_values WHERE channel_id = $1 AND key = $2', [channelId, key]);
  }
}

/** Saving the poll's state also ends its claim: the next due time is the next poll's. */
async function writeSourceState(db: Db, state: SourceState): Promise<void> {
  await db.query(
    `INSERT INTO sources (source_id, initialized_at, etag, last_modified, body_hash, cursor, next_poll_at,
       last_poll_at, last_ok_at, consecutive_failures, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (source_id) DO UPDATE SET initialized_at = excluded.initialized_at, etag = excluded.etag,
       last_modified = excluded.last_modified, body_hash = excluded.body_hash, cursor = excluded.cursor,
       next_poll_at = excluded.next_poll_at, last_poll_at = excluded.last_poll_at,
       last_ok_at = excluded.last_ok_at, consecutive_failures = excluded.consecutive_failures,
       last_error = excluded.last_error, claimed_by = NULL, claimed_until = NULL`,
    [
      state.sourceId,
      state.initializedAt ?? null,
      state.etag ?? null,
      state.lastModified ?? null,
      state.bodyHash ?? null,
      state.cursor ?? null,
      state.nextPollAt ?? null,
      state.lastPollAt ?? null,
      state.lastOkAt ?? null,
      state.consecutiveFailures,
      state.lastError ?? null,
    ],
  );
}
