/**
 * A story the CMS takes back after it was posted (issue 10 item 3), through the real daemon: the
 * WordPress must-use plugin's signed `unpublish` webhook reaches a route with `onUnpublish:
 * retract`, and the post is deleted from Mastodon (a loopback fake that follows the documented
 * API) once; `crier status` lists the story as pulled with nothing left up.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/daemon-process.js';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';
import { freePort } from '../support/free-port.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { ALLOW_LOOPBACK_YAML } from '../support/network.js';
import { tempDir } from '../support/temp-dir.js';
import { postWebhook, signWebhook } from '../support/webhook-client.js';

const dir = tempDir('crier-e2e-unpublish-');
const HOOK_SECRET = 'unpublish-hook-secret';
let site: TestServer;
let mastodon: FakeMastodon;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  site = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head></head><body>story</body></html>'));
  mastodon = await startFakeMastodon();
  env = { MASTODON_TOKEN: mastodon.token, HOOK_SECRET };
});
afterAll(async () => {
  await Promise.all([site?.close(), mastodon?.close()]);
  dir.remove();
});

function posts(): { state: string; remoteId: string | null }[] {
  const db = new Database(`${dir.path}/state/crier.db`, { readonly: true, timeout: 10_000 });
  try {
    return db.prepare("SELECT state, remote_id AS remoteId FROM deliveries WHERE kind = 'post'").all() as { state: string; remoteId: string | null }[];
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => boolean): Promise<void> {
  const end = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(posts())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a story unpublished after it was posted, on a route with onUnpublish: retract', { timeout: 120_000 }, () => {
  it('is deleted from the platform once, and status shows it pulled with nothing up', async () => {
    const port = await freePort();
    const config = dir.write(
      'crier.yaml',
      `store: { path: state/crier.db }
server: { listen: "127.0.0.1:${port}" }
${ALLOW_LOOPBACK_YAML}
sources:
  - { id: cms, kind: webhook, secret: "\${HOOK_SECRET}" }
channels:
  - { id: masto, platform: mastodon, instance: "${mastodon.url}", credentials: { accessToken: "\${MASTODON_TOKEN}" } }
routes:
  - { id: all, channels: [masto], onUnpublish: retract }
`,
    );
    const daemon = spawnCli(['run', '--config', config], env);
    try {
      await daemon.waitFor(({ stderr }) => /HTTP server listening/.test(stderr), 60_000);
      const send = (body: object) => postWebhook(`http://127.0.0.1:${port}/hooks/cms`, signWebhook(HOOK_SECRET, JSON.stringify(body)));
      expect(await send({ id: 77, title: 'Council story', url: `${site.url}/council` })).toMatchObject({ status: 202, json: { outcome: 'queued' } });
      await until('the post', () => posts()[0]?.state === 'posted');
      const [post] = posts();

      // What the must-use plugin sends when the post is trashed (wp_trash_post).
      expect(await send({ id: 77, url: `${site.url}/council`, action: 'unpublish' })).toMatchObject({ status: 202, json: { outcome: 'pulled', cancelled: [] } });
      await until('the retraction', () => posts()[0]?.state === 'retracted');
      expect(mastodon.deletions().map((d) => d.id)).toEqual([post?.remoteId]);
      expect(mastodon.statuses()).toEqual([]);

      const status = await runCli(['--config', config, 'status', '--json'], env);
      const pulled = (JSON.parse(status.stdout) as { pulled: { title: string; by: string; up: number; retracted: number }[] }).pulled;
      expect(pulled).toMatchObject([{ title: 'Council story', by: 'cms', up: 0, retracted: 1 }]);
      const history = await runCli(['--config', config, 'history', `${site.url}/council`], env);
      expect(history.stdout).toMatch(/retracted by cms .*\(masto\): the story was pulled at cms \(route all: onUnpublish retract\)/);
    } finally {
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
    }
  });
});
