import type { Sql } from './sql.js';
import type { Article } from '../../articles/article.js';
import type { IngestItem, IngestResult, NewDelivery, PulledArticle, TitleRepost } from '../store.js';
import { insertEvent } from './events.js';
import { articleToJson } from '../article-json.js';
import { applyTransition } from './transition.js';

const ms = (d: Date | undefined): number | null => (d === undefined ? null : d.getTime());

/**
 * Applies a planned poll inside the caller's transaction. The plan says what to do with an
 * article *if it is new*; this is where "new" is decided: not known by source key, and not
 * known by canonical URL from any source.
 */
export function ingestItems(db: Sql, sourceId: string, items: IngestItem[], at: Date, pulled: readonly PulledArticle[] = []): IngestResult {
  const result: IngestResult = { recorded: 0, deliveriesCreated: 0, known: 0, duplicates: 0, updated: 0, reposts: 0, pulled: 0 };
  for (const item of items) ingestOne(db, sourceId, item, at, result);
  for (const pull of pulled) cancelPulled(db, sourceId, pull, at, result);
  return result;
}

/**
 * The source no longer publishes a story it gave: each delivery of it (of the original, for a
 * duplicate: the same story) takes the planned move if it still can (a compare-and-set: one being
 * sent or already posted is left alone). An unknown key does nothing.
 */
function cancelPulled(db: Sql, sourceId: string, pull: PulledArticle, at: Date, result: IngestResult): void {
  const article = db.prepare('SELECT id, duplicate_of FROM articles WHERE source_id = ? AND source_key = ?').get(sourceId, pull.key) as
    | { id: number; duplicate_of: number | null }
    | undefined;
  if (!article) return;
  const articleId = article.duplicate_of ?? article.id;
  const deliveries = db.prepare("SELECT id, channel_id FROM deliveries WHERE article_id = ? AND kind = 'post' ORDER BY id").all(articleId) as { id: number; channel_id: string }[];
  for (const d of deliveries) {
    const event = { at, kind: pull.kind, message: `cancelled: ${pull.reason} (source ${sourceId})`, articleId, deliveryId: d.id, channelId: d.channel_id, sourceId, actor: 'daemon' };
    if (pull.moves.some((move) => applyTransition(db, d.id, move, event))) result.pulled += 1;
  }
}

function ingestOne(db: Sql, sourceId: string, item: IngestItem, at: Date, result: IngestResult): void {
  // Only `article` is read up front: the decision (item.ifNew) may be planned on first read (plan-ingest.ts).
  const { article } = item;
  const known = db
    .prepare('SELECT id, title, updated_at FROM articles WHERE source_id = ? AND source_key = ?')
    .get(sourceId, article.key) as { id: number; title: string; updated_at: number | null } | undefined;
  if (known) {
    const changed = known.title !== article.title || (known.updated_at ?? null) !== ms(article.updatedAt);
    if (!changed) {
      result.known += 1;
      return;
    }
    db.prepare('UPDATE articles SET title = ?, updated_at = ?, data = ? WHERE id = ?').run(
      article.title,
      ms(article.updatedAt),
      articleToJson(article),
      known.id,
    );
    insertEvent(db, {
      at,
      kind: 'article-updated',
      message: known.title === article.title ? 'article updated' : `title changed from "${known.title}"`,
      articleId: known.id,
      sourceId,
      actor: 'daemon',
    });
    result.updated += 1;
    const reposts = known.title === article.title ? undefined : item.onTitleChange;
    if (reposts?.length) repostChangedTitle(db, known.id, reposts, sourceId, at, result);
    return;
  }
  const { ifNew } = item;
  // An item without a link has no canonical URL: it can only be recognised by its key.
  const original =
    article.canonicalUrl === ''
      ? undefined
      : (db
          .prepare('SELECT id, source_id FROM articles WHERE canonical_url = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1')
          .get(article.canonicalUrl) as { id: number; source_id: string } | undefined);
  const articleId = insertArticle(db, article, at, original?.id);
  if (original) {
    insertEvent(db, {
      at,
      kind: 'article-duplicate',
      message: `same story as article ${original.id} from source ${original.source_id}; not posted again`,
      articleId,
      sourceId,
      actor: 'daemon',
    });
    result.duplicates += 1;
    // Another source's routes may reach channels the first source's did not: the story goes
    // there too, once, as deliveries of the original article (the unique pair keeps it to one
    // each). Only if the original was itself posted: a story first seen as old, or at a first
    // poll, stays unposted however it comes back.
    const originalPosted = db.prepare('SELECT 1 FROM deliveries WHERE article_id = ? LIMIT 1').get(original.id) !== undefined;
    if (ifNew.kind === 'deliver' && original.source_id !== sourceId && originalPosted) {
      insertDeliveries(db, original.id, ifNew.deliveries, sourceId, at, result);
    }
    return;
  }
  result.recorded += 1;
  if (ifNew.kind === 'record') {
    insertEvent(db, { at, kind: 'article-recorded', message: ifNew.reason, articleId, sourceId, actor: 'daemon' });
    return;
  }
  insertEvent(db, { at, kind: 'article-new', message: ifNew.reason, articleId, sourceId, actor: 'daemon' });
  insertDeliveries(db, articleId, ifNew.deliveries, sourceId, at, result);
}

function insertDeliveries(
  db: Sql,
  articleId: number,
  deliveries: readonly NewDelivery[],
  sourceId: string,
  at: Date,
  result: IngestResult,
): void {
  for (const d of deliveries) {
    const deliveryId = insertDelivery(db, articleId, d, at);
    if (deliveryId === undefined) continue;
    result.deliveriesCreated += 1;
    insertEvent(db, {
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
export function insertDelivery(db: Sql, articleId: number, d: NewDelivery, at: Date): number | undefined {
  const info = db
    .prepare(
      `INSERT OR IGNORE INTO deliveries (article_id, channel_id, route_id, template, state, priority, dry_run,
         next_attempt_at, idempotency_key, created_at, updated_at, kind, parent_id, text)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      articleId,
      d.channelId,
      d.routeId,
      d.template ?? null,
      d.priority,
      d.dryRun ? 1 : 0,
      d.nextAttemptAt.getTime(),
      d.idempotencyKey,
      at.getTime(),
      at.getTime(),
      d.kind ?? 'post',
      d.parentId ?? null,
      d.text ?? null,
    );
  return info.changes === 0 ? undefined : Number(info.lastInsertRowid);
}

export function insertArticle(db: Sql, article: Article, at: Date, duplicateOf: number | undefined): number {
  const info = db
    .prepare(
      `INSERT INTO articles (source_id, source_key, url, canonical_url, title, published_at, updated_at,
         first_seen_at, duplicate_of, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      article.sourceId,
      article.key,
      article.url,
      article.canonicalUrl,
      article.title,
      article.publishedAt.getTime(),
      ms(article.updatedAt),
      at.getTime(),
      duplicateOf ?? null,
      articleToJson(article),
    );
  return Number(info.lastInsertRowid);
}

/**
 * A route asked for changed headlines to be posted again: a channel without a delivery gets one;
 * an existing one takes the first of the moves the delivery module planned that applies (a
 * compare-and-set each, so a delivery being sent right now is left alone).
 */
function repostChangedTitle(
  db: Sql,
  articleId: number,
  reposts: readonly TitleRepost[],
  sourceId: string,
  at: Date,
  result: IngestResult,
): void {
  for (const { add, moves } of reposts) {
    const row = db.prepare("SELECT id FROM deliveries WHERE article_id = ? AND channel_id = ? AND kind = 'post'").get(articleId, add.channelId) as
      | { id: number }
      | undefined;
    if (!row) {
      insertDeliveries(db, articleId, [add], sourceId, at, result);
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
    if (moves.some((move) => applyTransition(db, row.id, move, event))) result.reposts += 1;
  }
}
