/**
 * The Bluesky adapter against the real reference PDS (tests/support/pds.ts): sessions, facets,
 * link cards with thumbnails served by a local HTTP server, idempotent re-sends, error codes.
 */
import { randomBytes } from 'node:crypto';
import { AtpAgent, ComAtprotoRepoGetRecord } from '@atproto/api';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '../../src/articles/article.js';
import type { AdapterDeps, OutboundPost, PlatformAdapter, Receipt } from '../../src/platforms/contract.js';
import { createBlueskyAdapter } from '../../src/platforms/bluesky/adapter.js';
import type { BlueskyAdapterOptions } from '../../src/platforms/bluesky/adapter.js';
import type { BlueskyChannel } from '../../src/platforms/bluesky/channel.js';
import type { PostRecord, PreparedPost } from '../../src/platforms/bluesky/record.js';
import { startTestPds } from '../support/pds.js';
import type { TestPds, TestPdsAccount } from '../support/pds.js';
import { startServer } from '../support/http-server.js';
import type { TestServer } from '../support/http-server.js';
import { memoryChannelState } from '../support/channel-state.js';
import { loopbackPolicy } from '../support/network.js';
import { followUps } from '../support/follow-ups.js';
import { publishError } from '../support/publish-error.js';

const loopback = loopbackPolicy();

const POST = 'app.bsky.feed.post';

let pds: TestPds;
let alice: TestPdsAccount;
let bob: TestPdsAccount;
let images: TestServer;
let bigPng: Buffer;
let smallPng: Buffer;
let otherPng: Buffer;
/** Accepts connections and never answers: a PDS that hangs. */
let silent: TestServer;

beforeAll(async () => {
  pds = await startTestPds();
  alice = await pds.createAccount('crier-alice');
  bob = await pds.createAccount('crier-bob');
  // Random pixels do not compress: a ~3 MB PNG, three times the thumbnail limit.
  const [width, height] = [1500, 680];
  bigPng = await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png().toBuffer();
  smallPng = await sharp({ create: { width: 60, height: 30, channels: 3, background: '#204080' } }).png().toBuffer();
  otherPng = await sharp({ create: { width: 60, height: 30, channels: 3, background: '#802040' } }).png().toBuffer();
  images = await startServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/big.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(bigPng);
    if (path.startsWith('/small.png')) return void res.writeHead(200, { 'content-type': 'image/png' }).end(smallPng);
    if (path === '/other.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(otherPng);
    if (path === '/story.html') {
      const head = `<meta property="og:title" content="Story"><meta content="/small.png?w=60&amp;h=30" property="og:image">`;
      return void res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><head>${head}</head><body>…</body></html>`);
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  silent = await startServer(() => new Promise<void>(() => undefined));
}, 60_000);

afterAll(async () => {
  await Promise.all([pds?.close(), images?.close(), silent?.close()]);
});

function adapterFor(
  account: TestPdsAccount,
  overrides: { state?: Map<string, string>; channel?: Partial<BlueskyChannel>; options?: BlueskyAdapterOptions } = {},
): { adapter: PlatformAdapter; state: Map<string, string> } {
  const state = overrides.state ?? new Map<string, string>();
  const channel = {
    id: 'bsky-test',
    platform: 'bluesky',
    dryRun: false,
    images: true,
    service: pds.url,
    credentials: { identifier: account.handle, appPassword: account.appPassword },
    ...overrides.channel,
  } satisfies BlueskyChannel;
  const deps: AdapterDeps = {
    logger: pino({ level: 'silent' }),
    channelState: memoryChannelState(state),
    now: () => new Date(),
    // Images and card pages come from loopback test servers, which the network policy refuses by default.
    fetchDispatcher: loopback.dispatcher,
  };
  return { adapter: createBlueskyAdapter(channel, deps, overrides.options), state };
}

function article(overrides: Partial<Article> = {}): Article {
  return {
    sourceId: 'news',
    key: randomBytes(6).toString('hex'),
    // Local, so the og:image lookup for articles without an image stays off the internet (404).
    url: `${images.url}/2025/06/ete-zurich?id=7`,
    canonicalUrl: `${images.url}/2025/06/ete-zurich`,
    title: 'Été caniculaire à Zürich',
    summary: 'Les températures ont dépassé 35 °C pour la troisième journée.',
    categories: [],
    tags: [],
    authors: [],
    publishedAt: new Date(),
    ...overrides,
  };
}

function outbound(text: string, art: Article): Omit<OutboundPost, 'prepared'> {
  return { deliveryId: 1, channelId: 'bsky-test', text, article: art, idempotencyKey: `${art.key}:bsky-test` };
}

/** What the worker does: prepare, persist as JSON, and hand the parsed copy to publish. */
async function prepareStored(adapter: PlatformAdapter, post: Omit<OutboundPost, 'prepared'>): Promise<PreparedPost> {
  return JSON.parse(JSON.stringify(await adapter.prepare?.(post))) as PreparedPost;
}

async function deliver(adapter: PlatformAdapter, text: string, art: Article): Promise<Receipt> {
  const post = outbound(text, art);
  return adapter.publish({ ...post, prepared: await prepareStored(adapter, post) });
}

const reader = (): AtpAgent => new AtpAgent({ service: pds.url });

function atParts(uri: string): { repo: string; collection: string; rkey: string } {
  const [, , repo = '', collection = '', rkey = ''] = uri.split('/');
  return { repo, collection, rkey };
}

async function readPost(receipt: Receipt): Promise<PostRecord> {
  const [, , repo = '', collection = '', rkey = ''] = receipt.remoteId.split('/');
  const got = await reader().com.atproto.repo.getRecord({ repo, collection, rkey });
  return got.data.value as PostRecord;
}

async function blobBytes(did: string, cid: string): Promise<Buffer> {
  const res = await reader().com.atproto.sync.getBlob({ did, cid });
  return Buffer.from(res.data);
}


/** A loopback URL where nothing listens any more. */
async function closedUrl(): Promise<string> {
  const server = await startServer(() => undefined);
  await server.close();
  return server.url;
}

describe('Bluesky adapter', () => {
  it('posts text with byte-exact facets, langs and a link card whose 3 MB image was shrunk', async () => {
    const { adapter } = adapterFor(alice, { channel: { language: 'de' } });
    const art = article({ language: 'fr', image: { url: `${images.url}/big.png` } });
    const text = `Été 🔥👩🏽‍🚒 à Zürich — naïve café : ${art.url} #Météo`;
    const receipt = await deliver(adapter, text, art);

    const rkey = receipt.remoteId.split('/').at(-1) ?? '';
    expect(receipt.remoteId).toBe(`at://${alice.did}/${POST}/${rkey}`);
    expect(receipt.url).toBe(`https://bsky.app/profile/${alice.handle}/post/${rkey}`);

    const record = await readPost(receipt);
    expect(record.text).toBe(text);
    const byteStart = Buffer.byteLength(text.slice(0, text.indexOf(art.url)), 'utf8');
    const byteEnd = byteStart + Buffer.byteLength(art.url, 'utf8');
    expect(byteStart).toBeGreaterThan(text.indexOf(art.url));
    expect(record.facets).toContainEqual({
      index: { byteStart, byteEnd },
      features: [{ $type: 'app.bsky.richtext.facet#link', uri: art.url }],
    });
    expect(record.langs).toEqual(['fr']);

    const external = record.embed?.external;
    expect(external).toMatchObject({ uri: art.url, title: art.title, description: art.summary });
    expect(bigPng.length).toBeGreaterThan(2_500_000);
    const cid = String(external?.thumb?.ref);
    const thumb = await blobBytes(alice.did, cid);
    expect(thumb.length).toBeLessThanOrEqual(1_000_000);
    expect(thumb.length).toBe(external?.thumb?.size);
    const meta = await sharp(thumb).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBe(1200);
  });

  it("takes the card image from the page's og:image when the feed gives none", async () => {
    const { adapter } = adapterFor(alice);
    const art = article({ url: `${images.url}/story.html` });
    const record = await readPost(await deliver(adapter, `Read: ${art.url}`, art));
    const thumb = record.embed?.external.thumb;
    expect(thumb?.mimeType).toBe('image/png');
    expect((await blobBytes(alice.did, String(thumb?.ref))).equals(smallPng)).toBe(true);
  });

  it('posts without a thumbnail when the image is broken, or when images are off', async () => {
    const broken = await readPost(
      await deliver(adapterFor(alice).adapter, 'Broken image', article({ image: { url: `${images.url}/gone.jpg` } })),
    );
    expect(broken.embed?.external).not.toHaveProperty('thumb');
    expect(broken.embed?.external.uri).toBe(article().url);

    const off = adapterFor(alice, { channel: { images: false } }).adapter;
    const noImages = await readPost(await deliver(off, 'No images', article({ image: { url: `${images.url}/big.png` } })));
    expect(noImages.embed?.external).not.toHaveProperty('thumb');
  });

  it('re-sending the same prepared delivery leaves exactly one post', async () => {
    const { adapter } = adapterFor(alice);
    const count = async (): Promise<number> => {
      const listed = await reader().com.atproto.repo.listRecords({ repo: alice.did, collection: POST, limit: 100 });
      return listed.data.records.length;
    };
    const before = await count();
    const post = outbound('Once only', article({ image: { url: `${images.url}/small.png` } }));
    const prepared = await prepareStored(adapter, post);
    const first = await adapter.publish({ ...post, prepared });
    const second = await adapter.publish({ ...post, prepared: JSON.parse(JSON.stringify(prepared)) as unknown });
    expect(second).toEqual(first);
    expect(await count()).toBe(before + 1);
  });

  it('logs in once, even for concurrent first calls, and a restarted adapter resumes the saved session', async () => {
    const before = pds.countCreateSessionCalls();
    const first = adapterFor(bob);
    const ops = followUps(first.adapter);
    const listed = await Promise.all([ops.recentPosts(new Date()), ops.recentPosts(new Date()), ops.recentPosts(new Date())]);
    expect(listed).toEqual([[], [], []]);
    expect(pds.countCreateSessionCalls()).toBe(before + 1);
    const saved = first.state.get('session');
    expect(saved).toContain(bob.did);

    const restarted = adapterFor(bob, { state: first.state });
    await deliver(restarted.adapter, 'After a restart', article());
    expect(pds.countCreateSessionCalls()).toBe(before + 1);
    // Resuming refreshed the session: the rotated refresh token was saved again.
    expect(restarted.state.get('session')).not.toBe(saved);
  });

  it('logs in again when the saved session is revoked or belongs to another account', async () => {
    const { adapter, state } = adapterFor(bob);
    await adapter.verify();
    const saved = JSON.parse(state.get('session') ?? '{}') as { session: { refreshJwt: string } };
    saved.session.refreshJwt = 'revoked';
    state.set('session', JSON.stringify(saved));
    const before = pds.countCreateSessionCalls();
    expect(await followUps(adapterFor(bob, { state }).adapter).recentPosts(new Date())).toEqual([]);
    expect(pds.countCreateSessionCalls()).toBe(before + 1);

    // Same stored state, but the channel now names another account: never post as bob.
    const receipt = await deliver(adapterFor(alice, { state }).adapter, 'Right account', article());
    expect(receipt.remoteId).toContain(alice.did);
    expect(pds.countCreateSessionCalls()).toBe(before + 2);
  });

  it('rebuilds a thumbnail the PDS garbage-collected, or posts without it if the source changed', async () => {
    // Prepared on alice's PDS repo, published to bob's: bob's repo never saw the blob, exactly
    // like an upload the PDS deleted before a late retry.
    const post = outbound('Late retry', article({ image: { url: `${images.url}/big.png` } }));
    const prepared = await prepareStored(adapterFor(alice).adapter, post);
    const wanted = prepared.record.embed?.external.thumb?.ref.$link;
    expect(wanted).toBeDefined();

    const bobAdapter = adapterFor(bob).adapter;
    const rebuilt = await readPost(await bobAdapter.publish({ ...post, prepared }));
    expect(String(rebuilt.embed?.external.thumb?.ref)).toBe(wanted);
    expect((await blobBytes(bob.did, wanted ?? '')).length).toBe(prepared.record.embed?.external.thumb?.size);

    const other = outbound('Changed image', article({ image: { url: `${images.url}/other.png` } }));
    const stale = await prepareStored(adapterFor(alice).adapter, other);
    const changed = { ...stale, thumbSource: `${images.url}/small.png` };
    const dropped = await readPost(await bobAdapter.publish({ ...other, prepared: changed }));
    expect(dropped.embed?.external).not.toHaveProperty('thumb');
    expect(dropped.text).toBe('Changed image');
  });

  it('removes a post, removing it again says already gone, and reading it back finds it gone', async () => {
    const { adapter } = adapterFor(alice);
    const ops = followUps(adapter);
    const receipt = await deliver(adapter, 'Short-lived', article());
    expect(await ops.readBack(receipt)).toEqual({ found: true });
    expect(await ops.remove(receipt)).toBe('deleted');
    expect(await ops.remove(receipt)).toBe('already-gone');
    const [, , repo = '', collection = '', rkey = ''] = receipt.remoteId.split('/');
    await expect(reader().com.atproto.repo.getRecord({ repo, collection, rkey })).rejects.toBeInstanceOf(
      ComAtprotoRepoGetRecord.RecordNotFoundError,
    );
    expect(await ops.readBack(receipt)).toMatchObject({ found: false, reason: expect.stringMatching(/RecordNotFound/) });
    // Another account's post is never deleted through this channel.
    const bobs = await deliver(adapterFor(bob).adapter, 'Not yours', article());
    expect((await publishError(ops.remove(bobs))).code).toBe('rejected');
    expect(await ops.readBack(bobs)).toEqual({ found: true });
  });

  it('posts a correction as a reply with strong refs to its parent and the thread root, once', async () => {
    const { adapter } = adapterFor(alice);
    const art = article();
    const parent = await deliver(adapter, 'Council approves budget', art);
    const parentRecord = await reader().com.atproto.repo.getRecord(atParts(parent.remoteId));
    const fix = outbound('Correction: the vote was 7-2.', art);
    const prepared = await prepareStored(adapter, { ...fix, replyTo: parent });
    const first = await adapter.publish({ ...fix, replyTo: parent, prepared });
    const again = await adapter.publish({ ...fix, replyTo: parent, prepared: JSON.parse(JSON.stringify(prepared)) as unknown });
    expect(again).toEqual(first);
    const reply = await readPost(first);
    const parentRef = { uri: parent.remoteId, cid: parentRecord.data.cid };
    expect(reply.reply).toEqual({ root: parentRef, parent: parentRef });
    // The correction sits under the post that has the card: it carries none itself.
    expect(reply).not.toHaveProperty('embed');

    // A reply to that reply keeps the thread's root and names the reply as its parent.
    const firstRecord = await reader().com.atproto.repo.getRecord(atParts(first.remoteId));
    const secondPost = outbound('Second correction', art);
    const secondStored = await prepareStored(adapter, { ...secondPost, replyTo: first });
    const second = await adapter.publish({ ...secondPost, replyTo: first, prepared: secondStored });
    expect((await readPost(second)).reply).toEqual({ root: parentRef, parent: { uri: first.remoteId, cid: firstRecord.data.cid } });

    // A reply to a post that is gone is refused before anything is sent.
    await followUps(adapter).remove(parent);
    const refused = await publishError(adapter.prepare?.({ ...outbound('Too late', art), replyTo: parent }) ?? Promise.resolve());
    expect(refused.code).toBe('rejected');
  });

  it("lists the account's posts since a time, with their links, newest first", async () => {
    const carol = await pds.createAccount('crier-carol');
    const { adapter } = adapterFor(carol, { channel: { images: false } });
    await deliver(adapter, 'Before', article());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date();
    const art = article();
    const first = await deliver(adapter, `Read: ${art.url}`, art);
    const second = await deliver(adapter, 'Latest', article());
    const listed = await followUps(adapter).recentPosts(since);
    expect(listed.map((post) => post.remoteId)).toEqual([second.remoteId, first.remoteId]);
    expect(listed[1]).toMatchObject({ remoteId: first.remoteId, url: first.url, text: `Read: ${art.url}` });
    expect(listed[1]?.links).toContain(art.url);
  });

  it('checks the credentials by logging in with the app password every time, and replaces the saved session', async () => {
    const { adapter, state } = adapterFor(bob);
    await followUps(adapter).recentPosts(new Date()); // a saved session exists
    const saved = state.get('session');
    const before = pds.countCreateSessionCalls();
    const checked = await adapterFor(bob, { state }).adapter.verify();
    expect(checked.account).toBe(bob.handle);
    expect(checked.notes).toEqual(['the saved session was replaced by a fresh login with the configured app password']);
    expect(pds.countCreateSessionCalls()).toBe(before + 1);
    expect(state.get('session')).not.toBe(saved);

    // The saved session is bob's, the channel now says alice: the check says so.
    const other = await adapterFor(alice, { state }).adapter.verify();
    expect(other.account).toBe(alice.handle);
    expect(other.notes?.[0]).toContain(`belonged to other credentials (${bob.handle} (${bob.did})`);
    expect(JSON.parse(state.get('session') ?? '{}')).toMatchObject({ identifier: alice.handle, session: { did: alice.did } });
  });

  it('a wrong app password fails the check even with a valid saved session, which stays', async () => {
    const { adapter, state } = adapterFor(alice);
    await followUps(adapter).recentPosts(new Date());
    const saved = state.get('session');
    const wrong = { identifier: alice.handle, appPassword: 'aaaa-bbbb-cccc-dddd' };
    const misconfigured = adapterFor(alice, { state, channel: { credentials: wrong } }).adapter;
    // The saved session still works for posting…
    expect(await followUps(misconfigured).recentPosts(new Date())).toEqual([]);
    // …but the check tests the credentials as configured.
    const before = pds.countCreateSessionCalls();
    expect(await publishError(misconfigured.verify())).toMatchObject({ code: 'auth', status: 401 });
    expect(pds.countCreateSessionCalls()).toBe(before + 1);
    expect(JSON.parse(state.get('session') ?? '{}')).toMatchObject({ session: { did: alice.did } });
    expect(saved).toBeDefined();
  });

  it('reports the login budget when the PDS enforces its createSession limit', async () => {
    const limited = await startTestPds({ rateLimits: true });
    try {
      const dave = await limited.createAccount('crier-dave');
      const state = new Map<string, string>();
      const channel = {
        id: 'bsky-limited',
        platform: 'bluesky',
        dryRun: false,
        images: false,
        service: limited.url,
        credentials: { identifier: dave.handle, appPassword: dave.appPassword },
      } satisfies BlueskyChannel;
      const deps: AdapterDeps = { logger: pino({ level: 'silent' }), channelState: memoryChannelState(state), now: () => new Date() };
      const checked = await createBlueskyAdapter(channel, deps).verify();
      expect(checked.budget).toEqual([
        { label: 'logins (createSession) per 5 min', limit: 30, remaining: 29, resetAt: expect.any(Date) },
      ]);
    } finally {
      await limited.close();
    }
  }, 60_000);

  it('a wrong app password is auth, and the adapter stops asking the PDS for a while', async () => {
    const wrong = { identifier: alice.handle, appPassword: 'aaaa-bbbb-cccc-dddd' };
    const { adapter } = adapterFor(alice, { channel: { credentials: wrong, images: false } });
    const before = pds.countCreateSessionCalls();
    expect(await publishError(adapter.verify())).toMatchObject({ code: 'auth', status: 401 });
    expect(pds.countCreateSessionCalls()).toBe(before + 1);

    const post = outbound('Never', article());
    const publish = await publishError(adapter.publish({ ...post, prepared: await prepareStored(adapter, post) }));
    expect(publish.code).toBe('auth');
    expect(publish.resetAt).toBeInstanceOf(Date);
    expect(pds.countCreateSessionCalls()).toBe(before + 1);
  });

  it('a PDS where nothing listens, or that never answers while connecting, is transient: nothing was posted', async () => {
    const down = adapterFor(alice, { channel: { service: await closedUrl() } });
    expect((await publishError(down.adapter.verify())).code).toBe('transient');
    const post = outbound('Nobody home', article());
    const prepared = await prepareStored(down.adapter, post); // thumbnail trouble never fails prepare
    expect((await publishError(down.adapter.publish({ ...post, prepared }))).code).toBe('transient');

    const hung = adapterFor(alice, { channel: { service: silent.url }, options: { requestTimeoutMs: 200 } });
    const timedOut = await publishError(hung.adapter.verify());
    // A timeout while logging in cannot have posted anything (timeouts during the post itself
    // are unknown outcomes: see tests/integration/fault-matrix.test.ts).
    expect(timedOut.code).toBe('transient');
    expect(timedOut.message).toMatch(/timed out.*nothing was posted/);
  });
});
