import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MOVES } from '../../src/delivery/lifecycle.js';
import { pulledAfterPosting } from '../../src/delivery/pulled-after-posting.js';
import { createWebhookAlerts } from '../../src/observe/alerts.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { event, newDelivery, seed, T0 } from '../conformance/harness.js';
import { startServer, type TestServer } from '../support/http-server.js';

/**
 * A story pulled at its source after it was posted (issue 10 item 3): the route's `onUnpublish`
 * decides: `keep` (default) leaves the posts up and alerts a person once, through the real
 * webhook alerter and a loopback webhook; `retract` queues a retraction of each post.
 */
let store: SqliteStore;
let webhook: TestServer;
let alerts: string[];

beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
  alerts = [];
  webhook = await startServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    alerts.push((JSON.parse(body) as { text: string }).text);
    res.writeHead(200).end('ok');
  });
});
afterEach(async () => {
  await store.close();
  await webhook.close();
});

/** An article with a post on x (route keep-route) and one on mastodon (route pull-route), both out. */
async function postedStory(): Promise<{ articleId: number; ids: Record<string, number> }> {
  const story = await seed(store, 'pulled', [newDelivery('x', { routeId: 'keep-route' }), newDelivery('mastodon', { routeId: 'pull-route', idempotencyKey: 'm' })]);
  for (const [channel, id] of Object.entries(story.ids)) {
    expect(await store.transition(id, { ...MOVES.claim, set: { text: 'Story', attemptAt: T0 } }, event('delivery-sending'))).toBe(true);
    expect(await store.transition(id, { ...MOVES.posted, set: { remoteId: `${channel}-1`, postedAt: T0 } }, event('delivery-posted'))).toBe(true);
  }
  return story;
}

async function waitForAlerts(n: number): Promise<void> {
  for (let i = 0; i < 400 && alerts.length < n; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('a story pulled after posting', () => {
  it('keep: the posts stay, the history says so and a person is alerted once with the command to run', async () => {
    const { articleId } = await postedStory();
    const follow = pulledAfterPosting({ store, observer: createWebhookAlerts(webhook.url, pino({ level: 'silent' }), 'crier'), logger: pino({ level: 'silent' }), now: () => T0, onUnpublish: () => 'keep' });
    const first = await follow.follow(articleId, 'news');
    expect(first.kept.map((d) => d.channelId)).toEqual(['x', 'mastodon']);
    // The webhook's unpublish and then the next poll: told once.
    await follow.follow(articleId, 'news');
    await waitForAlerts(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alerts).toEqual([`[crier] story pulled after posting: 2 posts remain (x, mastodon) of article ${articleId} "Story pulled"; run crier retract ${articleId} --reason "…"`]);
    const events = (await store.listEvents({ articleId })).filter((e) => e.kind === 'pulled-after-posting');
    expect(events.map((e) => [e.actor, e.message])).toEqual([['news', `story pulled after posting: 2 posts remain (x, mastodon); run crier retract ${articleId} --reason "…"`]]);
    expect(await store.listDeliveries({ articleId, kinds: ['retract'] })).toEqual([]);
  });

  it('retract: a route that says so has its posts deleted; the others are kept and alerted', async () => {
    const { articleId, ids } = await postedStory();
    const follow = pulledAfterPosting({
      store,
      observer: createWebhookAlerts(webhook.url, pino({ level: 'silent' }), 'crier'),
      logger: pino({ level: 'silent' }),
      now: () => T0,
      onUnpublish: (routeId) => (routeId === 'pull-route' ? 'retract' : 'keep'),
    });
    // A poll reports the story's key at its source as pulled.
    await follow.followKeys('news', ['pulled']);
    const retractions = await store.listDeliveries({ articleId, kinds: ['retract'] });
    expect(retractions.map((r) => [r.channelId, r.parentId, r.state, r.priority])).toEqual([['mastodon', ids.mastodon, 'pending', 'breaking']]);
    const queued = (await store.listEvents({ articleId })).find((e) => e.kind === 'retraction-queued');
    expect(queued).toMatchObject({ actor: 'news', message: 'retraction queued by news: the story was pulled at news (route pull-route: onUnpublish retract)' });
    await waitForAlerts(1);
    expect(alerts).toEqual([`[crier] story pulled after posting: 1 post remains (x) of article ${articleId} "Story pulled"; run crier retract ${articleId} --reason "…"`]);
  });
});

