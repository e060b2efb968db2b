import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterDeps, OutboundPost } from '../../src/platforms/contract.js';
import { PublishError } from '../../src/platforms/errors.js';
import { createMastodonAdapter, type MastodonAdapterOptions } from '../../src/platforms/mastodon/adapter.js';
import type { MastodonChannel } from '../../src/platforms/mastodon/channel.js';
import { mastodonLimits } from '../../src/platforms/mastodon/instance-limits.js';
import { createXAdapter, type XAdapterOptions } from '../../src/platforms/x/adapter.js';
import { xChannelSchema, type XChannel } from '../../src/platforms/x/channel.js';
import { isXDuplicate } from '../../src/platforms/x/errors.js';
import { makeArticle } from '../support/articles.js';
import { memoryChannelState } from '../support/channel-state.js';
import { loopbackPolicy } from '../support/network.js';
import type { FakeFault } from '../support/fakes/fake-server.js';
import { startFakeMastodon, type FakeMastodon, type FakeMastodonOptions } from '../support/fakes/fake-mastodon.js';
import { startFakeX, type FakeX, type FakeXOptions } from '../support/fakes/fake-x.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { followUps } from '../support/follow-ups.js';
import { publishError } from '../support/publish-error.js';

const loopback = loopbackPolicy();

// The real adapters over real loopback HTTP against the fakes; no nock in this file.
const START = new Date('2025-03-01T12:00:00Z');
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
interface FaultCase {
  name: string;
  fault: FakeFault;
  /** The PublishError code the adapter must throw, or 'none' when the post goes through. */
  code: string;
  /** How many posts the fake holds afterwards. */
  created: number;
}

/** A hang needs a short client timeout to end; every other case keeps the adapters' default. */
function timeoutFor(fault: FakeFault): { requestTimeoutMs?: number } {
  return fault.kind === 'hang' ? { requestTimeoutMs: 300 } : {};
}

let clock = START;
const now = (): Date => clock;
function advance(ms: number): void {
  clock = new Date(clock.getTime() + ms);
}

let images: TestServer;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  images = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'image/png' }).end(PNG));
});
afterAll(() => images.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((fake) => fake.close()));
  clock = START;
});

function deps(): AdapterDeps {
  // Images come from a loopback test server, which the network policy refuses by default.
  return { logger: pino({ level: 'silent' }), channelState: memoryChannelState(), now, fetchDispatcher: loopback.dispatcher };
}

function post(key: string, text = `Council approves budget ${key} https://news.example/${key}`): OutboundPost {
  return {
    deliveryId: 1,
    channelId: 'chan',
    text,
    idempotencyKey: `idem-${key}`,
    prepared: undefined,
    article: makeArticle({ key }),
  };
}


async function mastodon(options: FakeMastodonOptions = {}): Promise<FakeMastodon> {
  const fake = await startFakeMastodon({ now, ...options });
  open.push(fake);
  return fake;
}

function mastodonChannel(fake: FakeMastodon, overrides: Partial<MastodonChannel> = {}): MastodonChannel {
  return {
    id: 'masto',
    platform: 'mastodon',
    dryRun: false,
    images: true,
    instance: fake.url,
    visibility: 'public',
    credentials: { accessToken: fake.token },
    ...overrides,
  };
}

function mastodonAdapter(fake: FakeMastodon, options: MastodonAdapterOptions = {}, channel?: Partial<MastodonChannel>) {
  const fast: MastodonAdapterOptions = { mediaPolling: { intervalMs: 1, timeoutMs: 1_000 }, ...options };
  return createMastodonAdapter(mastodonChannel(fake, channel), deps(), fast);
}

async function x(options: FakeXOptions = {}): Promise<FakeX> {
  const fake = await startFakeX({ now, ...options });
  open.push(fake);
  return fake;
}

function xAdapter(fake: FakeX, options: XAdapterOptions = {}, channel: Partial<XChannel> = {}) {
  const base: XChannel = { id: 'x', platform: 'x', dryRun: false, images: true, apiBaseUrl: fake.url };
  return createXAdapter({ ...base, credentials: { ...fake.credentials }, ...channel }, deps(), options);
}

describe('fake Mastodon with the real Mastodon adapter', () => {
  it('verifies the account, serves the instance limits and creates a status', async () => {
    const fake = await mastodon();
    const adapter = mastodonAdapter(fake, {}, { language: 'de' });

    expect(await adapter.verify()).toMatchObject({ account: `@newsroom@${new URL(fake.url).host}` });
    const limits = await mastodonLimits(mastodonChannel(fake), deps());
    expect(limits).toEqual({ maxCharacters: 500, charactersReservedPerUrl: 23 });
    const receipt = await adapter.publish(post('a'));

    const [status] = fake.statuses();
    expect(receipt).toEqual({ remoteId: status?.id, url: status?.url });
    // The article declares no language and its headline is plainly English: detected before the channel's 'de'.
    expect(status).toMatchObject({ text: post('a').text, language: 'en', idempotencyKey: 'idem-a' });
  });

  it('answers a retry with the same Idempotency-Key with the same status, for one hour', async () => {
    const fake = await mastodon();
    const adapter = mastodonAdapter(fake);
    fake.setFault({ kind: 'status', status: 502, body: 'html', afterCreate: true, times: 1 });

    expect((await publishError(adapter.publish(post('a')))).code).toBe('unknown-outcome');
    const retry = await adapter.publish(post('a'));
    advance(59 * 60 * 1000);
    const lateRetry = await adapter.publish(post('a'));

    expect(fake.statuses()).toHaveLength(1);
    expect(retry.remoteId).toBe(fake.statuses()[0]?.id);
    expect(lateRetry.remoteId).toBe(retry.remoteId);
    // Past the hour Mastodon has forgotten the key: the adapter's caller must check first.
    advance(2 * 60 * 1000);
    expect((await adapter.publish(post('a'))).remoteId).not.toBe(retry.remoteId);
    expect(fake.statuses()).toHaveLength(2);
  });

  it('uploads the image with its description and attaches it once processed', async () => {
    const fake = await mastodon({ mediaProcessingPolls: 2 });
    const article = makeArticle({ key: 'img', image: { url: `${images.url}/photo.png`, alt: 'The chamber' } });
    await mastodonAdapter(fake).publish({ ...post('img'), article });
    expect(fake.statuses()[0]?.media).toEqual([{ id: expect.any(String), description: 'The chamber' }]);
  });

  it('lists the account statuses newest first', async () => {
    const fake = await mastodon();
    const adapter = mastodonAdapter(fake);
    await adapter.publish(post('a'));
    const second = await adapter.publish(post('b'));
    const response = await fetch(`${fake.url}/api/v1/accounts/${fake.accountId}/statuses?limit=1`, {
      headers: { authorization: `Bearer ${fake.token}` },
    });
    const body = (await response.json()) as { id: string; content: string }[];
    expect(body.map((status) => status.id)).toEqual([second.remoteId]);
    expect(body[0]?.content).toContain('href="https://news.example/b"');
  });

  it('deletes a status once: a second DELETE is 404 (already gone), and reading it back says not found', async () => {
    const fake = await mastodon();
    const adapter = followUps(mastodonAdapter(fake));
    const receipt = await mastodonAdapter(fake).publish(post('a'));
    expect(await adapter.readBack(receipt)).toEqual({ found: true });
    expect(await adapter.remove(receipt)).toBe('deleted');
    expect(await adapter.remove(receipt)).toBe('already-gone');
    expect(fake.deletions()).toEqual([{ id: receipt.remoteId, at: START }]);
    expect(fake.statuses()).toEqual([]);
    expect(await adapter.readBack(receipt)).toEqual({ found: false, reason: 'Mastodon answered 404 Record not found' });
  });

  it('reads back as not found a status deleted outside Crier; a 502 page on a read or a delete is transient', async () => {
    const fake = await mastodon();
    const adapter = followUps(mastodonAdapter(fake));
    const receipt = await mastodonAdapter(fake).publish(post('a'));
    fake.setFault({ kind: 'status', status: 502, body: 'html', on: 'any', times: 1 });
    expect((await publishError(adapter.readBack(receipt))).code).toBe('transient');
    fake.setFault({ kind: 'status', status: 500, body: 'json', on: 'any', times: 1 });
    expect((await publishError(adapter.remove(receipt))).code).toBe('transient');
    fake.deleteOutside(receipt.remoteId);
    expect(await adapter.readBack(receipt)).toMatchObject({ found: false });
  });

  it('posts a correction as a reply (own Idempotency-Key), and a reply to a deleted status is refused', async () => {
    const fake = await mastodon();
    const adapter = mastodonAdapter(fake);
    const parent = await adapter.publish(post('a'));
    const correction = { ...post('fix', 'Correction: the vote was 7-2.'), replyTo: parent };
    const reply = await adapter.publish(correction);
    expect(await adapter.publish(correction)).toEqual(reply);
    expect(fake.statuses().find((item) => item.id === reply.remoteId)).toMatchObject({
      inReplyToId: parent.remoteId,
      idempotencyKey: 'idem-fix',
    });
    expect(fake.statuses()).toHaveLength(2);
    await followUps(adapter).remove(parent);
    const refused = await publishError(adapter.publish({ ...post('fix2', 'Again'), replyTo: parent }));
    expect([refused.code, refused.status]).toEqual(['rejected', 404]);
  });

  it('edits a status with PUT, keeping the earlier text in its history, its content warning and its image', async () => {
    const fake = await mastodon();
    const adapter = mastodonAdapter(fake, {}, { spoilerText: 'Politics' });
    // With its language given, so no detection runs between the upload and the post.
    const article = makeArticle({ key: 'a', language: 'en', image: { url: `${images.url}/photo.png`, alt: 'The chamber' } });
    const receipt = await adapter.publish({ ...post('a', 'Council approves budget'), article });
    const media = fake.statuses()[0]?.media;
    expect(media).toHaveLength(1);
    advance(60_000);
    await adapter.edit?.(receipt, 'Council approves budget, 7-2 (corrected)');
    const edited = clock;
    advance(60_000);
    await adapter.edit?.(receipt, 'Council approves budget, 7-2 (corrected)'); // a repeat changes nothing
    expect(fake.statuses()[0]).toMatchObject({
      text: 'Council approves budget, 7-2 (corrected)',
      editedAt: edited,
      spoilerText: 'Politics',
      media,
    });
    const history = await fetch(`${fake.url}/api/v1/statuses/${receipt.remoteId}/history`, {
      headers: { authorization: `Bearer ${fake.token}` },
    });
    const versions = (await history.json()) as { content: string }[];
    expect(versions.map((version) => version.content)).toEqual(['Council approves budget', 'Council approves budget, 7-2 (corrected)']);
    const gone = { remoteId: '1' };
    expect((await publishError(followUps(adapter).edit?.(gone, 'x') ?? Promise.resolve())).code).toBe('rejected');
  });

  it("lists the account's statuses since a time as plain text with their links and reply", async () => {
    const fake = await mastodon();
    const adapter = mastodonAdapter(fake);
    await adapter.publish(post('old'));
    advance(10 * 60_000);
    const since = clock;
    const first = await adapter.publish(post('a'));
    advance(1_000);
    const reply = await adapter.publish({ ...post('fix', 'Correction: 7-2.'), replyTo: first });
    const listed = await followUps(adapter).recentPosts(since);
    expect(listed.map((item) => item.remoteId)).toEqual([reply.remoteId, first.remoteId]);
    expect(listed[1]).toEqual({
      remoteId: first.remoteId,
      url: first.url,
      text: post('a').text,
      links: ['https://news.example/a'],
      createdAt: since,
    });
    expect(listed[0]?.replyTo).toBe(first.remoteId);
  });

  it('checks the credentials with verify_credentials and reports the X-RateLimit budget', async () => {
    const fake = await mastodon({ apiLimit: { limit: 300, windowMs: 5 * 60_000 } });
    const info = await mastodonAdapter(fake).verify();
    expect(info.budget).toEqual([
      { label: 'API requests per 5 min', limit: 300, remaining: 299, resetAt: new Date(START.getTime() + 5 * 60_000) },
    ]);
  });

  it('rejects a status over max_characters and a wrong token', async () => {
    const fake = await mastodon({ maxCharacters: 20 });
    expect((await publishError(mastodonAdapter(fake).publish(post('a', 'x'.repeat(21))))).code).toBe('rejected');
    const wrong = createMastodonAdapter(mastodonChannel(fake, { credentials: { accessToken: 'nope' } }), deps());
    expect((await publishError(wrong.publish(post('a')))).code).toBe('auth');
    expect(fake.statuses()).toEqual([]);
  });

  it('answers 429 with an ISO 8601 reset once the statuses window is spent', async () => {
    const fake = await mastodon({ statusLimit: { limit: 2, windowMs: 3 * 60 * 60 * 1000 } });
    const adapter = mastodonAdapter(fake);
    await adapter.publish(post('a'));
    advance(60_000);
    await adapter.publish(post('b'));
    const error = await publishError(adapter.publish(post('c')));
    expect([error.code, error.status]).toEqual(['rate-limited', 429]);
    expect(error.resetAt).toEqual(new Date(START.getTime() + 3 * 60 * 60 * 1000));
  });

  it.each<FaultCase>([
    { name: 'a JSON 500', fault: { kind: 'status', status: 500, body: 'json' }, code: 'unknown-outcome', created: 0 },
    {
      name: 'a proxy 502 page',
      fault: { kind: 'status', status: 502, body: 'html' },
      code: 'unknown-outcome',
      created: 0,
    },
    {
      name: 'a 503 after creating',
      fault: { kind: 'status', status: 503, body: 'json', afterCreate: true },
      code: 'unknown-outcome',
      created: 1,
    },
    { name: 'a reset before anything', fault: { kind: 'reset' }, code: 'unknown-outcome', created: 0 },
    { name: 'a reset mid-answer', fault: { kind: 'reset', afterCreate: true }, code: 'unknown-outcome', created: 1 },
    { name: 'a hang', fault: { kind: 'hang' }, code: 'unknown-outcome', created: 0 },
    { name: 'a rate limit', fault: { kind: 'rate-limit', resetInSeconds: 90 }, code: 'rate-limited', created: 0 },
  ])('maps $name to $code', async ({ fault, code, created }) => {
    const fake = await mastodon();
    fake.setFault({ ...fault, times: 1 });
    const error = await publishError(mastodonAdapter(fake, timeoutFor(fault)).publish(post('a')));
    expect(error.code).toBe(code);
    expect(fake.statuses()).toHaveLength(created);
    if (fault.kind === 'rate-limit') expect(error.resetAt).toEqual(new Date(START.getTime() + 90_000));
    // The fault is used up: the retry with the same key creates the status, or finds it.
    const receipt = await mastodonAdapter(fake).publish(post('a'));
    expect(fake.statuses().map((status) => status.id)).toEqual([receipt.remoteId]);
  });

  it('answers a slow request in the end', async () => {
    const fake = await mastodon();
    fake.setFault({ kind: 'slow', ms: 20 });
    await mastodonAdapter(fake).publish(post('a'));
    expect(fake.statuses()).toHaveLength(1);
  });
});

describe('fake X with the real X adapter (apiBaseUrl)', () => {
  it('verifies the user and creates a post, signed with OAuth 1.0a', async () => {
    const fake = await x();
    const adapter = xAdapter(fake);
    expect(await adapter.verify()).toMatchObject({ account: '@newsroom' });
    const receipt = await adapter.publish(post('a'));
    expect(fake.posts()).toEqual([{ id: receipt.remoteId, createdAt: START, text: post('a').text, media: [] }]);
  });

  it('refuses an exact repeat as duplicate content: the earlier attempt went out', async () => {
    const fake = await x();
    const adapter = xAdapter(fake);
    fake.setFault({ kind: 'status', status: 503, body: 'json', afterCreate: true, times: 1 });

    expect((await publishError(adapter.publish(post('a')))).code).toBe('unknown-outcome');
    const repeat = await publishError(adapter.publish(post('a')));

    expect([repeat.code, repeat.status, repeat.alreadyPosted]).toEqual(['rejected', 403, true]);
    expect(isXDuplicate(repeat)).toBe(true);
    expect(fake.posts()).toHaveLength(1);
  });

  it('uploads the image through the v2 chunked upload with its alt text', async () => {
    const fake = await x();
    const article = makeArticle({ key: 'img', image: { url: `${images.url}/photo.png`, alt: 'The chamber' } });
    await xAdapter(fake).publish({ ...post('img'), article });
    expect(fake.posts()[0]?.media).toEqual([{ id: expect.any(String), altText: 'The chamber' }]);
  });

  it('answers 429 with the 15-minute reset in epoch seconds', async () => {
    const fake = await x({ postLimit: { limit: 1, windowMs: 15 * 60 * 1000 } });
    const adapter = xAdapter(fake);
    await adapter.publish(post('a'));
    const error = await publishError(adapter.publish(post('b')));
    expect([error.code, error.status]).toEqual(['rate-limited', 429]);
    expect(error.resetAt).toEqual(new Date(START.getTime() + 15 * 60 * 1000));
  });

  it('waits for the 24-hour reset when the daily cap is spent', async () => {
    const fake = await x({ dailyLimit: 1 });
    const adapter = xAdapter(fake);
    await adapter.publish(post('a'));
    advance(60 * 60 * 1000);
    const error = await publishError(adapter.publish(post('b')));
    expect(error.code).toBe('rate-limited');
    expect(error.resetAt).toEqual(new Date(START.getTime() + 24 * 60 * 60 * 1000));
  });

  it('refuses unknown credentials', async () => {
    const fake = await x();
    const wrong = { ...fake.credentials, accessToken: '1-someone-else' };
    expect((await publishError(xAdapter(fake, {}, { credentials: wrong }).verify())).code).toBe('auth');
  });

  it.each<FaultCase>([
    { name: 'a JSON 500', fault: { kind: 'status', status: 500, body: 'json' }, code: 'unknown-outcome', created: 0 },
    {
      name: 'a proxy 502 page',
      fault: { kind: 'status', status: 502, body: 'html' },
      code: 'unknown-outcome',
      created: 0,
    },
    { name: 'a reset before anything', fault: { kind: 'reset' }, code: 'unknown-outcome', created: 0 },
    { name: 'a reset mid-answer', fault: { kind: 'reset', afterCreate: true }, code: 'unknown-outcome', created: 1 },
    { name: 'a hang', fault: { kind: 'hang' }, code: 'unknown-outcome', created: 0 },
    { name: 'a rate limit', fault: { kind: 'rate-limit', resetInSeconds: 90 }, code: 'rate-limited', created: 0 },
    { name: 'a slow answer', fault: { kind: 'slow', ms: 20 }, code: 'none', created: 1 },
  ])('maps $name to $code', async ({ fault, code, created }) => {
    const fake = await x();
    fake.setFault({ ...fault, times: 1 });
    const outcome: unknown = await xAdapter(fake, timeoutFor(fault))
      .publish(post('a'))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(outcome instanceof PublishError ? outcome.code : String(outcome ?? 'none')).toBe(code);
    expect(fake.posts()).toHaveLength(created);
    if (fault.kind === 'rate-limit' && outcome instanceof PublishError) {
      expect(outcome.resetAt).toEqual(new Date(START.getTime() + 90_000));
    }
  });

  it('deletes a post once: a second DELETE finds it gone, and a read-back says not found', async () => {
    const fake = await x();
    const adapter = xAdapter(fake);
    const receipt = await adapter.publish(post('a'));
    expect(await followUps(adapter).readBack(receipt)).toEqual({ found: true });
    expect(await followUps(adapter).remove(receipt)).toBe('deleted');
    expect(await followUps(adapter).remove(receipt)).toBe('already-gone');
    expect(fake.deletions()).toEqual([{ id: receipt.remoteId, at: START }]);
    expect(fake.posts()).toEqual([]);
    const gone = await followUps(adapter).readBack(receipt);
    expect(gone).toEqual({ found: false, reason: `X: Could not find tweet with id: [${receipt.remoteId}].` });
  });

  it('reads back as not found a post deleted on x.com, and a deletion or read-back is retried on a 503', async () => {
    const fake = await x();
    const adapter = xAdapter(fake);
    const receipt = await adapter.publish(post('a'));
    fake.setFault({ kind: 'status', status: 503, body: 'json', on: 'any', times: 1 });
    expect((await publishError(followUps(adapter).readBack(receipt))).code).toBe('transient');
    fake.setFault({ kind: 'reset', on: 'any', times: 1 });
    expect((await publishError(followUps(adapter).remove(receipt))).code).toBe('transient');
    fake.deleteOutside(receipt.remoteId);
    expect(await followUps(adapter).readBack(receipt)).toMatchObject({ found: false });
  });

  it('posts a correction as a reply, and refuses a reply to a deleted post', async () => {
    const fake = await x();
    const adapter = xAdapter(fake);
    const parent = await adapter.publish(post('a'));
    const reply = await adapter.publish({ ...post('fix', 'Correction: the vote was 7-2.'), replyTo: parent });
    expect(fake.posts().find((item) => item.id === reply.remoteId)?.replyTo).toBe(parent.remoteId);
    await followUps(adapter).remove(parent);
    const refused = await publishError(adapter.publish({ ...post('fix2', 'Correction again'), replyTo: parent }));
    expect([refused.code, refused.status]).toEqual(['auth', 403]);
  });

  it("lists the account's posts since a time, newest first, with the links as posted", async () => {
    const fake = await x();
    const adapter = xAdapter(fake);
    await adapter.publish(post('old'));
    advance(10 * 60_000);
    const since = clock;
    const first = await adapter.publish(post('a'));
    advance(1_000);
    const second = await adapter.publish(post('b'));
    const listed = await followUps(adapter).recentPosts(since);
    expect(listed.map((item) => item.remoteId)).toEqual([second.remoteId, first.remoteId]);
    expect(listed[1]).toEqual({
      remoteId: first.remoteId,
      url: `https://x.com/i/web/status/${first.remoteId}`,
      // X answers the text with a t.co link; the entities give back the link as posted.
      text: post('a').text,
      links: ['https://news.example/a'],
      createdAt: new Date(START.getTime() + 10 * 60_000),
    });
  });

  it('checks the credentials with GET /2/users/me and reports the rate budget from its headers', async () => {
    const fake = await x();
    const info = await xAdapter(fake).verify();
    expect(info.account).toBe('@newsroom');
    expect(info.budget).toEqual([
      {
        label: 'requests to GET /2/users/me per 15 min',
        limit: 900,
        remaining: 899,
        resetAt: new Date(START.getTime() + 15 * 60_000),
      },
    ]);
  });

  it('accepts only http(s) base URLs', () => {
    const channel = { id: 'x', platform: 'x', dryRun: true };
    expect(xChannelSchema.safeParse({ ...channel, apiBaseUrl: 'http://127.0.0.1:8080' }).success).toBe(true);
    expect(xChannelSchema.safeParse({ ...channel, apiBaseUrl: 'ftp://proxy.example' }).success).toBe(false);
  });
});
