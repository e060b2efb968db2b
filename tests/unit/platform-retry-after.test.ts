import { XRPCError } from '@atproto/api';
import { MastoHttpError } from 'masto';
import { ClientRequest, IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { ApiResponseError } from 'twitter-api-v2';
import { describe, expect, it } from 'vitest';
import { mapBlueskyError } from '../../src/platforms/bluesky/errors.js';
import { mapMastodonError } from '../../src/platforms/mastodon/errors.js';
import { rateLimitResetAt } from '../../src/platforms/rate-limit-reset.js';
import { mapXError } from '../../src/platforms/x/errors.js';

const NOW = new Date('2026-10-21T07:00:00Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const MIN = 60_000;
const IN_FIVE_MINUTES = 'Wed, 21 Oct 2026 07:05:00 GMT';
const TOMORROW = 'Thu, 22 Oct 2026 07:00:00 GMT';

/** As masto 7.12 builds it: the Response, and so its headers, only as `cause`. */
function mastodon429(headers: Record<string, string>): MastoHttpError {
  const response = new Response(JSON.stringify({ error: 'Too many requests' }), {
    status: 429,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return new MastoHttpError({ statusCode: 429, message: 'Too many requests' }, { cause: response });
}

/** As twitter-api-v2 1.29.1 builds it; the mapper reads status, headers and body only. */
function x429(headers: IncomingHttpHeaders): ApiResponseError {
  const response = new IncomingMessage(new Socket());
  response.statusCode = 429;
  return new ApiResponseError('Request failed with code 429', {
    code: 429,
    data: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank' },
    headers,
    request: Object.create(ClientRequest.prototype) as ClientRequest,
    response,
  });
}

describe('Retry-After on the platforms: both forms, capped at an hour', () => {
  it('Bluesky reads the HTTP-date form as well as seconds', () => {
    const date = mapBlueskyError(new XRPCError(429, 'RateLimitExceeded', 'slow down', { 'retry-after': IN_FIVE_MINUTES }), NOW);
    expect(date).toMatchObject({ code: 'rate-limited', resetAt: at(5 * MIN) });
    const seconds = mapBlueskyError(new XRPCError(429, 'RateLimitExceeded', 'slow down', { 'retry-after': '90' }), NOW);
    expect(seconds.resetAt).toEqual(at(90_000));
  });

  it('Bluesky caps a Retry-After of a day at an hour, and ignores garbage', () => {
    expect(mapBlueskyError(new XRPCError(429, 'RateLimitExceeded', '', { 'retry-after': TOMORROW }), NOW).resetAt).toEqual(at(60 * MIN));
    expect(mapBlueskyError(new XRPCError(429, 'RateLimitExceeded', '', { 'retry-after': '86400' }), NOW).resetAt).toEqual(at(60 * MIN));
    expect(mapBlueskyError(new XRPCError(429, 'RateLimitExceeded', '', { 'retry-after': 'soon' }), NOW).resetAt).toBeUndefined();
    expect(mapBlueskyError(new XRPCError(429, 'RateLimitExceeded', '', { 'retry-after': '-30' }), NOW).resetAt).toBeUndefined();
  });

  it('Bluesky keeps ratelimit-reset, uncapped, unless Retry-After asks for later', () => {
    const reset = Math.floor(NOW.getTime() / 1000) + 3 * 3600;
    const documented = mapBlueskyError(new XRPCError(429, 'RateLimitExceeded', '', { 'ratelimit-reset': String(reset), 'retry-after': '60' }), NOW);
    expect(documented.resetAt).toEqual(new Date(reset * 1000));
    const soon = Math.floor(NOW.getTime() / 1000) + 60;
    const asked = mapBlueskyError(new XRPCError(429, 'RateLimitExceeded', '', { 'ratelimit-reset': String(soon), 'retry-after': IN_FIVE_MINUTES }), NOW);
    expect(asked.resetAt).toEqual(at(5 * MIN));
  });

  it('Mastodon takes a Retry-After (a proxy in front) in both forms when X-RateLimit-Reset is absent', () => {
    expect(mapMastodonError(mastodon429({ 'Retry-After': IN_FIVE_MINUTES }), NOW).resetAt).toEqual(at(5 * MIN));
    expect(mapMastodonError(mastodon429({ 'Retry-After': '120' }), NOW).resetAt).toEqual(at(2 * MIN));
    expect(mapMastodonError(mastodon429({ 'Retry-After': TOMORROW }), NOW).resetAt).toEqual(at(60 * MIN));
    expect(mapMastodonError(mastodon429({ 'Retry-After': 'later' }), NOW).resetAt).toBeUndefined();
  });

  it('Mastodon keeps its ISO 8601 X-RateLimit-Reset unless Retry-After asks for later', () => {
    const reset = '2026-10-21T09:00:00.000Z';
    expect(mapMastodonError(mastodon429({ 'X-RateLimit-Reset': reset, 'Retry-After': '60' }), NOW).resetAt).toEqual(new Date(reset));
    expect(mapMastodonError(mastodon429({ 'X-RateLimit-Reset': '2026-10-21T07:01:00Z', 'Retry-After': IN_FIVE_MINUTES }), NOW).resetAt).toEqual(at(5 * MIN));
  });

  it('X takes a Retry-After (a proxy at apiBaseUrl) in both forms when x-rate-limit-reset is absent', () => {
    expect(mapXError(x429({ 'retry-after': IN_FIVE_MINUTES }), NOW).resetAt).toEqual(at(5 * MIN));
    expect(mapXError(x429({ 'retry-after': '120' }), NOW).resetAt).toEqual(at(2 * MIN));
    expect(mapXError(x429({ 'retry-after': TOMORROW }), NOW).resetAt).toEqual(at(60 * MIN));
    expect(mapXError(x429({ 'retry-after': 'Wed, 21 Oct 2026 06:00:00 GMT' }), NOW).resetAt).toBeUndefined();
  });

  it("X keeps its epoch-seconds reset, the daily cap's 24 h uncapped, unless Retry-After asks for later", () => {
    const daily = Math.floor(NOW.getTime() / 1000) + 20 * 3600;
    const headers = { 'x-user-limit-24hour-remaining': '0', 'x-user-limit-24hour-reset': String(daily), 'retry-after': '60' };
    expect(mapXError(x429(headers), NOW).resetAt).toEqual(new Date(daily * 1000));
    const window = Math.floor(NOW.getTime() / 1000) + 60;
    expect(mapXError(x429({ 'x-rate-limit-reset': String(window), 'retry-after': '600' }), NOW).resetAt).toEqual(at(10 * MIN));
  });

  it('rateLimitResetAt: the later of the two, either alone, or nothing', () => {
    expect(rateLimitResetAt(undefined, undefined, NOW)).toBeUndefined();
    expect(rateLimitResetAt(at(MIN), undefined, NOW)).toEqual(at(MIN));
    expect(rateLimitResetAt(undefined, '30', NOW)).toEqual(at(30_000));
    expect(rateLimitResetAt(at(10 * MIN), '30', NOW)).toEqual(at(10 * MIN));
  });
});
