import { describe, expect, it } from 'vitest';
import { checkFinding } from '../../src/cli/check-finding.js';
import { PublishError } from '../../src/platforms/errors.js';

const NOW = new Date('2026-12-02T09:00:00Z');

describe('crier check findings', () => {
  it('word what an account check found, never a post the check did not make', () => {
    // The adapters' own messages speak of posts ("X rejected the post"): the check's line does not.
    const cases = [
      new PublishError('auth', 'X refused the credentials (HTTP 401): Unauthorized', { status: 401 }),
      new PublishError('rejected', 'X rejected the post (HTTP 403): client-not-enrolled', { status: 403 }),
      new PublishError('unknown-outcome', 'Mastodon answered HTTP 502; the post may have gone out: bad gateway', { status: 502 }),
      new PublishError('transient', 'could not reach X (ECONNREFUSED)'),
      new PublishError('rate-limited', 'X rate limit reached', { status: 429, resetAt: new Date('2026-12-02T09:15:00Z') }),
    ];
    expect(cases.map((error) => checkFinding('X', error, NOW).finding)).toEqual([
      'X refused the credentials (HTTP 401)',
      'X refused the check (HTTP 403)',
      'X gave no clear answer to the check (HTTP 502)',
      'X could not be reached (ECONNREFUSED)',
      'X rate limited the check (HTTP 429) until 2026-12-02T09:15:00.000Z (15 min)',
    ]);
    for (const error of cases) {
      const found = checkFinding('X', error, NOW);
      expect(`${found.finding} → ${found.hint}`).not.toMatch(/\bpost/i);
      expect(found.error).toBe(error.message); // the adapter's words stay available in --json
    }
  });

  it('treats an error that is not a PublishError as no clear answer', () => {
    expect(checkFinding('Bluesky', new Error('socket hang up'), NOW)).toMatchObject({ code: 'unknown-outcome', finding: 'Bluesky gave no clear answer to the check' });
  });
});
