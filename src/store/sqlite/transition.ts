import type { DeliveryChange, EventRecord } from '../store.js';
import { recordSend } from './channel-queries.js';
import { insertEvent } from './events.js';
import type { Sql } from './sql.js';

const ms = (d: Date | undefined): number | null => (d === undefined ? null : d.getTime());

/**
 * A compare-and-set on one delivery, inside the caller's transaction: the state moves only if it
 * is one of `change.from`; then the patch, the sends and the event are written with it. Returns
 * whether it applied. Both the store's `transition` and ingest (headline reposts) go through here.
 */
export function applyTransition(db: Sql, id: number, change: DeliveryChange, event: EventRecord): boolean {
  const set = change.set ?? {};
  const now = event.at.getTime();
  const info = db
    .prepare(
      `UPDATE deliveries SET state = @to,
         next_attempt_at = COALESCE(@next, next_attempt_at),
         last_error = CASE WHEN @setError = 1 THEN @error ELSE last_error END,
         text = COALESCE(@text, text),
         prepared = COALESCE(prepared, @prepared),
         attempts = CASE WHEN @attemptAt IS NOT NULL THEN attempts + 1 WHEN @attempts = 'refund' THEN MAX(0, attempts - 1)
           WHEN @attempts = 'reset' THEN 0 ELSE attempts END,
         first_attempt_at = COALESCE(first_attempt_at, @attemptAt),
         last_attempt_at = COALESCE(@attemptAt, last_attempt_at),
         remote_id = COALESCE(@remoteId, remote_id),
         remote_url = COALESCE(@remoteUrl, remote_url),
         posted_at = COALESCE(@postedAt, posted_at),
         priority = COALESCE(@priority, priority),
         check_at = CASE WHEN @setCheck = 1 THEN @checkAt ELSE check_at END,
         checks = checks + @checked,
         updated_at = @now
       WHERE id = @id AND state IN (SELECT value FROM json_each(@from))
         AND (@unsentOnly = 0 OR first_attempt_at IS NULL)
         AND (@freshKey IS NULL OR idempotency_key <> @freshKey)`,
    )
    .run({
      id,
      to: change.to,
      from: JSON.stringify(change.from),
      unsentOnly: change.unsentOnly ? 1 : 0,
      next: ms(set.nextAttemptAt),
      setError: set.lastError === undefined ? 0 : 1,
      error: set.lastError ?? null,
      text: set.text ?? null,
      prepared: set.prepared ?? null,
      attemptAt: ms(set.attemptAt),
      attempts: set.attempts ?? null,
      remoteId: set.remoteId ?? null,
      remoteUrl: set.remoteUrl ?? null,
      postedAt: ms(set.postedAt),
      priority: set.priority ?? null,
      freshKey: set.freshKey ?? null,
      setCheck: set.checkAt === undefined ? 0 : 1,
      checkAt: set.checkAt === undefined || set.checkAt === null ? null : set.checkAt.getTime(),
      checked: set.checked ? 1 : 0,
      now,
    });
  if (info.changes !== 1) return false;
  if (set.freshKey !== undefined) {
    db.prepare(
      `UPDATE deliveries SET idempotency_key = ?, text = NULL, prepared = NULL, remote_id = NULL, remote_url = NULL,
         first_attempt_at = NULL, last_attempt_at = NULL, posted_at = NULL, check_at = NULL, checks = 0 WHERE id = ?`,
    ).run(set.freshKey, id);
  }
  for (const send of change.sends ?? []) recordSend(db, send, event.at);
  insertEvent(db, event);
  return true;
}
