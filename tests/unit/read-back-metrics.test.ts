import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MOVES } from '../../src/delivery/lifecycle.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { makeArticle } from '../support/articles.js';

let store: SqliteStore;
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
});
afterEach(() => store.close());

const at = new Date(Date.now() - 120_000);
const event = (kind: string) => ({ at, kind, message: kind, actor: 'test' });

/** Two posts on x-main: one read back and found, one read back and gone. */
async function verifiedAndMissing(): Promise<void> {
  const deliveries = (key: string) => ({ channelId: 'x-main', routeId: 'all', priority: 'normal' as const, dryRun: false, nextAttemptAt: at, idempotencyKey: key });
  for (const key of ['a', 'b']) {
    await store.ingest('news', [{ article: makeArticle({ key }), ifNew: { kind: 'deliver', deliveries: [deliveries(key)], reason: 'new' } }], { sourceId: 'news', consecutiveFailures: 0, initializedAt: at }, at);
  }
  const [a, b] = await store.listDeliveries({});
  for (const d of [a, b]) {
    await store.transition(d?.id ?? 0, { ...MOVES.claim, set: { text: 't', attemptAt: at } }, event('delivery-sending'));
    await store.transition(d?.id ?? 0, { ...MOVES.posted, set: { remoteId: String(d?.id), postedAt: at } }, event('delivery-posted'));
  }
  await store.transition(a?.id ?? 0, { ...MOVES.verify, set: { checked: true } }, event('delivery-verified'));
  await store.transition(b?.id ?? 0, { ...MOVES.lose, set: { checked: true } }, event('delivery-missing'));
}

describe('read-back metrics', () => {
  it('/metrics exports verified and missing counts, the age of the last verified post, read-backs and alarms per channel', async () => {
    await verifiedAndMissing();
    const metrics = createMetrics(store, ['x-main']);
    metrics.postChecked('x-main', 'verified', { deliveryId: 1, articleId: 1 });
    metrics.postChecked('x-main', 'missing', { deliveryId: 2, articleId: 2 });
    metrics.alarm({ key: 'source-silent:city', kind: 'source-silent', state: 'raised', sourceId: 'city', message: 'm', fix: 'f' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('crier_deliveries{channel="x-main",state="verified"} 1');
    expect(text).toContain('crier_deliveries{channel="x-main",state="missing"} 1');
    expect(text).toContain('crier_read_backs_total{channel="x-main",result="missing"} 1');
    expect(text).toContain('crier_alarm{kind="source-silent",subject="city"} 1');
    const age = /crier_last_verified_post_age_seconds\{channel="x-main"\} ([\d.]+)/.exec(text);
    expect(Number(age?.[1])).toBeGreaterThanOrEqual(120);
  });
});
