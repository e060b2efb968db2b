import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

let db: Database.Database | undefined;
afterEach(() => db?.close());

describe('SQLite migrations', () => {
  it('moves a channel hold kept as JSON (schema 3) into the holds table, and logs posts apart from attempts', async () => {
    db = new Database(':memory:');
    for (const [version, sql] of MIGRATIONS.slice(0, 3).entries()) {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    }
    const paused = { kind: 'paused', reason: 'legal hold', since: '2026-11-29T10:00:00.000Z', by: 'ana' };
    const limited = { kind: 'rate-limited', reason: '429', since: '2026-11-29T10:00:00.000Z', until: '2026-11-29T10:15:00.000Z', by: 'daemon' };
    db.prepare(`INSERT INTO channel_values (channel_id, key, value) VALUES (?, 'hold', ?), (?, 'hold', ?), ('x-main', 'session', 's')`).run(
      'mastodon-main',
      JSON.stringify(paused),
      'x-main',
      JSON.stringify(limited),
    );
    const at = Date.parse('2026-11-29T09:00:00Z');
    db.prepare(`INSERT INTO articles (id, source_id, source_key, url, canonical_url, title, published_at, first_seen_at, data)
      VALUES (1, 'news', 'k', 'https://n.example/a', 'https://n.example/a', 'T', ?, ?, '{}')`).run(at, at);
    db.prepare(`INSERT INTO deliveries (article_id, channel_id, route_id, state, next_attempt_at, idempotency_key, created_at, updated_at, posted_at)
      VALUES (1, 'x-main', 'all', 'posted', ?, 'key', ?, ?, ?)`).run(at, at, at, at);
    db.prepare(`INSERT INTO channel_sends (channel_id, at, cost) VALUES ('x-main', ?, 1), ('x-main', ?, 1)`).run(at - 60_000, at);

    const store = new SqliteStore(db);
    await store.migrate();

    const now = new Date('2026-11-29T10:05:00Z');
    expect(await store.listHolds(now)).toEqual([
      { channelId: 'mastodon-main', kind: 'paused', reason: 'legal hold', since: new Date(paused.since), until: undefined, by: 'ana' },
      { channelId: 'x-main', kind: 'rate-limited', reason: '429', since: new Date(limited.since), until: new Date(limited.until), by: 'daemon' },
    ]);
    expect(await store.getChannelValue('x-main', 'hold')).toBeUndefined();
    expect(await store.getChannelValue('x-main', 'session')).toBe('s');
    const since = new Date(at - 3_600_000);
    expect(await store.sendsSince('x-main', 'attempt', since)).toHaveLength(2);
    expect(await store.sendsSince('x-main', 'post', since)).toEqual([{ at: new Date(at), cost: 1 }]);
  });

  it('keeps every delivery, its id and its events through the rebuild that gives deliveries a kind (schema 6)', async () => {
    db = new Database(':memory:');
    for (const [version, sql] of MIGRATIONS.slice(0, 5).entries()) {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    }
    const at = Date.parse('2026-11-29T09:00:00Z');
    db.prepare(`INSERT INTO articles (id, source_id, source_key, url, canonical_url, title, published_at, first_seen_at, data)
      VALUES (1, 'news', 'k', 'https://n.example/a', 'https://n.example/a', 'T', ?, ?, '{}')`).run(at, at);
    db.prepare(`INSERT INTO deliveries (id, article_id, channel_id, route_id, state, next_attempt_at, idempotency_key, created_at, updated_at,
      posted_at, remote_id, text, attempts) VALUES (7, 1, 'x-main', 'all', 'posted', ?, 'key', ?, ?, ?, '123', 'Hello', 1)`).run(at, at, at, at);
    db.prepare(`INSERT INTO deliveries (id, article_id, channel_id, route_id, state, next_attempt_at, idempotency_key, created_at, updated_at)
      VALUES (9, 1, 'masto', 'all', 'pending', ?, 'key2', ?, ?)`).run(at, at, at);

    const store = new SqliteStore(db);
    await store.migrate();

    expect(await store.getDelivery(7)).toMatchObject({ kind: 'post', state: 'posted', remoteId: '123', text: 'Hello', attempts: 1, checks: 0, checkAt: undefined });
    expect((await store.listDeliveries({ articleId: 1 })).map((d) => [d.id, d.channelId, d.kind])).toEqual([
      [7, 'x-main', 'post'],
      [9, 'masto', 'post'],
    ]);
    // Still one post per article and channel after the rebuild.
    expect(() =>
      db?.prepare(`INSERT INTO deliveries (article_id, channel_id, route_id, state, next_attempt_at, idempotency_key, created_at, updated_at)
        VALUES (1, 'x-main', 'all', 'pending', 0, 'again', 0, 0)`).run(),
    ).toThrow(/UNIQUE/);
  });
});
