import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import nock from 'nock';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '../../src/articles/article.js';
import type { AdapterDeps, OutboundPost } from '../../src/platforms/contract.js';
import { createXAdapter } from '../../src/platforms/x/adapter.js';
import type { XChannel } from '../../src/platforms/x/channel.js';
import { X_DUPLICATE_PREFIX, isXDuplicate } from '../../src/platforms/x/errors.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { memoryChannelState } from '../support/channel-state.js';
import { loopbackPolicy } from '../support/network.js';
import { followUps } from '../support/follow-ups.js';
import { publishError } from '../support/publish-error.js';

const loopback = loopbackPolicy();

// twitter-api-v2 1.29.1 talks to api.x.com for v2 (tweets, users/me, and the v2 media upload).
const API = 'https://api.x.com';
const CREDENTIALS = {
  appKey: 'app-key',
  appSecret: 'app-secret',
  accessToken: '1-access-token',
  accessSecret: 'access-secret',
};
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

interface Seen {
  headers: IncomingHttpHeaders;
  body: unknown;
}

let images: TestServer;
const imageHits: string[] = [];

beforeAll(async () => {
  nock.disableNetConnect();
  // Article images are fetched with undici, which nock does not intercept: they come from a
  // real loopback server instead.
  nock.enableNetConnect('127.0.0.1');
  images = await startServer((req, res) => {
    imageHits.push(req.url ?? '');
    if (req.url === '/photo.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
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

function channel(overrides: Partial<XChannel> = {}): XChannel {
  return { id: 'x-main', platform: 'x', dryRun: false, images: true, credentials: { ...CREDENTIALS }, ...overrides };
}

function deps(): AdapterDeps {
  const state = new Map<string, string>();
  return {
    logger: pino({ level: 'silent' }),
    channelState: memoryChannelState(state),
    now: () => new Date('2025-03-01T12:00:00Z'),
    // Images come from loopback test servers, which the network policy refuses by default.
    fetchDispatcher: loopback.dispatcher,
  };
}

function post(article: Partial<Article> = {}): OutboundPost {
  return {
    deliveryId: 7,
    channelId: 'x-main',
    text: 'Council approves budget https://news.example/budget',
    idempotencyKey: 'key-1',
    prepared: undefined,
    article: {
      sourceId: 'main',
      key: 'k1',
      url: 'https://news.example/budget',
      canonicalUrl: 'https://news.example/budget',
      title: 'Council approves budget',
      summary: '',
      categories: [],
      tags: [],
      authors: [],
      publishedAt: new Date('2025-03-01T11:00:00Z'),
      ...article,
    },
  };
}

/** Records what the client really sent and answers with `reply`. */
function capture(
  seen: Seen[],
  status: number,
  body: object,
): (this: nock.ReplyFnContext, uri: string, requestBody: nock.Body) => nock.ReplyFnResult {
  return function (this: nock.ReplyFnContext, _uri, requestBody) {
    seen.push({ headers: this.req.headers, body: requestBody });
    return [status, body, { 'content-type': 'application/json' }];
  };
}

function oauthParams(header: string | string[] | undefined): Record<string, string> {
  const value = Array.isArray(header) ? header[0] : header;
  expect(value).toMatch(/^OAuth /);
  const params: Record<string, string> = {};
  for (const match of (value ?? '').slice('OAuth '.length).matchAll(/([\w]+)="([^"]*)"/g)) {
    params[decodeURIComponent(match[1] ?? '')] = decodeURIComponent(match[2] ?? '');
  }
  return params;
}

/** RFC 5849 §3.4 HMAC-SHA1, computed independently of twitter-api-v2. JSON bodies are not signed. */
function expectedSignature(method: string, url: string, params: Record<string, string>): string {
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const normalized = Object.entries(params)
    .filter(([key]) => key !== 'oauth_signature')
    .map(([key, value]) => [enc(key), enc(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const base = `${method}&${enc(url)}&${enc(normalized)}`;
  return createHmac('sha1', `${enc(CREDENTIALS.appSecret)}&${enc(CREDENTIALS.accessSecret)}`)
    .update(base)
    .digest('base64');
}

function asBuffer(body: unknown): Buffer {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  // nock hands over bodies that are not valid UTF-8 as hex.
  return /^[0-9a-f]+$/i.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : Buffer.from(text, 'utf8');
}


describe('X adapter: publish', () => {
  it('posts the text as JSON to /2/tweets, signed with OAuth 1.0a user tokens', async () => {
    const seen: Seen[] = [];
    nock(API)
      .post('/2/tweets')
      .reply(capture(seen, 201, { data: { id: '1890000000000000001', text: 'Council…' } }));

    const receipt = await createXAdapter(channel(), deps()).publish(post());

    expect(receipt).toEqual({ remoteId: '1890000000000000001', url: 'https://x.com/i/web/status/1890000000000000001' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toEqual({ text: 'Council approves budget https://news.example/budget' });
    expect(seen[0]?.headers['content-type']).toMatch(/^application\/json/);
    const oauth = oauthParams(seen[0]?.headers.authorization);
    expect(oauth.oauth_consumer_key).toBe('app-key');
    expect(oauth.oauth_token).toBe('1-access-token');
    expect(oauth.oauth_signature_method).toBe('HMAC-SHA1');
    expect(oauth.oauth_version).toBe('1.0');
    expect(oauth.oauth_signature).toBe(expectedSignature('POST', `${API}/2/tweets`, oauth));
  });

  it('uploads the article image through the v2 chunked upload, sets its alt text and attaches it', async () => {
    const seen: Record<string, Seen[]> = { init: [], append: [], finalize: [], metadata: [], tweet: [] };
    nock(API)
      .post('/2/media/upload/initialize')
      .reply(
        capture(seen.init ?? [], 200, {
          data: { id: '710511363345354753', media_key: '3_710511363345354753', expires_after_secs: 86400 },
        }),
      )
      .post('/2/media/upload/710511363345354753/append')
      .reply(capture(seen.append ?? [], 200, {}))
      .post('/2/media/upload/710511363345354753/finalize')
      .reply(
        capture(seen.finalize ?? [], 200, {
          data: {
            id: '710511363345354753',
            media_key: '3_710511363345354753',
            size: PNG.length,
            expires_after_secs: 86400,
          },
        }),
      )
      .post('/2/media/metadata')
      .reply(
        capture(seen.metadata ?? [], 200, {
          data: { id: '710511363345354753', associated_metadata: { alt_text: { text: 'x' } } },
        }),
      )
      .post('/2/tweets')
      .reply(capture(seen.tweet ?? [], 201, { data: { id: '1890000000000000002', text: 'x' } }));

    const receipt = await createXAdapter(channel(), deps()).publish(
      post({ image: { url: `${images.url}/photo.png`, alt: 'Councillors voting in the chamber' } }),
    );

    expect(receipt.remoteId).toBe('1890000000000000002');
    expect(imageHits).toEqual(['/photo.png']);
    expect(seen.init?.[0]?.body).toEqual({
      media_type: 'image/png',
      total_bytes: PNG.length,
      media_category: 'tweet_image',
    });
    const append = seen.append?.[0];
    expect(append?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const appendBody = asBuffer(append?.body);
    expect(appendBody.toString('latin1')).toMatch(/name="segment_index"\r\n\r\n0\r\n/);
    expect(appendBody.toString('latin1')).toContain('name="media"');
    expect(appendBody.includes(PNG)).toBe(true);
    // multipart bodies stay out of the OAuth signature, and the signature is still right
    const appendOAuth = oauthParams(append?.headers.authorization);
    expect(appendOAuth.oauth_signature).toBe(
      expectedSignature('POST', `${API}/2/media/upload/710511363345354753/append`, appendOAuth),
    );
    expect(seen.finalize).toHaveLength(1);
    expect(seen.metadata?.[0]?.body).toEqual({
      id: '710511363345354753',
      metadata: { alt_text: { text: 'Councillors voting in the chamber' } },
    });
    expect(seen.tweet?.[0]?.body).toEqual({
      text: 'Council approves budget https://news.example/budget',
      media: { media_ids: ['710511363345354753'] },
    });
  });

  it("uses the channel's alt text when the feed gives none, clipped to X's 1000 characters", async () => {
    const seen: Seen[] = [];
    nock(API)
      .post('/2/media/upload/initialize')
      .reply(200, { data: { id: '55', media_key: '3_55', expires_after_secs: 86400 } })
      .post('/2/media/upload/55/append')
      .reply(200, {})
      .post('/2/media/upload/55/finalize')
      .reply(200, { data: { id: '55', media_key: '3_55', expires_after_secs: 86400 } })
      .post('/2/media/metadata')
      .reply(capture(seen, 200, { data: { id: '55' } }))
      .post('/2/tweets')
      .reply(201, { data: { id: '3', text: 'x' } });

    const longAlt = 'Photo from the newsroom archive. '.repeat(60);
    await createXAdapter(channel({ imageAlt: longAlt }), deps()).publish(
      post({ image: { url: `${images.url}/photo.png` } }),
    );

    const body = seen[0]?.body as { metadata: { alt_text: { text: string } } };
    expect([...body.metadata.alt_text.text].length).toBeLessThanOrEqual(1000);
    expect(body.metadata.alt_text.text.startsWith('Photo from the newsroom archive.')).toBe(true);
  });

  it('posts without the image when the image cannot be downloaded', async () => {
    const seen: Seen[] = [];
    nock(API)
      .post('/2/tweets')
      .reply(capture(seen, 201, { data: { id: '4', text: 'x' } }));

    await createXAdapter(channel(), deps()).publish(post({ image: { url: `${images.url}/missing.png` } }));

    expect(imageHits).toEqual(['/missing.png']);
    expect(seen[0]?.body).toEqual({ text: 'Council approves budget https://news.example/budget' });
  });

  it('posts without the image when X refuses the upload', async () => {
    const seen: Seen[] = [];
    nock(API)
      .post('/2/media/upload/initialize')
      .reply(400, {
        title: 'Invalid Request',
        detail: 'One or more parameters to your request was invalid.',
        type: 'about:blank',
      })
      .post('/2/tweets')
      .reply(capture(seen, 201, { data: { id: '5', text: 'x' } }));

    const receipt = await createXAdapter(channel(), deps()).publish(
      post({ image: { url: `${images.url}/photo.png` } }),
    );

    expect(receipt.remoteId).toBe('5');
    expect(seen[0]?.body).toEqual({ text: 'Council approves budget https://news.example/budget' });
  });

  it('does not fetch the image when the channel turns images off', async () => {
    nock(API)
      .post('/2/tweets')
      .reply(201, { data: { id: '6', text: 'x' } });
    await createXAdapter(channel({ images: false }), deps()).publish(
      post({ image: { url: `${images.url}/photo.png` } }),
    );
    expect(imageHits).toEqual([]);
  });
});

describe('X adapter: errors', () => {
  it('maps 429 to rate-limited with resetAt from x-rate-limit-reset (epoch seconds)', async () => {
    nock(API).post('/2/tweets').reply(
      429,
      { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
      {
        'content-type': 'application/json',
        'x-rate-limit-limit': '100',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': '1740833100',
      },
    );
    const error = await publishError(createXAdapter(channel(), deps()).publish(post()));
    expect(error.code).toBe('rate-limited');
    expect(error.status).toBe(429);
    expect(error.resetAt).toEqual(new Date(1740833100 * 1000));
  });

  it('waits for the daily reset when the 24-hour user cap is spent', async () => {
    nock(API).post('/2/tweets').reply(
      429,
      { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
      {
        'content-type': 'application/json',
        'x-rate-limit-limit': '100',
        'x-rate-limit-remaining': '99',
        'x-rate-limit-reset': '1740833100',
        'x-user-limit-24hour-limit': '17',
        'x-user-limit-24hour-remaining': '0',
        'x-user-limit-24hour-reset': '1740902400',
      },
    );
    const error = await publishError(createXAdapter(channel(), deps()).publish(post()));
    expect(error.code).toBe('rate-limited');
    expect(error.resetAt).toEqual(new Date(1740902400 * 1000));
  });

  it('maps the 403 duplicate-content refusal to rejected, recognisable with isXDuplicate', async () => {
    nock(API).post('/2/tweets').reply(
      403,
      {
        detail: 'You are not allowed to create a Tweet with duplicate content.',
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
      },
      {
        'content-type': 'application/json; charset=utf-8',
      },
    );
    const error = await publishError(createXAdapter(channel(), deps()).publish(post()));
    expect(error.code).toBe('rejected');
    expect(error.status).toBe(403);
    expect(error.message.startsWith(X_DUPLICATE_PREFIX)).toBe(true);
    expect(isXDuplicate(error)).toBe(true);
  });

  it('maps 401 and other 403s to auth', async () => {
    nock(API)
      .post('/2/tweets')
      .reply(
        401,
        { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' },
        { 'content-type': 'application/problem+json' },
      )
      .post('/2/tweets')
      .reply(
        403,
        {
          title: 'Forbidden',
          type: 'about:blank',
          status: 403,
          detail: 'You are not permitted to perform this action.',
        },
        {
          'content-type': 'application/problem+json',
        },
      );
    const adapter = createXAdapter(channel(), deps());
    const unauthorized = await publishError(adapter.publish(post()));
    const forbidden = await publishError(adapter.publish(post()));
    expect([unauthorized.code, unauthorized.status]).toEqual(['auth', 401]);
    expect([forbidden.code, forbidden.status]).toEqual(['auth', 403]);
    expect(isXDuplicate(forbidden)).toBe(false);
  });

  it('maps 400 to rejected with X’s own words', async () => {
    nock(API)
      .post('/2/tweets')
      .reply(
        400,
        {
          errors: [{ message: 'text is too long' }],
          title: 'Invalid Request',
          detail: 'One or more parameters to your request was invalid.',
          type: 'https://api.twitter.com/2/problems/invalid-request',
        },
        {
          'content-type': 'application/json',
        },
      );
    const error = await publishError(createXAdapter(channel(), deps()).publish(post()));
    expect(error.code).toBe('rejected');
    expect(error.message).toContain('One or more parameters to your request was invalid.');
  });

  it('maps a 503 HTML page to unknown-outcome', async () => {
    nock(API).post('/2/tweets').reply(503, '<html><body>Over capacity</body></html>', { 'content-type': 'text/html' });
    const error = await publishError(createXAdapter(channel(), deps()).publish(post()));
    expect(error.code).toBe('unknown-outcome');
    expect(error.status).toBe(503);
  });

  it('maps a 2xx without a post id to unknown-outcome', async () => {
    nock(API).post('/2/tweets').reply(200, '<html>captive portal</html>', { 'content-type': 'text/html' });
    const error = await publishError(createXAdapter(channel(), deps()).publish(post()));
    expect(error.code).toBe('unknown-outcome');
  });

  it('maps connection refused to transient and a reset connection to unknown-outcome', async () => {
    // nock 14 needs an Error instance here: a plain object never reaches http.request's 'error'.
    nock(API)
      .post('/2/tweets')
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED 104.244.42.1:443'), { code: 'ECONNREFUSED' }))
      .post('/2/tweets')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const adapter = createXAdapter(channel(), deps());
    expect((await publishError(adapter.publish(post()))).code).toBe('transient');
    expect((await publishError(adapter.publish(post()))).code).toBe('unknown-outcome');
  });

  it('maps a request that outlives its timeout to unknown-outcome', async () => {
    nock(API)
      .post('/2/tweets')
      .delay(2_000)
      .reply(201, { data: { id: '9', text: 'x' } });
    const error = await publishError(createXAdapter(channel(), deps(), { requestTimeoutMs: 50 }).publish(post()));
    expect(error.code).toBe('unknown-outcome');
  });
});

describe('X adapter: verify', () => {
  it('names the account from GET /2/users/me', async () => {
    const seen: Seen[] = [];
    nock(API)
      .get('/2/users/me')
      .reply(capture(seen, 200, { data: { id: '2244994945', name: 'Newsroom', username: 'newsroom' } }));
    expect(await createXAdapter(channel(), deps()).verify()).toMatchObject({ account: '@newsroom' });
    const oauth = oauthParams(seen[0]?.headers.authorization);
    expect(oauth.oauth_signature).toBe(expectedSignature('GET', `${API}/2/users/me`, oauth));
  });

  it('maps revoked tokens to auth', async () => {
    nock(API)
      .get('/2/users/me')
      .reply(
        401,
        { title: 'Unauthorized', status: 401, type: 'about:blank', detail: 'Unauthorized' },
        { 'content-type': 'application/problem+json' },
      );
    expect((await publishError(createXAdapter(channel(), deps()).verify())).code).toBe('auth');
  });
});

describe('X adapter: corrections, deletions, read-back, listing', () => {
  it('sends a correction as a reply to the post it corrects', async () => {
    const seen: Seen[] = [];
    nock(API).post('/2/tweets').reply(capture(seen, 201, { data: { id: '22', text: 'Correction' } }));
    const reply = { ...post(), text: 'Correction: the vote was 7-2.', replyTo: { remoteId: '11' } };
    await createXAdapter(channel({ images: false }), deps()).publish(reply);
    expect(seen[0]?.body).toEqual({ text: 'Correction: the vote was 7-2.', reply: { in_reply_to_tweet_id: '11' } });
  });

  it('reads a 404, `deleted: false` or a resource-not-found problem on DELETE as already gone', async () => {
    const notFound = { title: 'Not Found Error', type: 'https://api.twitter.com/2/problems/resource-not-found', detail: 'gone' };
    nock(API)
      .delete('/2/tweets/11')
      .reply(200, { data: { deleted: true } })
      .delete('/2/tweets/12')
      .reply(404, { title: 'Not Found Error', status: 404, detail: 'gone' }, { 'content-type': 'application/problem+json' })
      .delete('/2/tweets/13')
      .reply(200, { data: { deleted: false } })
      .delete('/2/tweets/14')
      .reply(200, { errors: [notFound] });
    const adapter = createXAdapter(channel(), deps());
    expect(await followUps(adapter).remove({ remoteId: '11' })).toBe('deleted');
    expect(await followUps(adapter).remove({ remoteId: '12' })).toBe('already-gone');
    expect(await followUps(adapter).remove({ remoteId: '13' })).toBe('already-gone');
    expect(await followUps(adapter).remove({ remoteId: '14' })).toBe('already-gone');
  });

  it('maps DELETE failures like a post, except that an unclear answer is transient (deleting again is harmless)', async () => {
    nock(API)
      .delete('/2/tweets/11')
      .reply(503, '<html>Over capacity</html>', { 'content-type': 'text/html' })
      .delete('/2/tweets/11')
      .reply(401, { title: 'Unauthorized', status: 401, detail: 'Unauthorized' }, { 'content-type': 'application/problem+json' })
      .delete('/2/tweets/11')
      .reply(429, { title: 'Too Many Requests', status: 429 }, { 'content-type': 'application/problem+json', 'x-rate-limit-reset': '1740831300' })
      .delete('/2/tweets/11')
      .reply(403, { title: 'Forbidden', status: 403, detail: 'You are not allowed to delete this Tweet.' }, { 'content-type': 'application/problem+json' });
    const adapter = createXAdapter(channel(), deps());
    const ref = { remoteId: '11' };
    const unclear = await publishError(followUps(adapter).remove(ref));
    expect([unclear.code, unclear.status]).toEqual(['transient', 503]);
    expect((await publishError(followUps(adapter).remove(ref))).code).toBe('auth');
    const limited = await publishError(followUps(adapter).remove(ref));
    expect([limited.code, limited.resetAt]).toEqual(['rate-limited', new Date(1740831300 * 1000)]);
    expect((await publishError(followUps(adapter).remove(ref))).code).toBe('auth');
  });

  it('reads back: data is found, a 200 with a Not Found Error problem is not, a reset connection is transient', async () => {
    nock(API)
      .get('/2/tweets/11')
      .query(true)
      .reply(200, { data: { id: '11', text: 'Council…' } })
      .get('/2/tweets/12')
      .query(true)
      .reply(200, {
        errors: [
          {
            value: '12',
            detail: 'Could not find tweet with id: [12].',
            title: 'Not Found Error',
            resource_type: 'tweet',
            parameter: 'id',
            resource_id: '12',
            type: 'https://api.twitter.com/2/problems/resource-not-found',
          },
        ],
      })
      .get('/2/tweets/13')
      .query(true)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const adapter = createXAdapter(channel(), deps());
    expect(await followUps(adapter).readBack({ remoteId: '11' })).toEqual({ found: true });
    expect(await followUps(adapter).readBack({ remoteId: '12' })).toEqual({ found: false, reason: 'X: Could not find tweet with id: [12].' });
    expect((await publishError(followUps(adapter).readBack({ remoteId: '13' }))).code).toBe('transient');
  });

  it("lists the account's posts since a time with the user id from /2/users/me, asked once", async () => {
    let query: Record<string, string> = {};
    nock(API)
      .get('/2/users/me')
      .reply(200, { data: { id: '2244994945', name: 'Newsroom', username: 'newsroom' } })
      .get('/2/users/2244994945/tweets')
      .twice()
      .query((q) => {
        query = q as Record<string, string>;
        return true;
      })
      .reply(200, {
        data: [
          {
            id: '31',
            text: 'Council approves budget https://t.co/abc',
            created_at: '2025-03-01T12:00:05.000Z',
            entities: { urls: [{ start: 24, end: 41, url: 'https://t.co/abc', expanded_url: 'https://news.example/budget' }] },
          },
        ],
        meta: { result_count: 1 },
      });
    const adapter = createXAdapter(channel(), deps());
    const listed = await followUps(adapter).recentPosts(new Date('2025-03-01T11:58:00.250Z'));
    await followUps(adapter).recentPosts(new Date('2025-03-01T11:58:00Z'));
    expect(query).toMatchObject({ start_time: '2025-03-01T11:58:00Z', 'tweet.fields': 'created_at,entities,referenced_tweets' });
    expect(listed).toEqual([
      {
        remoteId: '31',
        url: 'https://x.com/i/web/status/31',
        text: 'Council approves budget https://news.example/budget',
        links: ['https://news.example/budget'],
        createdAt: new Date('2025-03-01T12:00:05Z'),
      },
    ]);
  });
});

describe('X adapter: the cached user id', () => {
  it('belongs to the credentials it was read with: other tokens on the same channel ask /2/users/me again', async () => {
    const shared = deps();
    const timeline = { data: [], meta: { result_count: 0 } };
    nock(API)
      .get('/2/users/me')
      .reply(200, { data: { id: '1', name: 'A', username: 'a' } })
      .get('/2/users/1/tweets')
      .query(true)
      .twice()
      .reply(200, timeline)
      .get('/2/users/me')
      .reply(200, { data: { id: '2', name: 'B', username: 'b' } })
      .get('/2/users/2/tweets')
      .query(true)
      .reply(200, timeline);
    const since = new Date('2025-03-01T11:00:00Z');
    await followUps(createXAdapter(channel(), shared)).recentPosts(since);
    await followUps(createXAdapter(channel(), shared)).recentPosts(since);
    const other = channel({ credentials: { ...CREDENTIALS, accessToken: '2-other-token' } });
    expect(await followUps(createXAdapter(other, shared)).recentPosts(since)).toEqual([]);
  });
});
