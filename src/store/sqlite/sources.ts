import type { SourceState } from '../store.js';
import { sourceFromRow, type SourceRow } from './rows.js';
import type { Sql } from './sql.js';

const ms = (d: Date | undefined): number | null => (d === undefined ? null : d.getTime());

/** A source's polling state: conditional-GET validators, cursor, due time, failures. */
export function readSourceState(db: Sql, sourceId: string): SourceState | undefined {
  const row = db.prepare('SELECT * FROM sources WHERE source_id = ?').get(sourceId) as SourceRow | undefined;
  return row && sourceFromRow(row);
}

export function listSourceStates(db: Sql): SourceState[] {
  const rows = db.prepare('SELECT * FROM sources ORDER BY source_id').all() as SourceRow[];
  return rows.map(sourceFromRow);
}

/** Saving a poll's state also ends the poll's claim (replicas: the next due time is free). */
export function writeSourceState(db: Sql, state: SourceState): void {
  db
    .prepare(
      `INSERT INTO sources (source_id, initialized_at, etag, last_modified, body_hash, cursor, next_poll_at,
         last_poll_at, last_ok_at, consecutive_failures, last_error)
       VALUES (@source_id, @initialized_at, @etag, @last_modified, @body_hash, @cursor, @next_poll_at,
         @last_poll_at, @last_ok_at, @consecutive_failures, @last_error)
       ON CONFLICT (source_id) DO UPDATE SET initialized_at = excluded.initialized_at, etag = excluded.etag,
         last_modified = excluded.last_modified, body_hash = excluded.body_hash, cursor = excluded.cursor,
         next_poll_at = excluded.next_poll_at, last_poll_at = excluded.last_poll_at,
         last_ok_at = excluded.last_ok_at, consecutive_failures = excluded.consecutive_failures,
         last_error = excluded.last_error, claimed_by = NULL, claimed_until = NULL`,
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
