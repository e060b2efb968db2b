import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { fetch } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPushSources, type PushSources } from '../../src/daemon/push-sources.js';
import type { ResolvedSource } from '../../src/config/load.js';
import { createNetworkPolicy } from '../../src/http/network-policy.js';
import { startHttpServer, type RunningServer } from '../../src/server/http-server.js';
import { loadSubscription, VERIFY_TIMEOUT_MS } from '../../src/sources/websub/subscription.js';
import { websubSourceSchema } from '../../src/sources/websub/websub-config.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { atom } from '../support/atom.js';
import { startFakeHub, type FakeHub } from '../support/fake-websub-hub.js';
import { freePort } from '../support/free-port.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { tempDir } from '../support/temp-dir.js';

const T0 = new Date('2026-11-29T12:00:00Z');
const logger = pino({ level: 'silent' });
const dir = tempDir('crier-websub-');
let feeds: TestServer;
let hub: FakeHub;
let otherHub: FakeHub;

beforeAll(async () => {
  hub = await startFakeHub();
  otherHub = await startFakeHub();
  feeds = await startServer((req, res) => {
    const self = `${feeds.url}/feed.atom`;
    if (req.url === '/feed.atom?via=discovery') {
      // Fetched at one URL, known to the hub by its self URL.
      res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(atom('News', { hub: hub.url, self }, []));
    } else if (req.url === '/linked.atom') {
      // The Link header wins over the body (https://www.w3.org/TR/websub/#discovery).
      res.writeHead(200, { 'content-type': 'application/atom+xml', link: `<${otherHub.url}>; rel="hub", </linked.atom>; rel="self"` });
      res.end(atom('Linked', { hub: hub.url, self }, []));
    } else if (req.url === '/nohub.atom') {
      res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(atom('No hub', {}, []));
    } else res.writeHead(404).end();
  });
});

afterAll(async () => {
  await Promise.all([feeds.close(), hub.close(), otherHub.close()]);
  dir.remove();
});

interface Harness {
  store: SqliteStore;
  server: RunningServer;
  push: PushSources;
  publicUrl: string;
  polls: string[];
  clock: { now: Date };
  close(): Promise<void>;
}

let harnesses: Harness[] = [];
let storeCount = 0;

/** A push source as the daemon runs it: real store, real HTTP server on loopback, injected clock. */
async function harness(url: string, options: { storePath?: string; hub?: string; port?: number } = {}): Promise<Harness> {
  const store = openSqliteStore(options.storePath ?? `${dir.path}/crier-${++storeCount}.db`);
  await store.migrate();
  const port = options.port ?? (await freePort());
  const publicUrl = `http://127.0.0.1:${port}`;
  const clock = { now: T0 };
  const polls: string[] = [];
  const source: ResolvedSource = {
    ...websubSourceSchema.parse({ id: 'news', kind: 'websub', url, lease: '1h', ...(options.hub ? { hub: options.hub } : {}) }),
    interval: 60_000,
    maxAge: 86_400_000,
  };
  const push = createPushSources({
    sources: [source],
    store,
    logger,
    now: () => clock.now,
    publicUrl,
    network: createNetworkPolicy(),
    fetchTimeoutMs: 5_000,
    pollNow: async (id) => {
      polls.push(id);
    },
    ingest: () => Promise.reject(new Error('a WebSub source never ingests a pushed body')),
    pull: () => Promise.reject(new Error('a WebSub source never pulls an article')),
  });
  const server = await startHttpServer({ host: '127.0.0.1', port, maxBodyBytes: 64 * 1024, logger }, push.routes());
  await push.start();
  const h: Harness = {
    store,
    server,
    push,
    publicUrl,
    polls,
    clock,
    async close() {
      await server.close();
      await push.stop();
      await store.close();
    },
  };
  harnesses.push(h);
  return h;
}

beforeEach(() => {
  hub.answer.status = 202;
  hub.grantSeconds = undefined;
  hub.autoVerify = true;
});

afterEach(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
  harnesses = [];
});

describe('WebSub subscriber', () => {
  it('discovers hub and self URL, subscribes with a secret, answers the challenge, and stores the lease', async () => {
    const before = hub.verifications.length;
    const h = await harness(`${feeds.url}/feed.atom?via=discovery`);
    hub.grantSeconds = 600;
    await h.push.maintain();
    const sub = await hub.verified(before + 1);
    expect(sub.topic).toBe(`${feeds.url}/feed.atom`);
    // The callback carries the subscription's token: 32 random bytes, base64url.
    expect(sub.callback).toMatch(new RegExp(`^${h.publicUrl}/websub/news\\?token=[A-Za-z0-9_-]{43}$`));
    expect(sub.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(hub.requests.at(-1)).toMatchObject({ mode: 'subscribe', leaseSeconds: 3600 });
    const stored = await loadSubscription(h.store, 'news');
    expect(stored?.active).toMatchObject({ hub: hub.url, topic: sub.topic, leaseSeconds: 600, verifiedAt: T0.toISOString() });
    expect(stored?.secret).toBe(sub.secret);
    // Subscribed: the regular polls relax to the 15-minute safety poll.
    expect(h.push.pollInterval('news')).toBe(15 * 60_000);
  });

  it('answers 404 to a verification it did not ask for', async () => {
    const h = await harness(`${feeds.url}/feed.atom?via=discovery`);
    await h.push.maintain();
    const sub = await hub.verified(hub.verifications.filter((v) => v.ok).length + 1);
    const callback = `${h.publicUrl}/websub/news`;
    expect(await hub.verifyIntent(callback, 'https://elsewhere.example.org/feed', 'subscribe')).toMatchObject({ status: 404 });
    expect(await hub.verifyIntent(callback, sub.topic, 'unsubscribe')).toMatchObject({ status: 404 });
    expect(await hub.verifyIntent(callback, sub.topic, 'subscribe', '<script>')).toMatchObject({ status: 404 });
    expect(await hub.verifyIntent(`${h.publicUrl}/websub/other`, sub.topic, 'subscribe')).toMatchObject({ status: 404 });
  });

  it('confirms nothing it is not waiting for: a forged subscribe or denied to the real callback of an active subscription is a 404 and changes nothing', async () => {
    const h = await harness(`${feeds.url}/feed.atom?via=discovery`);
    await h.push.maintain();
    const sub = await hub.verified(hub.verifications.filter((v) => v.ok).length + 1);
    const stored = await h.store.getMeta('websub:news');
    // The real callback, token and all: what a hub (or anyone who learnt the URL) could send.
    expect(await hub.verifyIntent(sub.callback, sub.topic, 'subscribe')).toMatchObject({ status: 404 });
    expect(await hub.verifyIntent(sub.callback, sub.topic, 'denied')).toMatchObject({ status: 404 });
    expect(await hub.verifyIntent(sub.callback, sub.topic, 'unsubscribe')).toMatchObject({ status: 404 });
    h.clock.now = new Date(T0.getTime() + 60_000);
    expect(await hub.verifyIntent(sub.callback, sub.topic, 'subscribe')).toMatchObject({ status: 404 });
    expect(await h.store.getMeta('websub:news')).toBe(stored);
    expect(h.push.pollInterval('news')).toBe(15 * 60_000);
    expect(h.polls).toEqual([]);
  });

  it("confirms its pending request only through the callback's token, for its topic and mode", async () => {
    hub.autoVerify = false;
    const requests = hub.requests.length;
    const h = await harness(`${feeds.url}/feed.atom?via=discovery`);
    await h.push.maintain();
    await vi.waitFor(() => expect(hub.requests.length).toBe(requests + 1));
    const request = hub.requests.at(-1);
    if (!request) throw new Error('no subscribe request');
    const bare = request.callback.replace(/\?.*$/, '');
    expect(await hub.verifyIntent(bare, request.topic, 'subscribe')).toMatchObject({ status: 404 });
    expect(await hub.verifyIntent(`${bare}?token=${'A'.repeat(43)}`, request.topic, 'subscribe')).toMatchObject({ status: 404 });
    expect(await hub.verifyIntent(request.callback, 'https://elsewhere.example.org/feed', 'subscribe')).toMatchObject({ status: 404 });
    expect(await hub.verifyIntent(request.callback, request.topic, 'unsubscribe')).toMatchObject({ status: 404 });
    // A push to the bare callback, even signed with the right secret, is not from a hub Crier gave its callback to.
    const body = atom('News', {}, []);
    const signature = `sha256=${createHmac('sha256', request.secret ?? '').update(body).digest('hex')}`;
    expect((await fetch(bare, { method: 'POST', body, headers: { 'x-hub-signature': signature } })).status).toBe(404);
    expect(h.polls).toEqual([]);
    expect(h.push.pollInterval('news')).toBeUndefined();
    const answer = await hub.verifyIntent(request.callback, request.topic, 'subscribe', 'challenge-123');
    expect(answer).toEqual({ status: 200, body: 'challenge-123' });
    expect(h.push.pollInterval('news')).toBe(15 * 60_000);
    // Confirmed once: the same verification again is no longer waited for.
    expect(await hub.verifyIntent(request.callback, request.topic, 'subscribe')).toMatchObject({ status: 404 });
  });

  it('refuses a verification that comes after the window, and honours denied only for a pending request', async () => {
    hub.autoVerify = false;
    const requests = hub.requests.length;
    const late = await harness(`${feeds.url}/feed.atom?via=discovery`);
    await late.push.maintain();
    await vi.waitFor(() => expect(hub.requests.length).toBe(requests + 1));
    const first = hub.requests.at(-1);
    if (!first) throw new Error('no subscribe request');
    late.clock.now = new Date(T0.getTime() + VERIFY_TIMEOUT_MS + 1000);
    expect(await hub.verifyIntent(first.callback, first.topic, 'subscribe')).toMatchObject({ status: 404 });
    expect(await hub.verifyIntent(first.callback, first.topic, 'denied')).toMatchObject({ status: 404 });
    expect(late.push.pollInterval('news')).toBeUndefined();
    expect((await loadSubscription(late.store, 'news'))?.retryAt).toBeUndefined();

    const denied = await harness(`${feeds.url}/feed.atom?via=discovery`);
    await denied.push.maintain();
    await vi.waitFor(() => expect(hub.requests.length).toBe(requests + 2));
    const second = hub.requests.at(-1);
    if (!second) throw new Error('no subscribe request');
    expect(await hub.verifyIntent(second.callback, second.topic, 'denied')).toMatchObject({ status: 200 });
    await vi.waitFor(async () => expect((await loadSubscription(denied.store, 'news'))?.lastError).toMatch(/denied the subscription/));
    expect((await loadSubscription(denied.store, 'news'))?.retryAt).toBe(new Date(T0.getTime() + 6 * 3_600_000).toISOString());
    expect(denied.polls).toEqual(['news']);
  });

  it('re-fetches the feed on a push signed with sha1, sha256, sha384 or sha512; refuses unsigned and mis-signed pushes with 401', async () => {
    const h = await harness(`${feeds.url}/feed.atom?via=discovery`);
    await h.push.maintain();
    const sub = await hub.verified(hub.verifications.filter((v) => v.ok).length + 1);
    const body = atom('News', {}, []);
    const callback = sub.callback;
    for (const algorithm of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
      expect(await hub.publish(sub.topic, body, { algorithm, callback })).toEqual([202]);
    }
    expect(h.polls).toEqual(['news', 'news', 'news', 'news']);
    expect(await hub.publish(sub.topic, body, { callback, signature: null })).toEqual([401]);
    expect(await hub.publish(sub.topic, body, { callback, secret: 'not-the-secret' })).toEqual([401]);
    expect(await hub.publish(sub.topic, body, { callback, signature: 'md5=00112233445566778899aabbccddeeff' })).toEqual([401]);
    expect(await hub.publish(sub.topic, body, { callback, signature: 'sha256=abc' })).toEqual([401]);
    expect(h.polls).toHaveLength(4);
  });

  it('takes the hub from the Link header before the body', async () => {
    const h = await harness(`${feeds.url}/linked.atom`);
    await h.push.maintain();
    const sub = await otherHub.verified(otherHub.verifications.filter((v) => v.ok).length + 1);
    expect(sub.topic).toBe(`${feeds.url}/linked.atom`);
    expect(sub.callback).toMatch(new RegExp(`^${h.publicUrl}/websub/news\\?token=`));
  });

  it('uses the configured hub for a feed that advertises none, and reports a feed without one', async () => {
    const h = await harness(`${feeds.url}/nohub.atom`, { hub: hub.url });
    await h.push.maintain();
    const sub = await hub.verified(hub.verifications.filter((v) => v.ok).length + 1);
    expect(sub.topic).toBe(`${feeds.url}/nohub.atom`);

    const bare = await harness(`${feeds.url}/nohub.atom`);
    await bare.push.maintain();
    await vi.waitFor(async () => expect((await loadSubscription(bare.store, 'news'))?.failures).toBe(1));
    expect((await loadSubscription(bare.store, 'news'))?.lastError).toMatch(/advertises no WebSub hub/);
    expect(bare.push.pollInterval('news')).toBeUndefined();
  });

  it('renews at 80 % of the lease, and falls back to the source interval when the lease lapses', async () => {
    const h = await harness(`${feeds.url}/feed.atom?via=discovery`);
    hub.grantSeconds = 100;
    await h.push.maintain();
    const first = await hub.verified(hub.verifications.filter((v) => v.ok).length + 1);
    const requests = hub.requests.length;

    h.clock.now = new Date(T0.getTime() + 79_000);
    await h.push.maintain();
    expect(hub.requests).toHaveLength(requests);

    h.clock.now = new Date(T0.getTime() + 80_000);
    await h.push.maintain();
    const renewed = await hub.verified(hub.verifications.filter((v) => v.ok).length + 1);
    expect(renewed.secret).toBe(first.secret);
    expect((await loadSubscription(h.store, 'news'))?.active?.verifiedAt).toBe(new Date(T0.getTime() + 80_000).toISOString());

    // The hub now refuses: renewal fails, the lease runs out, polling returns to the interval.
    hub.answer.status = 503;
    h.clock.now = new Date(T0.getTime() + 160_000);
    await h.push.maintain();
    await vi.waitFor(async () => expect((await loadSubscription(h.store, 'news'))?.failures).toBe(1));
    expect(h.push.pollInterval('news')).toBe(15 * 60_000);
    h.clock.now = new Date(T0.getTime() + 180_000);
    await h.push.maintain();
    expect(h.push.pollInterval('news')).toBeUndefined();
    expect(h.polls).toEqual(['news']);
    expect((await loadSubscription(h.store, 'news'))?.lastError).toMatch(/HTTP 503/);
  });

  it('keeps a verified subscription across a restart instead of subscribing again', async () => {
    const storePath = `${dir.path}/restart.db`;
    const port = await freePort();
    const h = await harness(`${feeds.url}/feed.atom?via=discovery`, { storePath, port });
    await h.push.maintain();
    const sub = await hub.verified(hub.verifications.filter((v) => v.ok).length + 1);
    await h.close();
    harnesses = harnesses.filter((x) => x !== h);

    const requests = hub.requests.length;
    const again = await harness(`${feeds.url}/feed.atom?via=discovery`, { storePath, port });
    await again.push.maintain();
    expect(hub.requests).toHaveLength(requests);
    expect(again.push.pollInterval('news')).toBe(15 * 60_000);
    // The hub still signs with the secret it was given before the restart.
    expect(await hub.publish(sub.topic, atom('News', {}, []), { callback: sub.callback })).toEqual([202]);
    expect(again.polls).toEqual(['news']);
  });
});
