import { threadId } from 'node:worker_threads';
import { createParsePool } from '../../src/sources/feed/parse-pool.js';
import { rss } from './rss.js';

/**
 * For tests/integration/parse-pool.test.ts: parses one big feed through a worker and does not
 * close the pool, so the process exits only if the idle worker does not hold it open (its idle
 * timeout, ten minutes here, is far beyond the test's: only an unref'd worker lets it go).
 */
const body = rss(
  'Big',
  Array.from({ length: 900 }, (_, i) => ({ guid: `g${i}`, title: `Story ${i}`, link: `https://news.example.org/${i}/`, description: 'word '.repeat(120) })),
);
const pool = createParsePool({ idleMs: 600_000 });
void pool.parse(body, { sourceId: 'once', feedUrl: 'https://news.example.org/feed/', now: new Date() }).then((feed) => {
  if (pool.stats.lastThreadId === threadId) throw new Error('parsed on the main thread');
  process.stdout.write(JSON.stringify({ articles: feed.articles.length, ...pool.stats }));
});
