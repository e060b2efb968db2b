import type Database from 'better-sqlite3';
import type { EventRecord } from '../store.js';

/** Every state change writes one event row, inside the same transaction as the change. */
export function insertEvent(db: Database.Database, event: EventRecord): void {
  db.prepare(
    `INSERT INTO events (at, kind, message, article_id, delivery_id, channel_id, source_id, actor, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    event.at.getTime(),
    event.kind,
    event.message,
    event.articleId ?? null,
    event.deliveryId ?? null,
    event.channelId ?? null,
    event.sourceId ?? null,
    event.actor,
    event.data === undefined ? null : JSON.stringify(event.data),
  );
}
