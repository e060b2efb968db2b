import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterDeps, ChannelStateStore } from '../../src/platforms/contract.js';
import { createBlueskyAdapter } from '../../src/platforms/bluesky/adapter.js';
import type { BlueskyChannel } from '../../src/platforms/bluesky/channel.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startTestPds, type TestPds, type TestPdsAccount } from '../support/pds.js';
import { tempDir } from '../support/temp-dir.js';
import { followUps } from '../support/follow-ups.js';

/**
 * Rotating credentials must survive a crash between receiving a new token and saving it. The
 * Bluesky session is kept in the real SQLite store (one row, written in one statement: atomic);
 * the "crash" is a process that refreshed the session and died before the write landed.
 */
let pds: TestPds;
let account: TestPdsAccount;
const dir = tempDir('crier-rotation-');

beforeAll(async () => {
  pds = await startTestPds();
  account = await pds.createAccount('rotation');
}, 60_000);

afterAll(async () => {
  await pds.close();
  dir.remove();
});

function channelState(store: SqliteStore, options: { dropWritesAfter?: number } = {}): ChannelStateStore {
  let writes = 0;
  const crashed = () => options.dropWritesAfter !== undefined && writes >= options.dropWritesAfter;
  return {
    get: (key) => store.getChannelValue('bsky', key),
    async set(key, value) {
      if (crashed()) return; // the process died before this write reached the disk
      writes += 1;
      await store.setChannelValue('bsky', key, value);
    },
    async delete(key) {
      if (!crashed()) await store.deleteChannelValue('bsky', key);
    },
  };
}

function adapter(state: ChannelStateStore) {
  const channel: BlueskyChannel = {
    id: 'bsky',
    platform: 'bluesky',
    dryRun: false,
    images: false,
    service: pds.url,
    credentials: { identifier: account.handle, appPassword: account.appPassword },
  };
  const deps: AdapterDeps = { logger: pino({ level: 'silent' }), channelState: state, now: () => new Date() };
  return createBlueskyAdapter(channel, deps);
}

describe('a crash between receiving a rotated Bluesky session and saving it', () => {
  it('does not lock the account out: the next run posts, with at most one new login', async () => {
    const storePath = `${dir.path}/crier.db`;
    const first = openSqliteStore(storePath);
    await first.migrate();
    await adapter(channelState(first)).verify(); // logs in once, saves the session
    const saved = await first.getChannelValue('bsky', 'session');
    expect(saved).toBeDefined();
    const loginsAfterFirst = pds.countCreateSessionCalls();

    // Second run: resumes (which refreshes and rotates the tokens) but "crashes" before saving.
    // (verify would not do: it always logs in with the app password, by design.)
    await followUps(adapter(channelState(first, { dropWritesAfter: 0 }))).recentPosts(new Date(0));
    expect(await first.getChannelValue('bsky', 'session')).toBe(saved);
    await first.close();

    // Third run, after the crash: the store still holds the pre-rotation session.
    const reopened = openSqliteStore(storePath);
    const third = adapter(channelState(reopened));
    expect(await followUps(third).recentPosts(new Date(0))).toEqual([]);
    const logins = pds.countCreateSessionCalls() - loginsAfterFirst;
    // Either the PDS accepted the old refresh token (no login) or Crier fell back to one login
    // with the app password; never more, and never a locked-out channel.
    expect(logins).toBeLessThanOrEqual(1);
    console.log(`after the injected crash: ${logins} new login(s)`);
    expect(await reopened.getChannelValue('bsky', 'session')).not.toBe(saved);
    await reopened.close();
  });
});
