import { attemptRecords, postRecord } from '../../src/delivery/delivery-gate.js';
import { MOVES } from '../../src/delivery/lifecycle.js';
import type { RateBudget } from '../../src/platforms/contract.js';
import type { Store } from '../../src/store/store.js';
import { makeArticle } from './articles.js';

/**
 * Fills a channel's send log the only way product code does: a real delivery claimed (an
 * attempt, costed by the channel's budgets) and, for `post`, posted. One delivery per send, so
 * each has its own time.
 */
export async function logSend(
  store: Store,
  channelId: string,
  at: Date,
  kind: 'attempt' | 'post',
  options: { budgets?: readonly RateBudget[]; withImage?: boolean } = {},
): Promise<void> {
  const key = `send-${channelId}-${at.getTime()}-${Math.random().toString(36).slice(2)}`;
  const event = { at, kind: 'test', message: 'send log', actor: 'test' };
  const article = await store.recordArticle(makeArticle({ key, sourceId: 'send-log' }), at, event);
  const [id] = await store.addDeliveries(
    article.id,
    [{ channelId, routeId: 'test', priority: 'normal', dryRun: false, nextAttemptAt: at, idempotencyKey: key }],
    event,
  );
  if (id === undefined) throw new Error('no delivery');
  await store.transition(id, { ...MOVES.claim, set: { text: key, attemptAt: at }, sends: attemptRecords(channelId, options.budgets ?? [], options.withImage ?? false) }, event);
  if (kind === 'post') await store.transition(id, { ...MOVES.posted, set: { postedAt: at }, sends: [postRecord(channelId)] }, event);
}
