import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { articleFates } from '../../src/cli/article-fates.js';
import type { CliContext } from '../../src/cli/context.js';
import { pulledStories } from '../../src/cli/pulled-stories.js';
import { editorActions } from '../../src/delivery/editor-actions.js';
import { MOVES } from '../../src/delivery/lifecycle.js';
import { pullSourceArticle } from '../../src/delivery/pull-article.js';
import { pulledAfterPosting } from '../../src/delivery/pulled-after-posting.js';
import { silentObserver } from '../../src/observe/observer.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { event, HOUR, MINUTE, newDelivery, seed, T0, at } from '../conformance/harness.js';

/** What `crier history` and `crier status` say became of a story: pulled, retracted, corrected, by whom, when and why. */
let store: SqliteStore;
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
});
afterEach(() => store.close());

async function posted(key: string): Promise<number> {
  const { articleId, ids } = await seed(store, key, [newDelivery('x', { idempotencyKey: `x-${key}` }), newDelivery('mastodon', { idempotencyKey: `m-${key}` })]);
  for (const id of Object.values(ids)) {
    await store.transition(id, { ...MOVES.claim, set: { text: 'Story', attemptAt: T0 } }, event('delivery-sending'));
    await store.transition(id, { ...MOVES.posted, set: { remoteId: `r${id}`, postedAt: T0 } }, event('delivery-posted'));
  }
  return articleId;
}

describe('what became of a story', () => {
  it('folds a command or a pull over several channels into one line with who, when, why and the channels', async () => {
    const articleId = await posted('bridge');
    const article = (await store.getArticle(articleId))!;
    const editor = editorActions({ store, now: () => at(HOUR) });
    await editor.correct(article, { texts: async () => ({ text: 'Correction: 7 to 2.' }), actor: 'ana' });
    await pulledAfterPosting({ store, observer: silentObserver, logger: pino({ level: 'silent' }), now: () => at(2 * HOUR), onUnpublish: () => 'keep' }).follow(articleId, 'news');
    await editorActions({ store, now: () => at(3 * HOUR) }).retract(article, { reason: 'legal: names a minor', actor: 'ben' });

    const fates = articleFates(await store.listEvents({ articleId }));
    expect(fates.map((f) => [f.what, f.by, f.at, f.channels, f.why])).toEqual([
      ['corrected', 'ana', at(HOUR), ['x', 'mastodon'], 'Correction: 7 to 2.'],
      ['pulled', 'news', at(2 * HOUR), ['x', 'mastodon'], `story pulled after posting: 2 posts remain (x, mastodon); run crier retract ${articleId} --reason "…"`],
      ['retracted', 'ben', at(3 * HOUR), ['x', 'mastodon'], 'legal: names a minor'],
    ]);
  });

  it('status lists the stories pulled in the last 24 h with the posts still up, newest first', async () => {
    const old = await posted('old');
    const kept = await posted('kept');
    const queued = await seed(store, 'queued', [newDelivery('x', { idempotencyKey: 'x-queued' })]);
    await pullSourceArticle(store, 'news', { key: 'old' }, at(-30 * HOUR));
    const follow = pulledAfterPosting({ store, observer: silentObserver, logger: pino({ level: 'silent' }), now: () => at(-30 * HOUR), onUnpublish: () => 'keep' });
    await follow.follow(old, 'news');
    const recent = pulledAfterPosting({ store, observer: silentObserver, logger: pino({ level: 'silent' }), now: () => at(-2 * HOUR), onUnpublish: () => 'keep' });
    await recent.follow(kept, 'news');
    await pullSourceArticle(store, 'news', { key: 'queued' }, at(-10 * MINUTE));

    const app = { store, editor: editorActions({ store, now: () => T0 }) } as unknown as CliContext['app'];
    const stories = await pulledStories({ app }, T0);
    expect(stories.map((s) => [s.articleId, s.by, s.at, s.up, s.retracted])).toEqual([
      [queued.articleId, 'news', at(-10 * MINUTE), 0, 0],
      [kept, 'news', at(-2 * HOUR), 2, 0],
    ]);
  });
});
