/**
 * The one classification of HTTP statuses and network errors (src/platforms/http-outcome.ts),
 * pinned as a table, and the same table run through each platform's real error mapper with the
 * error object its library really throws: twitter-api-v2's ApiResponseError / ApiRequestError /
 * ApiPartialResponseError, @atproto/xrpc's XRPCError (produced by the real client over a fake
 * fetch), masto's MastoHttpError and friends. The three platforms agree on every row; what only
 * one platform means is listed at the end with its documentation.
 */
import { ClientRequest, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { AtpAgent } from '@atproto/api';
import { MastoDeserializeError, MastoHttpError, MastoTimeoutError, MastoUnexpectedError } from 'masto';
import { ApiPartialResponseError, ApiRequestError, ApiResponseError, type TwitterApiErrorData } from 'twitter-api-v2';
import { describe, expect, it } from 'vitest';
import { mapBlueskyError } from '../../src/platforms/bluesky/errors.js';
import { keepHttpStatus } from '../../src/platforms/bluesky/http-status.js';
import type { PublishError, PublishErrorCode } from '../../src/platforms/errors.js';
import { httpOutcome } from '../../src/platforms/http-outcome.js';
import { mapMastodonError } from '../../src/platforms/mastodon/errors.js';
import { X_DUPLICATE_PREFIX, mapXError } from '../../src/platforms/x/errors.js';

/** Every status class, with what it means for a post. */
const STATUSES: readonly (readonly [number, PublishErrorCode])[] = [
  [400, 'rejected'],
  [401, 'auth'],
  [403, 'auth'],
  [404, 'rejected'],
  // RFC 9110 §15.5.9: the server never received the whole request, so it never acted.
  [408, 'transient'],
  // RFC 9110 §15.5.10: the same request meets the same conflict.
  [409, 'rejected'],
  [413, 'rejected'],
  [422, 'rejected'],
  // RFC 8470 §5.2: refused as early data before processing.
  [425, 'transient'],
  [429, 'rate-limited'],
  [500, 'unknown-outcome'],
  [502, 'unknown-outcome'],
  [503, 'unknown-outcome'],
  [504, 'unknown-outcome'],
];

/** System error codes, with whether the request can have left. */
const NETWORK: readonly (readonly [string, PublishErrorCode])[] = [
  ['ECONNREFUSED', 'transient'],
  ['ENOTFOUND', 'transient'],
  ['EAI_AGAIN', 'transient'],
  ['EHOSTUNREACH', 'transient'],
  ['ENETUNREACH', 'transient'],
  ['UND_ERR_CONNECT_TIMEOUT', 'transient'],
  ['CERT_HAS_EXPIRED', 'transient'],
  ['ECONNRESET', 'unknown-outcome'],
  ['ETIMEDOUT', 'unknown-outcome'],
  ['EPIPE', 'unknown-outcome'],
  ['ECONNABORTED', 'unknown-outcome'],
  ['UND_ERR_SOCKET', 'unknown-outcome'],
  ['UND_ERR_HEADERS_TIMEOUT', 'unknown-outcome'],
  ['UND_ERR_BODY_TIMEOUT', 'unknown-outcome'],
];

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 203.0.113.7:443`), { code });
}

/** What Node's fetch throws when the connection fails: the system error sits in `cause`. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

describe('httpOutcome: the table', () => {
  it.each(STATUSES)('HTTP %i is %s', (status, outcome) => {
    expect(httpOutcome({ kind: 'status', status })).toBe(outcome);
  });

  it.each([
    [402, 'rejected'],
    [405, 'rejected'],
    [410, 'rejected'],
    [415, 'rejected'],
    [451, 'rejected'],
    [501, 'unknown-outcome'],
    [505, 'unknown-outcome'],
    // Not an error status, yet it reached a mapper: an answer that could not be used.
    [200, 'unknown-outcome'],
    [304, 'unknown-outcome'],
  ] as const)('the rest of its class: HTTP %i is %s', (status, outcome) => {
    expect(httpOutcome({ kind: 'status', status })).toBe(outcome);
  });

  it.each(NETWORK)('%s is %s, found a few causes deep', (code, outcome) => {
    expect(httpOutcome({ kind: 'network', error: systemError(code) })).toBe(outcome);
    expect(httpOutcome({ kind: 'network', error: fetchFailed(systemError(code)) })).toBe(outcome);
  });

  it('a happy-eyeballs connect is transient only when every address failed before sending', () => {
    const refusedTwice = new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')], 'connect failed');
    expect(httpOutcome({ kind: 'network', error: fetchFailed(refusedTwice) })).toBe('transient');
    const mixed = new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNRESET')], 'connect failed');
    expect(httpOutcome({ kind: 'network', error: fetchFailed(mixed) })).toBe('unknown-outcome');
  });

  it('a failure with no system code (a timeout, an abort, anything else) is an unknown outcome', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(httpOutcome({ kind: 'network', error: timeout })).toBe('unknown-outcome');
    expect(httpOutcome({ kind: 'network', error: new Error('socket hang up') })).toBe('unknown-outcome');
    expect(httpOutcome({ kind: 'network', error: undefined })).toBe('unknown-outcome');
  });

  it('an answer whose status was lost (a body that is not JSON) is an unknown outcome', () => {
    expect(httpOutcome({ kind: 'unreadable-body' })).toBe('unknown-outcome');
  });
});

// ── the three mappers, each fed its library's own error objects ─────────────────────────────

interface PlatformUnderTest {
  name: 'x' | 'bluesky' | 'mastodon';
  fromStatus(status: number): Promise<PublishError>;
  fromNetwork(error: Error): Promise<PublishError>;
  /** Every way the platform's library reports an answer whose status it could not keep. */
  unreadable(): Promise<PublishError[]>;
}

// twitter-api-v2's mapper reads status, headers and body only; the request is never touched.
const request = Object.create(ClientRequest.prototype) as ClientRequest;

function incoming(status: number): IncomingMessage {
  const message = new IncomingMessage(new Socket());
  message.statusCode = status;
  return message;
}

const x: PlatformUnderTest = {
  name: 'x',
  async fromStatus(status) {
    const data: TwitterApiErrorData = { title: 'Something', detail: 'went wrong', type: 'about:blank' };
    return mapXError(new ApiResponseError(`Request failed with code ${status}`, { code: status, data, headers: {}, request, response: incoming(status) }));
  },
  async fromNetwork(error) {
    // Built the way twitter-api-v2 1.29.1's request handler builds it: the socket error in `error`.
    return mapXError(new ApiRequestError('Request failed.', { request, error }));
  },
  async unreadable() {
    const partial = new ApiPartialResponseError('Request failed with partial response with HTTP code 201 (parse error)', {
      request,
      response: incoming(201),
      responseError: new SyntaxError('Unexpected end of JSON input'),
      rawContent: '{"data":{"id":',
    });
    return [mapXError(partial)];
  },
};

/** What the real @atproto/xrpc client throws when the adapter's fetch answers or fails so. */
async function xrpcErrorFrom(fetchImpl: typeof globalThis.fetch): Promise<unknown> {
  const agent = new AtpAgent({ service: 'https://pds.example', fetch: keepHttpStatus(fetchImpl) });
  try {
    await agent.com.atproto.server.describeServer();
  } catch (error) {
    return error;
  }
  throw new Error('the call did not fail');
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const bluesky: PlatformUnderTest = {
  name: 'bluesky',
  async fromStatus(status) {
    // A neutral XRPC error name: only the status decides.
    return mapBlueskyError(await xrpcErrorFrom(async () => json(status, { error: 'Failed', message: 'went wrong' })));
  },
  async fromNetwork(error) {
    return mapBlueskyError(await xrpcErrorFrom(async () => Promise.reject(fetchFailed(error))));
  },
  async unreadable() {
    // A 2xx whose body fails the lexicon (XRPCInvalidResponseError), and one that is not JSON.
    return [
      mapBlueskyError(await xrpcErrorFrom(async () => json(200, { unexpected: true }))),
      mapBlueskyError(await xrpcErrorFrom(async () => new Response('<html>ok</html>', { status: 200, headers: { 'content-type': 'text/html' } }))),
    ];
  },
};

const mastodon: PlatformUnderTest = {
  name: 'mastodon',
  async fromStatus(status) {
    // Built the way masto 7.12 builds it: the JSON `error` as message, the Response as cause.
    const response = json(status, { error: 'went wrong' });
    return mapMastodonError(new MastoHttpError({ statusCode: status, message: 'went wrong' }, { cause: response }));
  },
  async fromNetwork(error) {
    return mapMastodonError(fetchFailed(error));
  },
  async unreadable() {
    return [
      mapMastodonError(new MastoUnexpectedError('The server returned data with an unknown encoding. The server may be down.')),
      mapMastodonError(new MastoDeserializeError('Malformed JSON', 'json', '{')),
      // masto 7.12 on a text/html error page (a proxy's 502): destructuring an undefined body.
      mapMastodonError(new TypeError("Cannot destructure property 'error' of 'data' as it is undefined.")),
    ];
  },
};

const PLATFORMS = [x, bluesky, mastodon] as const;

describe.each(PLATFORMS)('$name mapper agrees with the table', (platform) => {
  it.each(STATUSES)('HTTP %i → %s, keeping the status and the library error', async (status, outcome) => {
    const error = await platform.fromStatus(status);
    expect(error.code).toBe(outcome);
    expect(error.status).toBe(status);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each(NETWORK)('%s → %s', async (code, outcome) => {
    const error = await platform.fromNetwork(systemError(code));
    expect(error.code).toBe(outcome);
    expect(error.status).toBeUndefined();
  });

  it('every address refused (AggregateError) → transient; a timeout with no code → unknown-outcome', async () => {
    const refused = new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')], 'connect failed');
    expect((await platform.fromNetwork(refused)).code).toBe('transient');
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect((await platform.fromNetwork(timeout)).code).toBe('unknown-outcome');
  });

  it('an answer whose status was lost → unknown-outcome', async () => {
    const errors = await platform.unreadable();
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error.code).toBe('unknown-outcome');
  });
});

describe('where a library or a platform says more than the status', () => {
  it('@atproto/xrpc folds 408, 409, 422 and 425 into 400; the adapter’s fetch keeps the real status', async () => {
    const plain = await (async () => {
      const agent = new AtpAgent({ service: 'https://pds.example', fetch: async () => json(408, { error: 'Failed' }) });
      return agent.com.atproto.server.describeServer().catch((error: unknown) => error);
    })();
    // Without keepHttpStatus the mapper could only see a 400 and would call it rejected.
    expect(mapBlueskyError(plain)).toMatchObject({ code: 'rejected', status: 400 });
    expect(await bluesky.fromStatus(408)).toMatchObject({ code: 'transient', status: 408 });
  });

  it('X: 420 is v1.1’s rate limit; a 403 "duplicate content" is a rejection of a post already there', async () => {
    // https://developer.x.com/en/support/x-api/error-troubleshooting
    expect((await x.fromStatus(420)).code).toBe('rate-limited');
    const duplicate = mapXError(
      new ApiResponseError('Request failed with code 403', {
        code: 403,
        data: { detail: 'You are not allowed to create a Tweet with duplicate content.', title: 'Forbidden', type: 'about:blank' },
        headers: {},
        request,
        response: incoming(403),
      }),
    );
    expect(duplicate).toMatchObject({ code: 'rejected', alreadyPosted: true });
    expect(duplicate.message.startsWith(X_DUPLICATE_PREFIX)).toBe(true);
  });

  it('Bluesky: a refused or expired session is auth whatever the status, and RateLimitExceeded is a rate limit', async () => {
    // https://docs.bsky.app/docs/api/com-atproto-server-create-session
    const expired = await xrpcErrorFrom(async () => json(400, { error: 'ExpiredToken', message: 'Token has expired' }));
    expect(mapBlueskyError(expired).code).toBe('auth');
    const limited = await xrpcErrorFrom(async () => json(400, { error: 'RateLimitExceeded', message: 'slow down' }));
    expect(mapBlueskyError(limited).code).toBe('rate-limited');
  });

  it('Mastodon: masto’s own timeout is an unknown outcome', () => {
    const timeout = new MastoTimeoutError('Request timed out', {
      cause: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    });
    expect(mapMastodonError(timeout).code).toBe('unknown-outcome');
  });
});
