import type { EventFilter, EventRecord, StoredEvent } from '../store.js';
import { rows, type Db } from './db.js';
import { eventFromRow, type EventRow } from './rows.js';

/** Every state change writes one event row, inside the same transaction as the change. */
export async function insertEvent(db: Db, event: EventRecord): Promise<void> {
  await db.query(
    `INSERT INTO events (at, kind, message, article_id, delivery_id, channel_id, source_id, actor, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      event.at,
      event.kind,
      event.message,
      event.articleId ?? null,
      event.deliveryId ?? null,
      event.channelId ?? null,
      event.sourceId ?? null,
      event.actor,
      event.data === undefined ? null : JSON.stringify(event.data),
    ],
  );
}

export async function listEvents(db: Db, filter: EventFilter): Promise<StoredEvent[]> {
  const found = await rows<EventRow>(
    db,
    `SELECT * FROM events WHERE ($1::bigint IS NULL OR article_id = $1) AND ($2::bigint IS NULL OR delivery_id = $2)
       AND ($3::text IS NULL OR channel_id = $3) AND ($4::timestamptz IS NULL OR at >= $4)
     ORDER BY id ${filter.newestFirst ? 'DESC' : 'ASC'} LIMIT $5`,
    [filter.articleId ?? null, filter.deliveryId ?? null, filter.channelId ?? null, filter.since ?? null, filter.limit ?? 1000],
  );
  return found.map(eventFromRow);
}
