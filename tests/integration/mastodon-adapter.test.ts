import type { IncomingHttpHeaders } from 'node:http';
import nock from 'nock';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '../../src/articles/article.js';
import { deliveryKey } from '../../src/delivery/idempotency-key.js';
import type { AdapterDeps, OutboundPost } from '../../src/platforms/contract.js';
import { createMastodonAdapter, type MastodonAdapterOptions } from '../../src/platforms/mastodon/adapter.js';
import type { MastodonChannel } from '../../src/platforms/mastodon/channel.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { memoryChannelState } from '../support/channel-state.js';
import { loopbackPolicy } from '../support/network.js';
import { followUps } from '../support/follow-ups.js';
import { publishError } from '../support/publish-error.js';

const loopback = loopbackPolicy();

const INSTANCE = 'https://social.example';
const TOKEN = 'masto-token';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const FAST: MastodonAdapterOptions = { mediaPolling: { intervalMs: 1, timeoutMs: 3 } };

interface Seen {
  headers: IncomingHttpHeaders;
  body: unknown;
}

let images: TestServer;
const imageHits: string[] = [];

beforeAll(async () => {
  nock.disableNetConnect();
  // Article images come from a real loopback server (undici's fetch is not seen by nock), and
  // one test needs a real refused connection there.
  nock.enableNetConnect('127.0.0.1');
  images = await startServer((req, res) => {
    imageHits.push(req.url ?? '');
    if (req.url === '/photo.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else if (req.url === '/unlabelled') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(PNG);
    else if (req.url === '/huge.png')
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(10 * 1024 * 1024 + 1));
    else res.writeHead(404).end();
  });
});

afterAll(async () => {
  await images.close();
  nock.enableNetConnect();
});

afterEach(() => {
  expect(nock.isDone()).toBe(true);
  nock.cleanAll();
  imageHits.length = 0;
});

function channel(overrides: Partial<MastodonChannel> = {}): MastodonChannel {
  return {
    id: 'masto-main',
    platform: 'mastodon',
    dryRun: false,
    images: true,
    instance: INSTANCE,
    visibility: 'unlisted',
    spoilerText: 'Politics',
    language: 'de',
    credentials: { accessToken: TOKEN },
    ...overrides,
  };
}

/** `policy: 'default'`: no fetchDispatcher, so the adapter keeps to the strict policy of its own. */
function deps(policy: 'loopback' | 'default' = 'loopback'): AdapterDeps {
  const state = new Map<string, string>();
  return {
    logger: pino({ level: 'silent' }),
    channelState: memoryChannelState(state),
    now: () => new Date('2025-03-01T12:00:00Z'),
    // Images come from a loopback test server, which the network policy refuses by default.
    ...(policy === 'loopback' ? { fetchDispatcher: loopback.dispatcher } : {}),
  };
}

function article(overrides: Partial<Article> = {}): Article {
  return {
    sourceId: 'main',
    key: 'k1',
    url: 'https://news.example/budget?utm_source=rss',
    canonicalUrl: 'https://news.example/budget',
    title: 'Council approves budget',
    summary: '',
    categories: [],
    tags: [],
    authors: [],
    publishedAt: new Date('2025-03-01T11:00:00Z'),
    ...overrides,
  };
}

function post(channelId = 'masto-main', overrides: Partial<Article> = {}): OutboundPost {
  const a = article(overrides);
  return {
    deliveryId: 11,
    channelId,
    text: 'Council approves budget https://news.example/budget',
    article: a,
    idempotencyKey: deliveryKey(a, channelId),
    prepared: undefined,
  };
}

function status(id: string): object {
  return {
    id,
    uri: `${INSTANCE}/users/news/statuses/${id}`,
    url: `${INSTANCE}/@news/${id}`,
    content: '<p>x</p>',
    visibility: 'unlisted',
  };
}

/** Records what the client really sent and answers with `reply`. */
function capture(
  seen: Seen[],
  code: number,
  body: object | string,
  headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' },
) {
  return function (this: nock.ReplyFnContext, _uri: string, requestBody: nock.Body): nock.ReplyFnResult {
    seen.push({ headers: this.req.headers, body: requestBody });
    return [code, body, headers];
  };
}

function asBuffer(body: unknown): Buffer {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  // nock hands over bodies that are not valid UTF-8 as hex.
  return /^[0-9a-f]+$/i.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : Buffer.from(text, 'utf8');
}


describe('Mastodon adapter: publish', () => {
  it('creates the status as JSON with the bearer token, Idempotency-Key and channel settings', async () => {
    const seen: Seen[] = [];
    nock(INSTANCE)
      .post('/api/v1/statuses')
      .reply(capture(seen, 200, status('1134')));

    const receipt = await createMastodonAdapter(channel(), deps()).publish(post());

    expect(receipt).toEqual({ remoteId: '1134', url: `${INSTANCE}/@news/1134` });
    const request = seen[0];
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['idempotency-key']).toBe(deliveryKey({ canonicalUrl: 'https://news.example/budget', sourceId: 'news', key: 'budget' }, 'masto-main'));
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    expect(request?.body).toEqual({
      status: 'Council approves budget https://news.example/budget',
      visibility: 'unlisted',
      // The article declares none; its English headline wins over the channel's 'de'.
      language: 'en',
      spoiler_text: 'Politics',
    });
  });

  it("always sends a language: the article's, else the one detected from its text, else the channel's", async () => {
    const seen: Seen[] = [];
    nock(INSTANCE)
      .post('/api/v1/statuses')
      .times(3)
      .reply(capture(seen, 200, status('1')));

    await createMastodonAdapter(channel(), deps()).publish(post('masto-main', { language: 'fr' }));
    const japanese = { title: '東京で新しい橋が開通、通勤時間が短縮へ', summary: '新しい橋は三年の工事を経て完成し、市民は朝から渡り始めました。' };
    await createMastodonAdapter(channel(), deps()).publish(post('masto-main', japanese));
    // Too little text to be sure of: the channel's language (the runtime folds defaults.language in).
    await createMastodonAdapter(channel({ language: 'pt-BR' }), deps()).publish(post('masto-main', { title: 'Brexit', summary: '' }));

    expect(seen.map((request) => (request.body as { language?: string }).language)).toEqual(['fr', 'ja', 'pt-BR']);
  });

  it('sends the same Idempotency-Key on every attempt of a delivery, and another for another channel', async () => {
    const first: Seen[] = [];
    const second: Seen[] = [];
    nock(INSTANCE)
      .post('/api/v1/statuses')
      .reply(capture(first, 503, { error: 'Service Unavailable' }))
      .post('/api/v1/statuses')
      .reply(capture(first, 200, status('77')));
    nock('https://other.example')
      .post('/api/v1/statuses')
      .reply(capture(second, 200, status('5')));

    const adapter = createMastodonAdapter(channel(), deps());
    const delivery = post();
    expect((await publishError(adapter.publish(delivery))).code).toBe('unknown-outcome');
    expect((await adapter.publish(delivery)).remoteId).toBe('77');
    await createMastodonAdapter(channel({ id: 'masto-other', instance: 'https://other.example' }), deps()).publish(
      post('masto-other'),
    );

    const [attempt1, attempt2] = first.map((seen) => seen.headers['idempotency-key']);
    expect(attempt1).toBeTruthy();
    expect(attempt2).toBe(attempt1);
    expect(second[0]?.headers['idempotency-key']).toBeTruthy();
    expect(second[0]?.headers['idempotency-key']).not.toBe(attempt1);
  });

  it('uploads the image with its description, waits until it is processed, then attaches it', async () => {
    const upload: Seen[] = [];
    const polls: Seen[] = [];
    const statuses: Seen[] = [];
    nock(INSTANCE)
      .post('/api/v2/media')
      .reply(capture(upload, 202, { id: 'm1', type: 'image', url: null, preview_url: null, description: 'x' }))
      .get('/api/v1/media/m1')
      .reply(capture(polls, 206, { id: 'm1', type: 'image', url: null }))
      .get('/api/v1/media/m1')
      .reply(capture(polls, 200, { id: 'm1', type: 'image', url: 'https://files.social.example/m1.png' }))
      .post('/api/v1/statuses')
      .reply(capture(statuses, 200, status('2')));

    await createMastodonAdapter(channel(), deps(), FAST).publish(
      post('masto-main', { image: { url: `${images.url}/photo.png`, alt: 'Councillors voting' } }),
    );

    expect(imageHits).toEqual(['/photo.png']);
    expect(upload[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(upload[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = asBuffer(upload[0]?.body);
    expect(form.toString('latin1')).toMatch(/name="file"; filename="image\.png"\r\nContent-Type: image\/png\r\n\r\n/);
    expect(form.includes(PNG)).toBe(true);
    expect(form.toString('latin1')).toMatch(/name="description"\r\n\r\nCouncillors voting\r\n/);
    expect(polls).toHaveLength(2);
    expect(polls[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(statuses[0]?.body).toMatchObject({ media_ids: ['m1'] });
  });

  it('posts without an image on a loopback address unless allowed: built alone, the adapter keeps to a strict network policy', async () => {
    const statuses: Seen[] = [];
    nock(INSTANCE).post('/api/v1/statuses').reply(capture(statuses, 200, status('9')));

    await createMastodonAdapter(channel(), deps('default'), FAST).publish(post('masto-main', { image: { url: `${images.url}/photo.png` } }));

    expect(imageHits).toEqual([]);
    expect(statuses[0]?.body).not.toHaveProperty('media_ids');
  });

  it('does not poll an image that came back processed, and never sends an undefined description', async () => {
    const upload: Seen[] = [];
    const statuses: Seen[] = [];
    nock(INSTANCE)
      .post('/api/v2/media')
      .reply(capture(upload, 200, { id: 'm2', type: 'image', url: 'https://files.social.example/m2.png' }))
      .post('/api/v1/statuses')
      .reply(capture(statuses, 200, status('3')));

    // The server labels the image application/octet-stream; the bytes say PNG.
    await createMastodonAdapter(channel(), deps(), FAST).publish(
      post('masto-main', { image: { url: `${images.url}/unlabelled` } }),
    );

    const form = asBuffer(upload[0]?.body).toString('latin1');
    expect(form).toContain('Content-Type: image/png');
    expect(form).not.toContain('name="description"');
    expect(statuses[0]?.body).toMatchObject({ media_ids: ['m2'] });
  });

  it('posts without the image when processing does not finish in time', async () => {
    const statuses: Seen[] = [];
    nock(INSTANCE)
      .post('/api/v2/media')
      .reply(202, { id: 'm3', type: 'image', url: null }, { 'content-type': 'application/json' })
      .get('/api/v1/media/m3')
      .times(3)
      .reply(206, { id: 'm3', type: 'image', url: null }, { 'content-type': 'application/json' })
      .post('/api/v1/statuses')
      .reply(capture(statuses, 200, status('4')));

    await createMastodonAdapter(channel(), deps(), FAST).publish(
      post('masto-main', { image: { url: `${images.url}/photo.png` } }),
    );

    expect(statuses[0]?.body).not.toHaveProperty('media_ids');
  });

  it('keeps polling through a 404 and gives the image up when the check itself fails', async () => {
    const statuses: Seen[] = [];
    nock(INSTANCE)
      .post('/api/v2/media')
      .reply(202, { id: 'm4', type: 'image', url: null }, { 'content-type': 'application/json' })
      .get('/api/v1/media/m4')
      .reply(404, { error: 'Record not found' }, { 'content-type': 'application/json' })
      .get('/api/v1/media/m4')
      .reply(500, { error: 'Internal server error' }, { 'content-type': 'application/json' })
      .post('/api/v1/statuses')
      .reply(capture(statuses, 200, status('8')));

    await createMastodonAdapter(channel(), deps(), FAST).publish(
      post('masto-main', { image: { url: `${images.url}/photo.png` } }),
    );

    expect(statuses[0]?.body).not.toHaveProperty('media_ids');
  });

  it('posts without the image when the upload is refused or the image is too large to fetch', async () => {
    const statuses: Seen[] = [];
    nock(INSTANCE)
      .post('/api/v2/media')
      .reply(422, { error: 'Validation failed: File content type is invalid' }, { 'content-type': 'application/json' })
      .post('/api/v1/statuses')
      .times(2)
      .reply(capture(statuses, 200, status('5')));

    const adapter = createMastodonAdapter(channel(), deps(), FAST);
    await adapter.publish(post('masto-main', { image: { url: `${images.url}/photo.png` } }));
    await adapter.publish(post('masto-main', { image: { url: `${images.url}/huge.png` } }));

    expect(imageHits).toEqual(['/photo.png', '/huge.png']);
    expect(statuses.map((seen) => seen.body)).toEqual([
      expect.not.objectContaining({ media_ids: expect.anything() }),
      expect.not.objectContaining({ media_ids: expect.anything() }),
    ]);
  });

  it('does not fetch the image when the channel turns images off', async () => {
    nock(INSTANCE).post('/api/v1/statuses').reply(200, status('6'), { 'content-type': 'application/json' });
    await createMastodonAdapter(channel({ images: false }), deps()).publish(
      post('masto-main', { image: { url: `${images.url}/photo.png` } }),
    );
    expect(imageHits).toEqual([]);
  });
});

describe('Mastodon adapter: errors', () => {
  it('maps 429 to rate-limited with resetAt from the ISO 8601 X-RateLimit-Reset', async () => {
    nock(INSTANCE).post('/api/v1/statuses').reply(
      429,
      { error: 'Too many requests' },
      {
        'content-type': 'application/json',
        'x-ratelimit-limit': '300',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '2025-03-01T12:05:00.123Z',
      },
    );
    const error = await publishError(createMastodonAdapter(channel(), deps()).publish(post()));
    expect(error.code).toBe('rate-limited');
    expect(error.status).toBe(429);
    expect(error.resetAt).toEqual(new Date('2025-03-01T12:05:00.123Z'));
  });

  it("maps 422 to rejected with the server's reason", async () => {
    nock(INSTANCE)
      .post('/api/v1/statuses')
      .reply(
        422,
        { error: 'Validation failed: Text character limit of 500 exceeded' },
        { 'content-type': 'application/json' },
      );
    const error = await publishError(createMastodonAdapter(channel(), deps()).publish(post()));
    expect(error.code).toBe('rejected');
    expect(error.status).toBe(422);
    expect(error.message).toContain('Validation failed: Text character limit of 500 exceeded');
  });

  it('maps 401 to auth', async () => {
    nock(INSTANCE)
      .post('/api/v1/statuses')
      .reply(401, { error: 'The access token is invalid' }, { 'content-type': 'application/json' });
    const error = await publishError(createMastodonAdapter(channel(), deps()).publish(post()));
    expect([error.code, error.status]).toEqual(['auth', 401]);
  });

  it("maps a proxy's 502 HTML page to unknown-outcome", async () => {
    nock(INSTANCE)
      .post('/api/v1/statuses')
      .reply(502, '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', {
        'content-type': 'text/html',
      });
    expect((await publishError(createMastodonAdapter(channel(), deps()).publish(post()))).code).toBe('unknown-outcome');
  });

  it('maps a 2xx that is not a status to unknown-outcome', async () => {
    nock(INSTANCE).post('/api/v1/statuses').reply(200, '<html>maintenance</html>', { 'content-type': 'text/html' });
    expect((await publishError(createMastodonAdapter(channel(), deps()).publish(post()))).code).toBe('unknown-outcome');
  });

  it('maps a refused connection to transient', async () => {
    nock(INSTANCE)
      .post('/api/v1/statuses')
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect((await publishError(createMastodonAdapter(channel(), deps()).publish(post()))).code).toBe('transient');
  });

  it('maps a real refused connection (fetch failed → ECONNREFUSED cause) to transient', async () => {
    const closed = await startServer((_req, res) => void res.end());
    await closed.close();
    const error = await publishError(createMastodonAdapter(channel({ instance: closed.url }), deps()).publish(post()));
    expect(error.code).toBe('transient');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('maps a request that outlives its timeout to unknown-outcome', async () => {
    nock(INSTANCE)
      .post('/api/v1/statuses')
      .delay(2_000)
      .reply(200, status('9'), { 'content-type': 'application/json' });
    const error = await publishError(
      createMastodonAdapter(channel(), deps(), { requestTimeoutMs: 50 }).publish(post()),
    );
    expect(error.code).toBe('unknown-outcome');
  });
});

describe('Mastodon adapter: verify', () => {
  it('names the account as @user@instance from verify_credentials', async () => {
    const seen: Seen[] = [];
    nock(INSTANCE)
      .get('/api/v1/accounts/verify_credentials')
      .reply(
        capture(seen, 200, {
          id: '109',
          username: 'news',
          acct: 'news',
          display_name: 'News',
          url: `${INSTANCE}/@news`,
        }),
      );
    expect(await createMastodonAdapter(channel(), deps()).verify()).toMatchObject({ account: '@news@social.example' });
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('maps a revoked token to auth', async () => {
    nock(INSTANCE)
      .get('/api/v1/accounts/verify_credentials')
      .reply(401, { error: 'The access token was revoked' }, { 'content-type': 'application/json' });
    expect((await publishError(createMastodonAdapter(channel(), deps()).verify())).code).toBe('auth');
  });
});

describe('Mastodon adapter: corrections, edits, deletions, read-back', () => {
  const json = { 'content-type': 'application/json; charset=utf-8' };

  it('sends a correction with in_reply_to_id and its own Idempotency-Key, and an edit as PUT with the new text', async () => {
    const seen: Seen[] = [];
    nock(INSTANCE)
      .post('/api/v1/statuses')
      .reply(capture(seen, 200, status('22')))
      .get('/api/v1/statuses/11')
      .reply(
        200,
        { ...status('11'), spoiler_text: 'Politics', sensitive: true, language: 'de', media_attachments: [{ id: '77', type: 'image' }] },
        json,
      )
      .put('/api/v1/statuses/11')
      .reply(capture(seen, 200, status('11')));
    const adapter = createMastodonAdapter(channel({ images: false }), deps());
    await adapter.publish({ ...post(), text: 'Correction: 7-2.', idempotencyKey: 'fix-key', replyTo: { remoteId: '11' } });
    await adapter.edit?.({ remoteId: '11' }, 'Council approves budget, 7-2');
    expect(seen[0]?.body).toMatchObject({ status: 'Correction: 7-2.', in_reply_to_id: '11' });
    expect(seen[0]?.headers['idempotency-key']).toBe('fix-key');
    // Sent back whole: Mastodon applies every field of a PUT, so a bare text would drop the rest.
    expect(seen[1]?.body).toEqual({
      status: 'Council approves budget, 7-2',
      spoiler_text: 'Politics',
      sensitive: true,
      language: 'de',
      media_ids: ['77'],
    });
  });

  it('reads a 404 as already gone on DELETE and as not found on GET; a timeout is transient, a 401 auth', async () => {
    nock(INSTANCE)
      .delete('/api/v1/statuses/11')
      .reply(200, status('11'), json)
      .delete('/api/v1/statuses/12')
      .reply(404, { error: 'Record not found' }, json)
      .get('/api/v1/statuses/12')
      .reply(404, { error: 'Record not found' }, json)
      .get('/api/v1/statuses/11')
      .delay(2_000)
      .reply(200, status('11'), json)
      .delete('/api/v1/statuses/13')
      .reply(401, { error: 'The access token was revoked' }, json);
    const adapter = followUps(createMastodonAdapter(channel(), deps(), { requestTimeoutMs: 50 }));
    expect(await adapter.remove({ remoteId: '11' })).toBe('deleted');
    expect(await adapter.remove({ remoteId: '12' })).toBe('already-gone');
    expect(await adapter.readBack({ remoteId: '12' })).toEqual({ found: false, reason: 'Mastodon answered 404 Record not found' });
    expect((await publishError(adapter.readBack({ remoteId: '11' }))).code).toBe('transient');
    expect((await publishError(adapter.remove({ remoteId: '13' }))).code).toBe('auth');
  });
});
