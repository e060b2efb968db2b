import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createDaemon } from '../../src/daemon/daemon.js';
import { openApp } from '../../src/runtime/app.js';
import { startFakeMastodon } from '../support/fakes/fake-mastodon.js';
import { rss } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-shutdown-send-');
afterAll(() => dir.remove());

describe('stopping while a post is being sent (issue 14 item 7)', () => {
  it('finishes the send in flight and records it, and starts no other', async () => {
    const mastodon = await startFakeMastodon();
    const published = new Date(Date.now() - 10 * 60_000);
    dir.write(
      'feed.xml',
      rss('News', [
        { guid: 'one', title: 'First story', link: 'https://news.example.org/one', pubDate: published },
        { guid: 'two', title: 'Second story', link: 'https://news.example.org/two', pubDate: new Date(published.getTime() + 60_000) },
      ]),
    );
    const config = loadConfig(
      dir.write(
        'crier.yaml',
        `store: { path: crier.db }
sources:
  - { id: news, kind: feed, url: feed.xml, backfill: 2 }
channels:
  - { id: masto, platform: mastodon, instance: "${mastodon.url}", credentials: { accessToken: "\${MASTO_TOKEN}" } }
routes:
  - { id: all, channels: [masto] }
`,
      ),
      { MASTO_TOKEN: mastodon.token },
    );
    const app = await openApp(config, { logger: pino({ level: 'silent' }), write: () => undefined, random: () => 0 });
    // The first status takes 2 s to be created: the stop comes while it is in flight.
    mastodon.setFault({ kind: 'slow', ms: 2000, on: 'publish', times: 1 });
    const daemon = createDaemon(app);
    await daemon.start();
    try {
      let inFlight = false;
      for (let waited = 0; !inFlight && waited < 20_000; waited += 50) {
        inFlight = (await app.store.listDeliveries({})).some((d) => d.state === 'sending');
        if (!inFlight) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(inFlight).toBe(true);
      await daemon.stop();
      // The send in flight was finished and recorded; the other was not begun.
      expect(mastodon.statuses().map((s) => s.text)).toHaveLength(1);
      const states = (await app.store.listDeliveries({})).map((d) => d.state).sort();
      expect(states).toEqual(['pending', 'posted']);
    } finally {
      await app.store.close();
      await mastodon.close();
    }
  });
});
