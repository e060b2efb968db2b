import type { Sql } from './sql.js';
import type { EventFilter, EventRecord, StoredEvent } from '../store.js';
import { eventFromRow, type EventRow } from './rows.js';

/** Every state change writes one event row, inside the same transaction as the change. */
export function insertEvent(db: Sql, event: EventRecord): void {
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

export function listEvents(db: Sql, filter: EventFilter): StoredEvent[] {
  const rows = db
    .prepare(
      `SELECT * FROM events WHERE (@a IS NULL OR article_id = @a) AND (@d IS NULL OR delivery_id = @d)
         AND (@c IS NULL OR channel_id = @c) AND (@since IS NULL OR at >= @since)
       ORDER BY id ${filter.newestFirst ? 'DESC' : 'ASC'} LIMIT @limit`,
    )
    .all({
      a: filter.articleId ?? null,
      d: filter.deliveryId ?? null,
      c: filter.channelId ?? null,
      since: filter.since?.getTime() ?? null,
      limit: filter.limit ?? 1000,
    }) as EventRow[];
  return rows.map(eventFromRow);
}
