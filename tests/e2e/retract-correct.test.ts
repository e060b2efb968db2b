/**
 * Retract and correct (issue 10 items 3 and 4), through the real daemon and CLI as a newsroom
 * runs them: one story posted on X and Mastodon (loopback fakes that follow the documented APIs)
 * and Bluesky (the real reference PDS). `crier correct` replies under each post once per
 * channel; `crier retract` deletes every post of the story (the replies too) once: the PDS's
 * getRecord answers RecordNotFound, the fakes see one DELETE per post. Each command run twice is
 * a no-op that says so, exit 0.
 */
import { AtpAgent } from '@atproto/api';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, type CliProcess } from '../support/daemon-process.js';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';
import { startFakeX, type FakeX } from '../support/fakes/fake-x.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { ALLOW_LOOPBACK_YAML } from '../support/network.js';
import { startTestPds, type TestPds, type TestPdsAccount } from '../support/pds.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-e2e-retract-');
const items: RssItem[] = [];
let site: TestServer;
let x: FakeX;
let mastodon: FakeMastodon;
let pds: TestPds;
let account: TestPdsAccount;
let env: NodeJS.ProcessEnv;
let daemon: CliProcess | undefined;

beforeAll(async () => {
  site = await startServer((req, res) => {
    if (req.url === '/feed.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('News', items));
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head></head><body>story</body></html>');
  });
  x = await startFakeX();
  mastodon = await startFakeMastodon();
  pds = await startTestPds();
  account = await pds.createAccount('retract-desk');
  env = {
    X_APP_KEY: x.credentials.appKey,
    X_APP_SECRET: x.credentials.appSecret,
    X_ACCESS_TOKEN: x.credentials.accessToken,
    X_ACCESS_SECRET: x.credentials.accessSecret,
    MASTODON_TOKEN: mastodon.token,
    BSKY_APP_PASSWORD: account.appPassword,
  };
  dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
defaults: { unsafeMinInterval: 1s }
# Card pages are on a loopback test server, which the network policy refuses by default.
${ALLOW_LOOPBACK_YAML}
sources:
  - { id: news, kind: feed, url: "${site.url}/feed.xml", interval: 1s }
channels:
  - id: x-main
    platform: x
    apiBaseUrl: "${x.url}"
    credentials: { appKey: "\${X_APP_KEY}", appSecret: "\${X_APP_SECRET}", accessToken: "\${X_ACCESS_TOKEN}", accessSecret: "\${X_ACCESS_SECRET}" }
  - { id: mastodon-main, platform: mastodon, instance: "${mastodon.url}", credentials: { accessToken: "\${MASTODON_TOKEN}" } }
  - { id: bluesky-main, platform: bluesky, service: "${pds.url}", credentials: { identifier: ${account.handle}, appPassword: "\${BSKY_APP_PASSWORD}" } }
routes:
  - { id: all, channels: [x-main, mastodon-main, bluesky-main] }
`,
  );
}, 120_000);

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
  }
  await Promise.all([site?.close(), x?.close(), mastodon?.close(), pds?.close()]);
  dir.remove();
});

const crier = (...args: string[]) => runCli(['--config', `${dir.path}/crier.yaml`, ...args], env);

interface Row {
  id: number;
  kind: string;
  channel: string;
  state: string;
  parent: number | null;
  remoteId: string | null;
}

function rows(): Row[] {
  const db = new Database(`${dir.path}/state/crier.db`, { readonly: true, timeout: 10_000 });
  try {
    return db
      .prepare('SELECT id, kind, channel_id AS channel, state, parent_id AS parent, remote_id AS remoteId FROM deliveries ORDER BY id')
      .all() as Row[];
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(rows())}\n${daemon?.stderr().slice(-3000) ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const of = (kind: string, channel: string): Row | undefined => rows().find((r) => r.kind === kind && r.channel === channel);
const CHANNELS = ['x-main', 'mastodon-main', 'bluesky-main'];

/** What the PDS answers for a record of the account: the record, or the error's name (RecordNotFound). */
async function blueskyRecord(uri: string): Promise<{ reply?: { parent?: { uri?: string } } } | string> {
  const [, , repo, collection, rkey] = uri.split('/');
  const agent = new AtpAgent({ service: pds.url });
  try {
    const found = await agent.com.atproto.repo.getRecord({ repo: repo ?? '', collection: collection ?? '', rkey: rkey ?? '' });
    return found.data.value as { reply?: { parent?: { uri?: string } } };
  } catch (error) {
    return (error as { error?: string }).error ?? String(error);
  }
}

describe('crier correct and crier retract against the platforms', { timeout: 180_000 }, () => {
  it('replies a correction once per channel, then deletes every post of the story once; each command again is a no-op', async () => {
    daemon = spawnCli(['run', '--config', `${dir.path}/crier.yaml`], env);
    await daemon.waitFor(({ stderr }) => stderr.includes('crier is running'), 60_000);
    await until('the first poll', () => {
      try {
        const db = new Database(`${dir.path}/state/crier.db`, { readonly: true, timeout: 10_000 });
        const row = db.prepare('SELECT initialized_at AS at FROM sources WHERE source_id = ?').get('news') as { at: number | null } | undefined;
        db.close();
        return row?.at != null;
      } catch {
        return false;
      }
    });
    const url = `${site.url}/2026/12/02/harbour-vote`;
    items.push({ guid: 'urn:harbour-vote', title: 'Council approves the harbour plan', link: url, description: 'The vote was 6 to 3.', pubDate: new Date() });
    await until('the story posted on every channel', () => CHANNELS.every((c) => of('post', c)?.state === 'posted'));
    const posts = Object.fromEntries(CHANNELS.map((c) => [c, of('post', c)!]));

    // A correction: one reply under each post.
    const corrected = await crier('correct', url, '--text', 'Correction: the vote was 7 to 2, not 6 to 3.', '--by', 'ana');
    expect(corrected.code, corrected.stderr).toBe(0);
    expect(corrected.stdout).toMatch(/queued: the running daemon/);
    await until('the corrections posted', () => CHANNELS.every((c) => of('correct', c)?.state === 'posted'));
    expect(x.posts().filter((p) => p.replyTo !== undefined).map((p) => [p.replyTo, p.text])).toEqual([[posts['x-main']!.remoteId, 'Correction: the vote was 7 to 2, not 6 to 3.']]);
    expect(mastodon.statuses().filter((s) => s.inReplyToId !== undefined).map((s) => s.inReplyToId)).toEqual([posts['mastodon-main']!.remoteId]);
    const reply = await blueskyRecord(of('correct', 'bluesky-main')!.remoteId!);
    expect(typeof reply === 'string' ? reply : reply.reply?.parent?.uri).toBe(posts['bluesky-main']!.remoteId);

    const again = await crier('correct', url, '--text', 'Correction: the vote was 7 to 2, not 6 to 3.', '--by', 'ana');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to do: this correction is already queued or posted/);

    // The kill switch: every post of the story, the replies included, deleted once.
    const retracted = await crier('retract', url, '--reason', 'legal: the vote was not final', '--by', 'ana');
    expect(retracted.code, retracted.stderr).toBe(0);
    expect(retracted.stdout).toMatch(/queued: the running daemon/);
    await until('every post retracted', () => rows().filter((r) => r.kind === 'post' || r.kind === 'correct').every((r) => r.state === 'retracted'));
    await until('the retractions done', () => rows().filter((r) => r.kind === 'retract').every((r) => r.state === 'posted'));
    const gone = (channel: string) => [posts[channel]!.remoteId, of('correct', channel)!.remoteId].sort();
    expect(x.deletions().map((d) => d.id).sort()).toEqual(gone('x-main'));
    expect(x.posts()).toEqual([]);
    expect(mastodon.deletions().map((d) => d.id).sort()).toEqual(gone('mastodon-main'));
    expect(mastodon.statuses()).toEqual([]);
    for (const uri of gone('bluesky-main')) expect(await blueskyRecord(uri ?? '')).toBe('RecordNotFound');

    const twice = await crier('retract', url, '--reason', 'legal: the vote was not final', '--by', 'ana');
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toMatch(/nothing to do: already retracted/);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(x.deletions()).toHaveLength(2);
    expect(mastodon.deletions()).toHaveLength(2);
    expect(rows().filter((r) => r.kind === 'retract')).toHaveLength(6);

    const history = await crier('history', url);
    expect(history.stdout).toMatch(/retracted by ana .*: legal: the vote was not final/);
    expect(history.stdout).toMatch(/corrected by ana .*: Correction: the vote was 7 to 2/);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
