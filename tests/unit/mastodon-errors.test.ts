import { MastoDeserializeError, MastoHttpError, MastoTimeoutError, MastoUnexpectedError } from 'masto';
import { describe, expect, it } from 'vitest';
import { PublishError } from '../../src/platforms/errors.js';
import { mapMastodonError, mastodonResetAt } from '../../src/platforms/mastodon/errors.js';

/** Built the way masto 7.12 builds it: the JSON `error` as message, the Response as cause. */
function httpError(
  statusCode: number,
  message: string,
  headers: Record<string, string> = {},
  description?: string,
): MastoHttpError {
  const response = new Response(JSON.stringify({ error: message }), {
    status: statusCode,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return new MastoHttpError({ statusCode, message, description }, { cause: response });
}

/** What Node's fetch throws when the connection fails: the system error sits in `cause`. */
function fetchFailed(code: string): TypeError {
  return new TypeError('fetch failed', {
    cause: Object.assign(new Error(`connect ${code} 203.0.113.7:443`), { code }),
  });
}

describe('mapMastodonError: HTTP answers', () => {
  it('maps 429 to rate-limited with resetAt from X-RateLimit-Reset (ISO 8601)', () => {
    const error = mapMastodonError(
      httpError(429, 'Too many requests', {
        'X-RateLimit-Limit': '300',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': '2025-03-01T12:05:00.000Z',
      }),
    );
    expect(error.code).toBe('rate-limited');
    expect(error.status).toBe(429);
    expect(error.resetAt).toEqual(new Date('2025-03-01T12:05:00.000Z'));
  });

  it('leaves resetAt unset when the header is missing or not a time', () => {
    expect(mapMastodonError(httpError(429, 'Too many requests')).resetAt).toBeUndefined();
    expect(
      mapMastodonError(httpError(429, 'Too many requests', { 'X-RateLimit-Reset': 'later' })).resetAt,
    ).toBeUndefined();
  });

  it.each([
    [401, 'auth'],
    [403, 'auth'],
    [400, 'rejected'],
    [404, 'rejected'],
    [413, 'rejected'],
    [422, 'rejected'],
    // RFC 9110 §15.5.9: the server never got the whole request, so it never acted.
    [408, 'transient'],
    [500, 'unknown-outcome'],
    [502, 'unknown-outcome'],
    [503, 'unknown-outcome'],
  ] as const)('maps HTTP %i to %s', (status, code) => {
    const error = mapMastodonError(httpError(status, 'Something went wrong'));
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.cause).toBeInstanceOf(MastoHttpError);
  });

  it("keeps the server's reason and description for a rejection", () => {
    const error = mapMastodonError(
      httpError(422, 'Validation failed: Text character limit of 500 exceeded', {}, 'too long'),
    );
    expect(error.message).toContain('Validation failed: Text character limit of 500 exceeded: too long');
  });
});

describe('mapMastodonError: answers masto cannot read', () => {
  it('maps MastoUnexpectedError (an error body of unknown type) to unknown-outcome', () => {
    const error = mapMastodonError(
      new MastoUnexpectedError('The server returned data with an unknown encoding. The server may be down.'),
    );
    expect(error.code).toBe('unknown-outcome');
    expect(error.status).toBeUndefined();
  });

  it('maps MastoDeserializeError (malformed JSON) to unknown-outcome', () => {
    expect(mapMastodonError(new MastoDeserializeError('Malformed JSON', 'json', '{')).code).toBe('unknown-outcome');
  });

  it('maps the TypeError masto 7.12 throws for a text/html error page to unknown-outcome', () => {
    const error = mapMastodonError(new TypeError("Cannot destructure property 'error' of 'data' as it is undefined."));
    expect(error.code).toBe('unknown-outcome');
  });
});

describe('mapMastodonError: network', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'])(
    'maps fetch failed with %s (nothing was sent) to transient',
    (code) => {
      const error = mapMastodonError(fetchFailed(code));
      expect(error.code).toBe('transient');
      expect(error.message).toContain(code);
    },
  );

  it('finds the code on a bare system error too', () => {
    expect(mapMastodonError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code).toBe(
      'transient',
    );
  });

  it.each(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'])(
    'maps fetch failed with %s (may have been sent) to unknown-outcome',
    (code) => {
      expect(mapMastodonError(fetchFailed(code)).code).toBe('unknown-outcome');
    },
  );

  it('maps a timeout to unknown-outcome', () => {
    const timeout = new MastoTimeoutError('Request timed out', {
      cause: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    });
    expect(mapMastodonError(timeout).code).toBe('unknown-outcome');
  });

  it('maps a caller abort to unknown-outcome', () => {
    expect(mapMastodonError(new DOMException('This operation was aborted', 'AbortError')).code).toBe('unknown-outcome');
  });
});

describe('mapMastodonError: anything else', () => {
  it('passes PublishErrors through unchanged', () => {
    const original = new PublishError('rejected', 'no');
    expect(mapMastodonError(original)).toBe(original);
  });

  it('keeps the original error as cause', () => {
    const cause = new Error('boom');
    expect(mapMastodonError(cause).cause).toBe(cause);
  });
});

describe('mastodonResetAt', () => {
  it('reads the header from a Response-like cause and ignores anything else', () => {
    expect(mastodonResetAt(new Response(null, { headers: { 'x-ratelimit-reset': '2025-03-01T12:05:00Z' } }))).toEqual(
      new Date('2025-03-01T12:05:00Z'),
    );
    expect(mastodonResetAt(undefined)).toBeUndefined();
    expect(mastodonResetAt({ headers: { 'x-ratelimit-reset': '2025-03-01T12:05:00Z' } })).toBeUndefined();
  });
});
