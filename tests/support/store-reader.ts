import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/** One delivery row with the URL of its article, as the crash harness checks it. */
export interface DeliveryView {
  id: number;
  channelId: string;
  state: string;
  attempts: number;
  lastError: string | null;
  remoteId: string | null;
  url: string;
}

export interface StoreReader {
  /** True once the source's first poll is recorded (its first poll posts nothing). */
  sourceInitialized(sourceId: string): boolean;
  /** Deliveries per state. */
  states(): Record<string, number>;
  deliveries(): DeliveryView[];
  /** Events per kind and channel, e.g. `delivery-recovered mastodon-main`. */
  eventCounts(): Record<string, number>;
  close(): void;
}

/**
 * Reads a daemon's SQLite store from the test process while the daemon (another process) writes
 * it: read-only, WAL lets readers and the writer work side by side, and the busy timeout covers
 * the WAL recovery a restarted daemon runs after a SIGKILL.
 */
export function openStoreReader(path: string): StoreReader {
  if (!existsSync(path)) throw new Error(`no store at ${path} yet`);
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 10_000 });
  const initialized = db.prepare('SELECT initialized_at AS at FROM sources WHERE source_id = ?');
  const states = db.prepare('SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state');
  const deliveries = db.prepare(
    `SELECT d.id, d.channel_id AS channelId, d.state, d.attempts, d.last_error AS lastError, d.remote_id AS remoteId, a.url
       FROM deliveries d JOIN articles a ON a.id = d.article_id ORDER BY d.id`,
  );
  const events = db.prepare(`SELECT kind || ' ' || COALESCE(channel_id, '-') AS key, COUNT(*) AS n FROM events GROUP BY key`);
  return {
    sourceInitialized(sourceId) {
      const row = initialized.get(sourceId) as { at: number | null } | undefined;
      return row?.at !== undefined && row.at !== null;
    },
    states() {
      const rows = states.all() as { state: string; n: number }[];
      return Object.fromEntries(rows.map((row) => [row.state, row.n]));
    },
    deliveries() {
      return deliveries.all() as DeliveryView[];
    },
    eventCounts() {
      const rows = events.all() as { key: string; n: number }[];
      return Object.fromEntries(rows.map((row) => [row.key, row.n]));
    },
    close() {
      db.close();
    },
  };
}
