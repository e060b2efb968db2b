import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sleep } from './lanes.js';

/**
 * Reads a running daemon's SQLite store the way a second process would (read-only, WAL), to see
 * when polls and deliveries happened without touching the daemon.
 */
export class StoreReader {
  private db: Database.Database | undefined;

  constructor(private readonly path: string) {}

  private open(): Database.Database | undefined {
    if (this.db) return this.db;
    if (!existsSync(this.path)) return undefined;
    try {
      const db = new Database(this.path, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 2000');
      db.prepare('SELECT 1 FROM deliveries LIMIT 1').get();
      this.db = db;
      return db;
    } catch {
      return undefined; // not migrated yet
    }
  }

  initializedSources(): number {
    const db = this.open();
    if (!db) return 0;
    return (db.prepare('SELECT COUNT(*) AS n FROM sources WHERE initialized_at IS NOT NULL').get() as { n: number }).n;
  }

  postedDeliveries(): number {
    const db = this.open();
    if (!db) return 0;
    return (db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE state = 'posted'`).get() as { n: number }).n;
  }

  /** Every delivery with its article's URL, and when it was posted (epoch ms) if it was. */
  deliveries(): { url: string; channelId: string; state: string; postedAt: number | null }[] {
    const db = this.open();
    if (!db) return [];
    return db
      .prepare(
        `SELECT a.url AS url, d.channel_id AS channelId, d.state AS state, d.posted_at AS postedAt
         FROM deliveries d JOIN articles a ON a.id = d.article_id ORDER BY d.id`,
      )
      .all() as { url: string; channelId: string; state: string; postedAt: number | null }[];
  }

  articleUrls(limit: number): string[] {
    const db = this.open();
    if (!db) return [];
    return (db.prepare('SELECT url FROM articles ORDER BY id LIMIT ?').all(limit) as { url: string }[]).map((r) => r.url);
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}

/** Polls `check` every `everyMs` until it returns true; false on timeout. */
export async function waitUntil(check: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(everyMs);
  }
  return check();
}
