import { createHash } from 'node:crypto';
import type { Article } from '../../articles/article.js';
import type { IngestItem, IngestResult, NewDelivery, PulledArticle, TitleRepost } from '../store.js';
import { first, notifyQueue, rows, type Db } from './db.js';
import { insertEvent } from './events.js';
import { articleToJson } from '../article-json.js';
import { applyTransition } from './transition.js';

/** Advisory-lock namespace for articles (the two-int form: this, then a bucket). */
const ARTICLE_LOCKS = 7_311_640;
/** Names hash into this many buckets: a huge poll takes at most this many locks. */
const LOCK_BUCKETS = 512;

/**
 * Replicas ingest at once (a push reaches any of them, two polls may overlap): "is this article
 * new?" and "record it" must be one step per article, or two replicas would both find it new and
 * post it twice. A transaction-scoped advisory lock per source key and per canonical URL (hashed
 * into buckets), taken in one order (sorted), makes the check and the insert atomic across
 * replicas without deadlock.
 */
export async function lockArticles(db: Db, articles: readonly Article[]): Promise<void> {
  const buckets = new Set<number>();
  for (const article of articles) {
    buckets.add(bucket(`key\u0000${article.sourceId}\u0000${article.key}`));
    if (article.canonicalUrl !== '') buckets.add(bucket(`url\u0000${article.canonicalUrl}`));
  }
  const sorted = [...buckets].sort((a, b) => a - b);
  if (sorted.length === 0) return;
  await db.query('SELECT pg_advisory_xact_lock($1, b) FROM unnest($2::int[]) WITH ORDINALITY AS l(b, n) ORDER BY n', [ARTICLE_LOCKS, sorted]);
}

function bucket(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % LOCK_BUCKETS;
}

/**
 * Applies a planned poll inside the caller's transaction; "new" is decided here: not known by
 * source key, and not known by canonical URL from any source. The same rules as SQLite's
 * (src/store/sqlite/ingest.ts).
 */
export async function ingestItems(
  db: Db,
  sourceId: string,
  items: IngestItem[],
  at: Date,
  pulled: readonly PulledArticle[] = [],
): Promise<IngestResult> {
  const result: IngestResult = { recorded: 0, deliveriesCreated: 0, known: 0, duplicates: 0, updated: 0, reposts: 0, pulled: 0 };
  await lockArticles(db, items.map((item) => ({ ...item.article, sourceId })));
  for (const item of items) await ingestOne(db, sourceId, item, at, result);
  for (const pull of pulled) await cancelPulled(db, sourceId, pull, at, result);
  if (result.deliveriesCreated > 0 || result.reposts > 0) await notifyQueue(db);
  return result;
}

async function ingestOne(db: Db, sourceId: string, item: IngestItem, at: Date, result: IngestResult): Promise<void> {
  // Only `article` is read up front: the decision (item.ifNew) may be planned on first read (plan-ingest.ts).
  const { article } = item;
  const known = await first<{ id: number; title: string; updated_at: Date | null }>(
    db,
    'SELECT id, title, updated_at FROM articles WHERE source_id = $1 AND source_key = $2',
    [sourceId, article.key],
  );
  if (known) {
    const changed = known.title !== article.title || (known.updated_at?.getTime() ?? null) !== (article.updatedAt?.getTime() ?? null);
    if (!changed) {
      result.known += 1;
      return;
    }
    await db.query('UPDATE articles SET title = $1, updated_at = $2, data = $3 WHERE id = $4', [
      article.title,
      article.updatedAt ?? null,
      articleToJson(article),
      known.id,
    ]);
    await insertEvent(db, {
      at,
      kind: 'article-updated',
      message: known.title === article.title ? 'article updated' : `title changed from "${known.title}"`,
      articleId: known.id,
      sourceId,
      actor: 'daemon',
    });
    result.updated += 1;
    const reposts = known.title === article.title ? undefined : item.onTitleChange;
    if (reposts?.length) await repostChangedTitle(db, known.id, reposts, sourceId, at, result);
    return;
  }
  const { ifNew } = item;
  // An item without a link has no canonical URL: it can only be recognised by its key.
  const original =
    article.canonicalUrl === ''
      ? undefined
      : await first<{ id: number; source_id: string }>(
          db,
          'SELECT id, source_id FROM articles WHERE canonical_url = $1 AND duplicate_of IS NULL ORDER BY id LIMIT 1',
          [article.canonicalUrl],
        );
  const articleId = await insertArticle(db, article, at, original?.id);
  if (original) {
    await insertEvent(db, {
      at,
      kind: 'article-duplicate',
      message: `same story as article ${original.id} from source ${original.source_id}; not posted again`,
      articleId,
      sourceId,
      actor: 'daemon',
    });
    result.duplicates += 1;
    // Another source's routes may reach channels the first source's did not: the story goes
    // there too, once, as deliveries of the original article; only if the original was posted.
    const originalPosted = (await first(db, 'SELECT 1 FROM deliveries WHERE article_id = $1 LIMIT 1', [original.id])) !== undefined;
    if (ifNew.kind === 'deliver' && original.source_id !== sourceId && originalPosted) {
      await insertDeliveries(db, original.id, ifNew.deliveries, sourceId, at, result);
    }
    return;
  }
  result.recorded += 1;
  if (ifNew.kind === 'record') {
    await insertEvent(db, { at, kind: 'article-recorded', message: ifNew.reason, articleId, sourceId, actor: 'daemon' });
    return;
  }
  await insertEvent(db, { at, kind: 'article-new', message: ifNew.reason, articleId, sourceId, actor: 'daemon' });
  await insertDeliveries(db, articleId, ifNew.deliveries, sourceId, at, result);
}

async function insertDeliveries(
  db: Db,
  articleId: number,
  deliveries: readonly NewDelivery[],
  sourceId: string,
  at: Date,
  result: IngestResult,
): Promise<void> {
  for (const d of deliveries) {
    const deliveryId = await insertDelivery(db, articleId, d, at);
    if (deliveryId === undefined) continue;
    result.deliveriesCreated += 1;
    await insertEvent(db, {
      at,
      kind: 'delivery-created',
      message: `queued for ${d.channelId} by route ${d.routeId}`,
      articleId,
      deliveryId,
      channelId: d.channelId,
      sourceId,
      actor: 'daemon',
    });
  }
}

/**
 * One post per article × channel, one follow-up per parent, kind and key: a second insert of the
 * same is ignored (undefined).
 */
export async function insertDelivery(db: Db, articleId: number, d: NewDelivery, at: Date): Promise<number | undefined> {
  const row = await first<{ id: number }>(
    db,
    `INSERT INTO deliveries (article_id, channel_id, route_id, template, state, priority, dry_run,
       next_attempt_at, idempotency_key, created_at, updated_at, kind, parent_id, text)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $9, $10, $11, $12)
     ON CONFLICT DO NOTHING RETURNING id`,
    [articleId, d.channelId, d.routeId, d.template ?? null, d.priority, d.dryRun, d.nextAttemptAt, d.idempotencyKey, at, d.kind ?? 'post', d.parentId ?? null, d.text ?? null],
  );
  return row?.id;
}

export async function insertArticle(db: Db, article: Article, at: Date, duplicateOf: number | undefined): Promise<number> {
  const row = await first<{ id: number }>(
    db,
    `INSERT INTO articles (source_id, source_key, url, canonical_url, title, published_at, updated_at,
       first_seen_at, duplicate_of, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      article.sourceId,
      article.key,
      article.url,
      article.canonicalUrl,
      article.title,
      article.publishedAt,
      article.updatedAt ?? null,
      at,
      duplicateOf ?? null,
      articleToJson(article),
    ],
  );
  if (!row) throw new Error('INSERT … RETURNING id returned no row');
  return row.id;
}

/**
 * A route asked for changed headlines to be posted again: a channel without a delivery gets one;
 * an existing one takes the first of the planned moves that applies (a compare-and-set each).
 */
async function repostChangedTitle(
  db: Db,
  articleId: number,
  reposts: readonly TitleRepost[],
  sourceId: string,
  at: Date,
  result: IngestResult,
): Promise<void> {
  for (const { add, moves } of reposts) {
    const row = await first<{ id: number }>(db, "SELECT id FROM deliveries WHERE article_id = $1 AND channel_id = $2 AND kind = 'post'", [articleId, add.channelId]);
    if (!row) {
      await insertDeliveries(db, articleId, [add], sourceId, at, result);
      result.reposts += 1;
      continue;
    }
    const event = {
      at,
      kind: 'delivery-repost',
      message: `headline changed: posting again on ${add.channelId} (route ${add.routeId}: onUpdate repost-if-title-changed)`,
      articleId,
      deliveryId: row.id,
      channelId: add.channelId,
      sourceId,
      actor: 'daemon',
    };
    for (const move of moves) {
      if (await applyTransition(db, row.id, move, event)) {
        result.reposts += 1;
        break;
      }
    }
  }
}

/**
 * The source no longer publishes a story it gave: each delivery of it (of the original, for a
 * duplicate) takes the planned move if it still can; the same rules as SQLite's cancelPulled.
 * The delivery rows are locked by the compare-and-set itself (applyTransition).
 */
async function cancelPulled(db: Db, sourceId: string, pull: PulledArticle, at: Date, result: IngestResult): Promise<void> {
  const article = await first<{ id: number; duplicate_of: number | null }>(
    db,
    'SELECT id, duplicate_of FROM articles WHERE source_id = $1 AND source_key = $2',
    [sourceId, pull.key],
  );
  if (!article) return;
  const articleId = article.duplicate_of ?? article.id;
  const deliveries = await rows<{ id: number; channel_id: string }>(db, "SELECT id, channel_id FROM deliveries WHERE article_id = $1 AND kind = 'post' ORDER BY id", [articleId]);
  for (const d of deliveries) {
    const event = { at, kind: pull.kind, message: `cancelled: ${pull.reason} (source ${sourceId})`, articleId, deliveryId: d.id, channelId: d.channel_id, sourceId, actor: 'daemon' };
    for (const move of pull.moves) {
      if (await applyTransition(db, d.id, move, event)) {
        result.pulled += 1;
        break;
      }
    }
  }
}
