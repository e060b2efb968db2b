import { XRPCError } from '@atproto/api';
import { describe, expect, it } from 'vitest';
import { PublishError } from '../../src/platforms/errors.js';
import { isAuthFailure, isBlobNotFound, mapBlueskyError } from '../../src/platforms/bluesky/errors.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** What @atproto/xrpc throws when fetch itself fails: status 1 (Unknown), the fetch error as cause. */
function networkError(cause: unknown): XRPCError {
  return new XRPCError(1, 'Unknown', 'fetch failed', undefined, { cause: new TypeError('fetch failed', { cause }) });
}

describe('mapBlueskyError', () => {
  const now = new Date('2025-06-01T12:00:00Z');

  it('429 is rate-limited until ratelimit-reset (epoch seconds)', () => {
    const reset = Math.floor(now.getTime() / 1000) + 600;
    const error = new XRPCError(429, 'RateLimitExceeded', 'Rate Limit Exceeded', {
      'ratelimit-limit': '5000',
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(reset),
    });
    const mapped = mapBlueskyError(error, now);
    expect(mapped.code).toBe('rate-limited');
    expect(mapped.resetAt).toEqual(new Date(reset * 1000));
    expect(mapped.status).toBe(429);
    expect(mapped.cause).toBe(error);
  });

  it('429 without ratelimit-reset falls back to Retry-After, else no reset time', () => {
    const withRetryAfter = mapBlueskyError(new XRPCError(429, 'RateLimitExceeded', 'slow down', { 'retry-after': '30' }), now);
    expect(withRetryAfter.resetAt).toEqual(new Date(now.getTime() + 30_000));
    expect(mapBlueskyError(new XRPCError(429), now).resetAt).toBeUndefined();
  });

  it('401 and token errors are auth', () => {
    const wrongPassword = new XRPCError(401, 'AuthenticationRequired', 'Invalid identifier or password');
    expect(mapBlueskyError(wrongPassword, now)).toMatchObject({ code: 'auth', status: 401 });
    expect(mapBlueskyError(new XRPCError(400, 'ExpiredToken', 'Token has expired'), now).code).toBe('auth');
    expect(mapBlueskyError(new XRPCError(400, 'InvalidToken', 'Token is invalid'), now).code).toBe('auth');
    expect(mapBlueskyError(new XRPCError(403, 'Forbidden', 'no'), now).code).toBe('auth');
    expect(isAuthFailure(wrongPassword)).toBe(true);
    expect(isAuthFailure(new XRPCError(400, 'InvalidRequest'))).toBe(false);
  });

  it('400 is rejected: retrying the same record cannot help', () => {
    const invalid = mapBlueskyError(new XRPCError(400, 'InvalidRequest', 'Invalid app.bsky.feed.post record: text too long'), now);
    expect(invalid).toMatchObject({ code: 'rejected', status: 400 });
    expect(invalid.message).toContain('text too long');
    expect(mapBlueskyError(new XRPCError(400, 'InvalidSwap', 'Record was at bafy…'), now).code).toBe('rejected');
    expect(mapBlueskyError(new XRPCError(413, 'PayloadTooLarge'), now).code).toBe('rejected');
  });

  it('recognises a lost blob', () => {
    expect(isBlobNotFound(new XRPCError(400, 'BlobNotFound', 'Could not find blob: bafk…'))).toBe(true);
    expect(isBlobNotFound(new XRPCError(400, 'InvalidRequest'))).toBe(false);
  });

  it('5xx and unvalidated 2xx bodies are unknown outcomes: the PDS may have written the record', () => {
    expect(mapBlueskyError(new XRPCError(500, 'InternalServerError'), now)).toMatchObject({ code: 'unknown-outcome', status: 500 });
    expect(mapBlueskyError(new XRPCError(502, 'UpstreamFailure', '<html>Bad gateway</html>'), now).code).toBe('unknown-outcome');
    expect(mapBlueskyError(new XRPCError(2, 'InvalidResponse', 'bad body'), now).code).toBe('unknown-outcome');
  });

  it('refused connections and DNS failures are transient: nothing was sent', () => {
    const refused = mapBlueskyError(networkError(withCode('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED')), now);
    expect(refused.code).toBe('transient');
    expect(refused.status).toBeUndefined();
    expect(mapBlueskyError(networkError(withCode('getaddrinfo ENOTFOUND pds.invalid', 'ENOTFOUND')), now).code).toBe('transient');
    // Happy eyeballs: every address refused, reported as an AggregateError.
    const both = new AggregateError([withCode('v6', 'ECONNREFUSED'), withCode('v4', 'ECONNREFUSED')], 'connect failed');
    expect(mapBlueskyError(networkError(both), now).code).toBe('transient');
  });

  it('resets and timeouts are unknown outcomes', () => {
    expect(mapBlueskyError(networkError(withCode('read ECONNRESET', 'ECONNRESET')), now).code).toBe('unknown-outcome');
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const mapped = mapBlueskyError(new XRPCError(1, 'Unknown', timeout.message, undefined, { cause: timeout }), now);
    expect(mapped.code).toBe('unknown-outcome');
    expect(mapped.message).toContain('timed out');
  });

  it('passes PublishErrors through and treats anything else as an unknown outcome', () => {
    const own = new PublishError('rejected', 'malformed');
    expect(mapBlueskyError(own, now)).toBe(own);
    expect(mapBlueskyError(new Error('boom'), now).code).toBe('unknown-outcome');
  });
});
