import { describe, expect, it } from 'vitest';
import { parseHttpDate } from '../../src/http/http-date.js';
import { readRetryAfter } from '../../src/http/retry-after.js';

const NOW = new Date('2026-10-21T07:00:00Z');
const HOUR = 3_600_000;
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe('readRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(readRetryAfter('120', NOW, HOUR)).toEqual({ until: later(120_000), capped: false });
    expect(readRetryAfter(' 0 ', NOW, HOUR)).toEqual({ until: NOW, capped: false });
    // Date.parse would read "2" as a day in 2001.
    expect(readRetryAfter('2', NOW, HOUR)?.until).toEqual(later(2_000));
  });

  it('reads an HTTP date (RFC 9110 §10.2.3)', () => {
    expect(readRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', NOW, HOUR)).toEqual({ until: later(28 * 60_000), capped: false });
  });

  it('caps either form, and says so', () => {
    expect(readRetryAfter('86400', NOW, HOUR)).toEqual({ until: later(HOUR), capped: true });
    expect(readRetryAfter('Thu, 22 Oct 2026 07:00:00 GMT', NOW, HOUR)).toEqual({ until: later(HOUR), capped: true });
    expect(readRetryAfter('99999999999999999999999', NOW, HOUR)).toEqual({ until: later(HOUR), capped: true });
  });

  it('ignores garbage, negative and fractional numbers, and dates already past', () => {
    for (const value of ['soon', '-5', '1.5', '120s', '2026-10-21T07:28:00Z', 'Wed, 21 Oct 2026 07:28:00', 'Sat, 31 Feb 2026 07:28:00 GMT', '']) {
      expect(readRetryAfter(value, NOW, HOUR), value).toBeUndefined();
    }
    expect(readRetryAfter('Wed, 21 Oct 2026 06:59:59 GMT', NOW, HOUR)).toBeUndefined();
    expect(readRetryAfter(undefined, NOW, HOUR)).toBeUndefined();
    expect(readRetryAfter(null, NOW, HOUR)).toBeUndefined();
  });

  it('reads the first of repeated values', () => {
    expect(readRetryAfter(['30', '60'], NOW, HOUR)?.until).toEqual(later(30_000));
  });
});

describe('parseHttpDate', () => {
  const expected = new Date('1994-11-06T08:49:37Z');

  it('reads IMF-fixdate, RFC 850 and asctime alike, all in GMT', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toEqual(expected);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toEqual(expected);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994', NOW)).toEqual(expected);
    expect(parseHttpDate('sun, 06 nov 1994 08:49:37 gmt', NOW)).toEqual(expected);
  });

  it('places a two-digit year within 50 years ahead, else in the past century', () => {
    expect(parseHttpDate('Monday, 02-Nov-26 08:00:00 GMT', NOW)).toEqual(new Date('2026-11-02T08:00:00Z'));
    expect(parseHttpDate('Monday, 02-Nov-76 08:00:00 GMT', NOW)).toEqual(new Date('2076-11-02T08:00:00Z'));
    expect(parseHttpDate('Monday, 02-Nov-77 08:00:00 GMT', NOW)).toEqual(new Date('1977-11-02T08:00:00Z'));
  });

  it('refuses impossible dates and times and anything Date.parse would guess at', () => {
    for (const value of ['Sat, 31 Feb 2026 08:00:00 GMT', 'Sun, 06 Nov 1994 24:00:00 GMT', 'Sun, 06 Nov 1994 08:60:00 GMT', '1', '-1', 'Sun, 6 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 +0000']) {
      expect(parseHttpDate(value, NOW), value).toBeUndefined();
    }
  });
});
