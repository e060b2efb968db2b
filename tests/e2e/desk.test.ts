import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { tokenHash } from '../../src/desk/auth.js';
import { DESKTOP, launchChromium, PHONE, screenshot } from '../support/browser.js';
import { spawnCli, type CliProcess } from '../support/daemon-process.js';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { ALLOW_LOOPBACK_YAML } from '../support/network.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

const EDITOR_TOKEN = 'editor-token-for-the-desk-test-0123456789';
const VIEWER_TOKEN = 'viewer-token-for-the-desk-test-0123456789';
const MASTODON_TOKEN = 'desk-mastodon-token';

const dir = tempDir('crier-desk-');
const items: RssItem[] = [];
let site: TestServer;
let mastodon: FakeMastodon;
let daemon: CliProcess;
let base: string;
let browser: Browser;

function articlePage(slug: string, title: string): string {
  return `<!doctype html><html lang="en"><head><title>${title} | Gazette</title>
<meta property="og:title" content="${title}"><meta property="og:description" content="What the council decided, and what it means for the harbour.">
<link rel="canonical" href="${site.url}/${slug}"></head><body><article><h1>${title}</h1></article></body></html>`;
}

/** The daemon's config; without Vic once the viewer has been removed (a reload's test). */
function deskConfig(withVic: boolean): string {
  return `store: { path: state/crier.db }
defaults: { unsafeMinInterval: 1s }
${ALLOW_LOOPBACK_YAML}
server:
  listen: "127.0.0.1:0"
  desk:
    users:
      - { name: Ana, role: editor, tokenSha256: ${tokenHash(EDITOR_TOKEN)} }
${withVic ? `      - { name: Vic, role: viewer, tokenSha256: ${tokenHash(VIEWER_TOKEN)} }\n` : ''}    proxy: { header: x-forwarded-user, from: [127.0.0.1], roles: { sam: editor } }
sources:
  - { id: gazette, kind: feed, url: "${site.url}/feed.xml", interval: 1s }
channels:
  - { id: masto, platform: mastodon, instance: "${mastodon.url}", credentials: { accessToken: "\${MASTODON_TOKEN}" } }
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [masto, x-dry] }
`;
}

beforeAll(async () => {
  site = await startServer((req, res) => {
    if (req.url === '/feed.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('Gazette', items));
    else if (req.url?.startsWith('/story-')) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(articlePage(req.url.slice(1), `Harbour bridge ${req.url.slice(7)} approved`));
    else res.writeHead(404).end();
  });
  mastodon = await startFakeMastodon({ token: MASTODON_TOKEN });
  items.push({ guid: 'seed', title: 'Seed story', link: `${site.url}/seed`, pubDate: new Date() });
  dir.write('crier.yaml', deskConfig(true));
  daemon = spawnCli(['--config', `${dir.path}/crier.yaml`, 'run'], { MASTODON_TOKEN });
  await daemon.waitFor(({ stderr }) => /HTTP server listening/.test(stderr), 30_000);
  const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(daemon.stderr())?.[1];
  if (!url) throw new Error(`no server URL in the log:\n${daemon.stderr()}`);
  base = url;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  await Promise.all([site?.close(), mastodon?.close()]);
  dir.remove();
});

async function signIn(token: string, viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${base}/desk`);
  // Not signed in: every page leads to the sign-in form.
  expect(new URL(page.url()).pathname).toBe('/desk/login');
  await page.getByLabel('Your desk token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/desk`);
  return { context, page };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${daemon.stderr().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** A POST as a page's own script would send it: the person's cookie, the fields given. */
async function postFrom(page: Page, path: string, fields: Record<string, string>): Promise<number> {
  return page.evaluate(
    async ({ path, fields }) => (await fetch(path, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' })).status,
    { path, fields },
  );
}

const csrfOf = (page: Page) => page.locator('input[name=csrf]').first().inputValue();

describe('the desk, in Chromium', { timeout: 90_000 }, () => {
  it('refuses a wrong token and lets an editor in; the pages read at phone and desktop widths', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/desk/login`);
    await page.getByLabel('Your desk token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not on this desk');
    await context.close();

    await daemon.waitFor(({ stderr }) => /first poll recorded/.test(stderr), 20_000);
    for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const { context: signed, page: now } = await signIn(EDITOR_TOKEN, viewport);
      await expect(now.getByRole('heading', { name: 'Now' }).isVisible()).resolves.toBe(true);
      await expect(now.getByRole('heading', { name: /^masto/ }).isVisible()).resolves.toBe(true);
      await expect(now.getByRole('heading', { name: /^x-dry/ }).isVisible()).resolves.toBe(true);
      await expect(now.locator('header').textContent()).resolves.toContain('Ana · editor');
      await screenshot(now, `desk-now-${name}`);
      await signed.close();
    }
  });

  it('an editor pastes a URL, sees the post per channel, posts it now, and it reaches Mastodon once', async () => {
    const { context, page } = await signIn(EDITOR_TOKEN);
    await page.getByRole('link', { name: 'Post a URL' }).click();
    await page.getByLabel('Article URL').fill(`${site.url}/story-one`);
    await page.getByRole('button', { name: 'Preview' }).click();
    const previews = page.locator('figure.post pre');
    await expect(previews.count()).resolves.toBe(2);
    for (const text of await previews.allTextContents()) expect(text).toContain('Harbour bridge one approved');
    await screenshot(page, 'desk-post-preview');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.waitForURL(/\/desk\/articles\/\d+/);
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/masto: queued/);

    await until('the post on Mastodon', () => mastodon.statuses().some((s) => s.text.includes('Harbour bridge one approved')));
    await until('the desk showing it posted', async () => {
      await page.reload();
      return (await page.locator('section h3', { hasText: 'masto' }).textContent())?.includes('posted') === true;
    });
    await expect(page.getByRole('link', { name: 'on the platform' }).first().getAttribute('href')).resolves.toMatch(/^https?:\/\//);
    await expect(page.locator('.events').textContent()).resolves.toContain('by Ana');
    await screenshot(page, 'desk-article');
    expect(mastodon.statuses().filter((s) => s.text.includes('Harbour bridge one approved'))).toHaveLength(1);
    await context.close();
  });

  it('pause holds the queue, cancel keeps a post from going out, resume sends again', async () => {
    const { context, page } = await signIn(EDITOR_TOKEN);
    await page.getByRole('button', { name: 'Pause masto' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('masto paused');
    await expect(page.locator('section.channel', { hasText: 'masto' }).first().locator('.holds').textContent()).resolves.toContain('paused');

    const before = mastodon.statuses().length;
    await page.goto(`${base}/desk/post`);
    await page.getByLabel('Article URL').fill(`${site.url}/story-two`);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await page.waitForURL(/\/desk\/articles\/\d+/);
    // x-dry is not paused and posts; masto waits in its queue until someone acts.
    await page.goto(`${base}/desk`);
    const mastoQueue = page.locator('section.channel', { has: page.getByRole('heading', { name: /^masto/ }) });
    await expect(mastoQueue.getByRole('link', { name: 'Harbour bridge two approved' }).isVisible()).resolves.toBe(true);
    await mastoQueue.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/cancelled/);

    await page.goto(`${base}/desk`);
    await page.getByRole('button', { name: 'Resume masto' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('masto resumed');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(mastodon.statuses()).toHaveLength(before);
    await context.close();
  });

  it('the kill switch pauses every channel after a confirmation, and resumes them', async () => {
    const { context, page } = await signIn(EDITOR_TOKEN);
    await page.getByText('Stop everything').click();
    await page.getByLabel('Yes, pause every channel now').check();
    await page.getByRole('button', { name: 'Pause all channels' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('every channel paused (2)');
    await expect(page.getByRole('button', { name: 'Resume masto' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Resume x-dry' }).isVisible()).resolves.toBe(true);
    await page.getByText('Resume everything').click();
    await page.getByLabel('Yes, resume every channel').check();
    await page.getByRole('button', { name: 'Resume all channels' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('every channel resumed (2)');
    await context.close();
  });

  it('a viewer reads everything and can change nothing, even by posting the form by hand', async () => {
    const { context, page } = await signIn(VIEWER_TOKEN, PHONE);
    await expect(page.locator('header').textContent()).resolves.toContain('Vic · viewer');
    await expect(page.getByRole('button', { name: /^Pause/ }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Post a URL' }).count()).resolves.toBe(0);
    // The viewer's own CSRF token (from the sign-out form) is valid; the role still refuses.
    expect(await postFrom(page, '/desk/channels/masto/pause', { csrf: await csrfOf(page) })).toBe(403);
    await page.reload();
    await expect(page.locator('section.channel').first().textContent()).resolves.not.toContain('paused');
    await screenshot(page, 'desk-viewer-phone');
    // A viewer signs out like anyone else; then the desk asks for a token again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/desk/login`);
    await page.goto(`${base}/desk`);
    expect(new URL(page.url()).pathname).toBe('/desk/login');
    await context.close();
  });

  it('a change without the CSRF token, or with another person\'s, is refused', async () => {
    const { context, page } = await signIn(EDITOR_TOKEN);
    expect(await postFrom(page, '/desk/channels/masto/pause', {})).toBe(403);
    expect(await postFrom(page, '/desk/channels/masto/pause', { csrf: 'forged' })).toBe(403);
    const viewer = await signIn(VIEWER_TOKEN);
    expect(await postFrom(page, '/desk/channels/masto/pause', { csrf: await csrfOf(viewer.page) })).toBe(403);
    await page.reload();
    await expect(page.getByRole('button', { name: 'Pause masto' }).isVisible()).resolves.toBe(true);
    await Promise.all([context.close(), viewer.context.close()]);
  });

  it("signs in the user an authenticating proxy names, with the role the config gives them", async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-user': 'sam' } });
    const page = await context.newPage();
    await page.goto(`${base}/desk`);
    expect(new URL(page.url()).pathname).toBe('/desk');
    await expect(page.locator('header').textContent()).resolves.toContain('sam · editor');
    await page.getByRole('button', { name: 'Pause x-dry' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('x-dry paused');
    await page.getByRole('button', { name: 'Resume x-dry' }).click();
    await page.goto(`${base}/desk/channels`);
    await expect(page.getByRole('heading', { name: 'Channels and sources' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('table').nth(1).textContent()).resolves.toContain('gazette');
    // The Mastodon account's documented budgets, with what this run's posts used of them.
    const mastoRow = page.locator('table').first().locator('tr', { has: page.getByRole('rowheader', { name: 'masto' }) });
    await expect(mastoRow.textContent()).resolves.toMatch(/: [1-9]\d*\/\d+/);
    await screenshot(page, 'desk-channels');
    await context.close();
  });

  it('an editor posts a correction: a reply under the story\'s post on Mastodon, once', async () => {
    const { context, page } = await signIn(EDITOR_TOKEN);
    const original = mastodon.statuses().find((s) => s.text.includes('Harbour bridge one approved'));
    await page.goto(`${base}/desk`);
    await page.getByRole('link', { name: 'Harbour bridge one approved' }).first().click();
    await page.getByText('Correct this story').click();
    await page.getByLabel(/^Correction/).fill('Correction: the vote was 7 to 4, not 8 to 3.');
    await page.getByRole('button', { name: 'Post the correction' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/masto: correction queued/);
    await until('the reply on Mastodon', () => mastodon.statuses().some((s) => s.inReplyToId === original?.id));
    // The same correction again is already there: nothing new is sent.
    await page.getByText('Correct this story').click();
    await page.getByLabel(/^Correction/).fill('Correction: the vote was 7 to 4, not 8 to 3.');
    await page.getByRole('button', { name: 'Post the correction' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/masto: correction (already queued|done)/);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(mastodon.statuses().filter((s) => s.inReplyToId === original?.id).map((s) => s.text)).toEqual([expect.stringContaining('7 to 4')]);
    await context.close();
  });

  it('an editor retracts a story: after a confirmation and a reason, its post is deleted on Mastodon once', async () => {
    const { context, page } = await signIn(EDITOR_TOKEN);
    const posted = mastodon.statuses().find((s) => s.text.includes('Harbour bridge one approved'));
    expect(posted).toBeDefined();
    await page.goto(`${base}/desk`);
    await page.getByRole('link', { name: 'Harbour bridge one approved' }).first().click();
    await page.getByText('Retract this story').click();
    await page.getByLabel('Why').fill('wrong council vote count');
    await page.getByLabel(/Yes, delete 2 posts/).check();
    await page.getByRole('button', { name: 'Retract' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/masto: .*queued/i);
    await until('the DELETE on Mastodon', () => mastodon.deletions().some((d) => d.id === posted?.id));
    await until('the desk showing it retracted', async () => {
      await page.reload();
      return (await page.locator('section h3', { hasText: 'masto' }).textContent())?.includes('retracted') === true;
    });
    await expect(page.locator('.events').textContent()).resolves.toContain('wrong council vote count');
    expect(mastodon.deletions().filter((d) => d.id === posted?.id)).toHaveLength(1);
    await context.close();
  });

  it('a person removed from the config loses the desk at the reload (SIGHUP), without a restart', async () => {
    const { context, page } = await signIn(VIEWER_TOKEN);
    dir.write('crier.yaml', deskConfig(false));
    daemon.child.kill('SIGHUP');
    await daemon.waitFor(({ stderr }) => /config reloaded/.test(stderr), 30_000);
    await page.goto(`${base}/desk`);
    expect(new URL(page.url()).pathname).toBe('/desk/login');
    // The others keep theirs.
    const editor = await signIn(EDITOR_TOKEN);
    await expect(editor.page.locator('header').textContent()).resolves.toContain('Ana · editor');
    await Promise.all([context.close(), editor.context.close()]);
  });

  it('serves every asset itself and forbids framing and foreign scripts', async () => {
    const response = await fetch(`${base}/desk/login`);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const body = await response.text();
    expect(body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    expect((await fetch(`${base}/desk/assets/desk.css`)).status).toBe(200);
    expect((await fetch(`${base}/desk/assets/desk.js`)).status).toBe(200);
  });
});
