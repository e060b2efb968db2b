import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withUsableUrls } from '../../src/articles/url-policy.js';
import { readWebhookBody } from '../../src/sources/webhook/webhook-body.js';
import { verifyWebhookSignature } from '../../src/sources/webhook/webhook-signature.js';
import { feedText, fuzzOptions, fuzzTimeoutMs, isEmptyOrWebUrl, urlLike } from '../support/fuzz.js';

const NOW = new Date('2026-12-02T09:00:00Z');

const articleShaped = fc.record(
  {
    title: feedText,
    url: urlLike,
    summary: feedText,
    tags: fc.array(feedText, { maxLength: 4 }),
    publishedAt: fc.oneof(fc.string({ maxLength: 30 }), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
    image: fc.record({ url: urlLike, alt: fc.string({ maxLength: 50 }) }),
    language: fc.string({ maxLength: 12 }),
    id: fc.oneof(fc.string({ maxLength: 12 }), fc.integer()),
    action: fc.constantFrom('unpublish', 'publish', ''),
  },
  { requiredKeys: [] },
);
const anyBody = fc.oneof(
  articleShaped.map((a) => Buffer.from(JSON.stringify(a))),
  urlLike.map((u) => Buffer.from(JSON.stringify({ url: u }))),
  urlLike.map((u) => Buffer.from(u)),
  fc.json().map((j) => Buffer.from(j)),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
);

describe('fuzz: the webhook body parser and signature check (src/sources/webhook)', () => {
  it('answers every body with a kind, never an exception; an article or url it accepts is http(s)', { timeout: fuzzTimeoutMs() }, () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        const read = readWebhookBody(body, 'cms', NOW);
        if (read.kind === 'invalid') expect(read.message.length).toBeGreaterThan(0);
        if (read.kind === 'url') expect(isEmptyOrWebUrl(read.url) && read.url !== '').toBe(true);
        if (read.kind === 'article') {
          const { article } = withUsableUrls(read.article);
          expect(isEmptyOrWebUrl(article.url)).toBe(true);
          expect(isEmptyOrWebUrl(article.image?.url)).toBe(true);
          expect(article.title.trim()).not.toBe('');
        }
      }),
      fuzzOptions(),
    );
  });

  it('never throws on any headers, and accepts exactly the body that was signed', { timeout: fuzzTimeoutMs() }, () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: -400, max: 400 }),
        fc.option(fc.string({ unit: 'binary', maxLength: 80 }), { nil: undefined }),
        fc.option(fc.string({ unit: 'binary', maxLength: 20 }), { nil: undefined }),
        fc.nat(),
        (bytes, secret, skewSeconds, junkSignature, junkTimestamp, flip) => {
          const body = Buffer.from(bytes);
          const timestamp = String(Math.floor(NOW.getTime() / 1000) + skewSeconds);
          const signature = `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
          const good = verifyWebhookSignature(timestamp, signature, body, secret, NOW);
          expect(good.ok).toBe(Math.abs(skewSeconds) <= 300);
          // Any other body, or any header a sender made up, is refused with a reason.
          const tampered = Buffer.concat([body, Buffer.from([flip % 256])]);
          expect(verifyWebhookSignature(timestamp, signature, tampered, secret, NOW).ok).toBe(false);
          const junk = verifyWebhookSignature(junkTimestamp ?? timestamp, junkSignature, body, secret, NOW);
          if (!junk.ok) expect(junk.reason.length).toBeGreaterThan(0);
          else expect(junkSignature?.trim().toLowerCase()).toBe(signature);
        },
      ),
      fuzzOptions(),
    );
  });
});
