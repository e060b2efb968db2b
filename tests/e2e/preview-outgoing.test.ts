import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/daemon-process.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * `crier preview` shows everything that goes out, per channel: the text with its count, the
 * language, the link, and the image (URL, size, alt text) or the Bluesky card (title,
 * description, thumbnail). The feed declares no language: the preview shows the detected one.
 */
const dir = tempDir('crier-preview-');
let server: TestServer;
let config: string;

const LINK = 'https://akhbar.example.com/%D8%A7%D9%81%D8%AA%D8%AA%D8%A7%D8%AD-%D8%AC%D8%B3%D8%B1-%D8%AC%D8%AF%D9%8A%D8%AF-%D9%81%D9%8A-%D8%A7%D9%84%D9%85%D8%AF%D9%8A%D9%86%D8%A9?utm_source=rss';
const FEED = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>أخبار</title><link>https://akhbar.example.com/</link><description>test</description>
<item>
  <title>افتتاح جسر جديد في المدينة بعد عام من النقاش</title>
  <link>${LINK.replace(/&/g, '&amp;')}</link>
  <guid isPermaLink="false">urn:preview:1</guid>
  <pubDate>${new Date(Date.now() - 60_000).toUTCString()}</pubDate>
  <description>صوت المجلس البلدي بأغلبية سبعة أصوات مقابل صوتين على المشروع، ويبدأ البناء في الربيع.</description>
  <media:content url="https://akhbar.example.com/img/jisr.jpg" medium="image" type="image/jpeg" width="1200" height="800"/>
</item>
</channel></rss>`;

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/feed.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(FEED);
    else res.writeHead(404).end();
  });
  config = dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
defaults: { language: en }
sources:
  - { id: akhbar, kind: feed, url: "${server.url}/feed.xml" }
channels:
  - { id: x-dry, platform: x, dryRun: true, imageAlt: "The new bridge" }
  - { id: bsky-dry, platform: bluesky, dryRun: true, link: { utm: { source: "{{platform}}", medium: social } } }
  - { id: masto-dry, platform: mastodon, dryRun: true, instance: "https://social.example.org", images: false }
routes:
  - { id: all, channels: [x-dry, bsky-dry, masto-dry] }
`,
  );
});

afterAll(async () => {
  await server.close();
  dir.remove();
});

const crier = (...args: string[]) => runCli(['--config', config, ...args], { USER: 'editor' });

interface PreviewJson {
  previews: {
    channel: string;
    text: string;
    language: string;
    link: { url: string; text: string };
    image: { url: string; width: number | null; height: number | null; alt: string | null } | null;
    card: { uri: string; title: string; description: string; thumb: unknown } | null;
  }[];
}

// Each step spawns the real CLI (a whole Node process): generous time on a loaded 2-core machine.
describe('crier preview shows what goes out', { timeout: 180_000 }, () => {
  it('language, link, image or card, per channel', async () => {
    expect((await crier('poll', '--once')).code).toBe(0);
    const canonical = 'https://akhbar.example.com/%D8%A7%D9%81%D8%AA%D8%AA%D8%A7%D8%AD-%D8%AC%D8%B3%D8%B1-%D8%AC%D8%AF%D9%8A%D8%AF-%D9%81%D9%8A-%D8%A7%D9%84%D9%85%D8%AF%D9%8A%D9%86%D8%A9';

    const text = await crier('preview', LINK);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/── x-dry · x \(dry run\) · \d+\/280 weighted characters/);
    expect(text.stdout).toContain(`   language ar · link ${canonical}\n`);
    expect(text.stdout).toContain('   image https://akhbar.example.com/img/jisr.jpg (');
    expect(text.stdout).toContain('· alt "The new bridge"');
    expect(text.stdout).toContain('   card "افتتاح جسر جديد في المدينة بعد عام من النقاش" · "صوت المجلس البلدي');
    expect(text.stdout).toContain('   card thumb https://akhbar.example.com/img/jisr.jpg (');

    const parsed = JSON.parse((await crier('preview', LINK, '--json')).stdout) as PreviewJson;
    const by = new Map(parsed.previews.map((p) => [p.channel, p]));
    expect([...by.values()].map((p) => p.language)).toEqual(['ar', 'ar', 'ar']);
    // X: the link without the feed's tracking parameter, the image attached with the channel's alt.
    expect(by.get('x-dry')?.link.url).toBe(canonical);
    expect(by.get('x-dry')?.text.endsWith(canonical)).toBe(true);
    expect(by.get('x-dry')?.image).toMatchObject({ url: 'https://akhbar.example.com/img/jisr.jpg', alt: 'The new bridge' });
    expect(by.get('x-dry')?.card).toBeNull();
    // Bluesky: the newsroom's campaign parameters in the link, shown short and decoded in the text,
    // whole in the card, whose thumbnail is the article image.
    const bsky = by.get('bsky-dry');
    expect(bsky?.link.url).toBe(`${canonical}?utm_source=bluesky&utm_medium=social`);
    expect(bsky?.link.text).toBe('akhbar.example.com/افتتاح-جسر-جديد-في…');
    expect(bsky?.text.endsWith(`\n${bsky.link.text}`)).toBe(true);
    expect(bsky?.card).toMatchObject({ uri: bsky?.link.url, title: 'افتتاح جسر جديد في المدينة بعد عام من النقاش', thumb: { url: 'https://akhbar.example.com/img/jisr.jpg' } });
    expect(bsky?.image).toBeNull();
    // Mastodon with images: false: no image, and Mastodon builds its own card.
    expect(by.get('masto-dry')).toMatchObject({ image: null, card: null, language: 'ar' });
  });
});
