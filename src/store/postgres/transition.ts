import type { DeliveryChange, EventRecord } from '../store.js';
import { notifyQueue, type Db } from './db.js';
import { insertEvent } from './events.js';
import { recordSend } from './channel-queries.js';

/**
 * A compare-and-set on one delivery, inside the caller's transaction: the row is updated only if
 * its state is one of `change.from`; then the sends and the event are written with it. Returns
 * whether it applied. The same semantics as SQLite's (src/store/sqlite/transition.ts), in one
 * statement: a new key (`freshKey`) forgets the old post's text, record, receipt and times.
 *
 * A claim (a move to `sending`) takes the row with FOR UPDATE SKIP LOCKED: a replica that finds
 * it locked by another's claim loses at once instead of queueing behind it. Every other move
 * waits for the lock and then re-reads the state, so it never fails for a claim that rolled back.
 */
export async function applyTransition(db: Db, id: number, change: DeliveryChange, event: EventRecord): Promise<boolean> {
  const set = change.set ?? {};
  const lock = change.to === 'sending' ? 'FOR UPDATE SKIP LOCKED' : 'FOR UPDATE';
  const result = await db.query(
    `UPDATE deliveries SET state = $3,
       next_attempt_at = COALESCE($4::timestamptz, next_attempt_at),
       last_error = CASE WHEN $5::boolean THEN $6::text ELSE last_error END,
       text = CASE WHEN $16::text IS NOT NULL THEN NULL ELSE COALESCE($7::text, text) END,
       prepared = CASE WHEN $16::text IS NOT NULL THEN NULL ELSE COALESCE(prepared, $8::text) END,
       attempts = CASE WHEN $9::timestamptz IS NOT NULL THEN attempts + 1 WHEN $10::text = 'refund' THEN GREATEST(0, attempts - 1)
         WHEN $10::text = 'reset' THEN 0 ELSE attempts END,
       first_attempt_at = CASE WHEN $16::text IS NOT NULL THEN NULL ELSE COALESCE(first_attempt_at, $9::timestamptz) END,
       last_attempt_at = CASE WHEN $16::text IS NOT NULL THEN NULL ELSE COALESCE($9::timestamptz, last_attempt_at) END,
       remote_id = CASE WHEN $16::text IS NOT NULL THEN NULL ELSE COALESCE($11::text, remote_id) END,
       remote_url = CASE WHEN $16::text IS NOT NULL THEN NULL ELSE COALESCE($12::text, remote_url) END,
       posted_at = CASE WHEN $16::text IS NOT NULL THEN NULL ELSE COALESCE($13::timestamptz, posted_at) END,
       priority = COALESCE($14::text, priority),
       idempotency_key = COALESCE($16::text, idempotency_key),
       check_at = CASE WHEN $16::text IS NOT NULL THEN NULL WHEN $18::boolean THEN $19::timestamptz ELSE check_at END,
       checks = CASE WHEN $16::text IS NOT NULL THEN 0 ELSE checks + $20::integer END,
       updated_at = $17
     WHERE id = (
       SELECT id FROM deliveries WHERE id = $1 AND state = ANY($2::text[])
         AND (NOT $15::boolean OR first_attempt_at IS NULL)
         AND ($16::text IS NULL OR idempotency_key <> $16::text)
       ${lock})`,
    [
      id,
      change.from,
      change.to,
      set.nextAttemptAt ?? null,
      set.lastError !== undefined,
      set.lastError ?? null,
      set.text ?? null,
      set.prepared ?? null,
      set.attemptAt ?? null,
      set.attempts ?? null,
      set.remoteId ?? null,
      set.remoteUrl ?? null,
      set.postedAt ?? null,
      set.priority ?? null,
      change.unsentOnly === true,
      set.freshKey ?? null,
      event.at,
      set.checkAt !== undefined,
      set.checkAt ?? null,
      set.checked ? 1 : 0,
    ],
  );
  if (result.rowCount !== 1) return false;
  for (const send of change.sends ?? []) await recordSend(db, send, event.at);
  await insertEvent(db, event);
  await notifyQueue(db);
  return true;
}
