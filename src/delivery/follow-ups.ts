import type { Logger } from '../log/logger.js';
import type { Observer } from '../observe/observer.js';
import type { PostedRef } from '../platforms/contract.js';
import { PublishError } from '../platforms/errors.js';
import type { ChannelRuntime } from '../runtime/channels.js';
import type { ChannelHold, Delivery, DeliveryPatch, SendRecord, Store, StoredArticle } from '../store/store.js';
import { attemptRecords, gateDelivery, postRecord } from './delivery-gate.js';
import { decideAfterError, type RetryPolicy } from './error-policy.js';
import { LIVE_POST_STATES, moveDelivery, type MoveName } from './lifecycle.js';

/** The worker's own move (lifecycle move + event + log when someone else moved it first). */
export type WorkerMove = (
  delivery: Delivery,
  name: MoveName,
  kind: string,
  message: string,
  options?: { set?: DeliveryPatch; sends?: readonly SendRecord[]; data?: Record<string, unknown> },
) => Promise<boolean>;

export interface FollowUpDeps {
  store: Store;
  logger: Logger;
  now: () => Date;
  random: () => number;
  policy: RetryPolicy;
  observer: Observer;
  move: WorkerMove;
  hold: (channelId: string, value: ChannelHold) => Promise<void>;
}

/**
 * While the post a follow-up acts on is still being sent (or queued again), the follow-up waits
 * this long and looks again: a retraction asked for mid-send is carried out once the post lands.
 */
export const PARENT_SETTLE_WAIT_MS = 15_000;

/**
 * How long a re-send of this delivery is still recognised as the same request. Deleting a post
 * and putting the same text on it again are safe to repeat at any time (an already deleted post
 * answers `already-gone`), so a retraction or an edit interrupted by a crash or an unknown answer
 * is always sent again. A correction is a new post (a reply): the platform's own window.
 */
export function idempotencyWindowFor(delivery: Pick<Delivery, 'kind'>, platformWindowMs: number | undefined): number | undefined {
  return delivery.kind === 'retract' || delivery.kind === 'edit' ? Number.POSITIVE_INFINITY : platformWindowMs;
}

const NOUN = { retract: 'retraction', correct: 'correction', edit: 'edit', post: 'post' } as const;

/**
 * The worker's half of retractions, corrections and edits (deliveries of kind `retract`,
 * `correct`, `edit`, whose parent is the post they act on). They skip what only a new post needs
 * (rendering: their text was fixed when queued; the article re-check; the newsroom's schedule:
 * they are queued `breaking`), but every request counts against the account's rate budgets
 * and waits when a budget is spent, as a post does.
 */
export function followUpSender(deps: FollowUpDeps) {
  const { store, now, move } = deps;

  async function send(delivery: Delivery, channel: ChannelRuntime, article: StoredArticle): Promise<void> {
    const noun = NOUN[delivery.kind];
    const log = deps.logger.child({ channel: delivery.channelId, article: delivery.articleId, delivery: delivery.id, kind: delivery.kind });
    const parent = delivery.parentId === undefined ? undefined : await store.getDelivery(delivery.parentId);
    const refuse = async (reason: string): Promise<void> => {
      if (await move(delivery, 'refuse', `${noun}-failed`, reason, { set: { lastError: reason } })) {
        deps.observer.delivered(channel.config.id, 'failed', { deliveryId: delivery.id, reason });
        log.error(reason);
      }
    };
    if (!parent) return refuse(`its post (delivery ${delivery.parentId ?? '?'}) is not in the store`);
    if (parent.state === 'pending' || parent.state === 'sending') {
      const at = new Date(now().getTime() + PARENT_SETTLE_WAIT_MS);
      await move(delivery, 'defer', `${noun}-waits`, `waiting for post ${parent.id} to settle (${parent.state})`, { set: { nextAttemptAt: at, lastError: `waiting for post ${parent.id} (${parent.state})` } });
      return;
    }
    if (parent.state === 'uncertain') {
      return refuse(`post ${parent.id} may or may not be on ${channel.config.id} (uncertain) and Crier has no id for it: check the account by hand`);
    }
    if (delivery.kind === 'retract' && parent.state === 'retracted') {
      // Deleted already (an earlier retraction, or this one before a crash): nothing to send.
      if (await move(delivery, 'claim', `${noun}-sending`, `post ${parent.id} is retracted already`, { set: { attemptAt: now() } })) {
        await move(delivery, 'posted', 'retraction-done', `post ${parent.id} was retracted already`, { set: { postedAt: now(), lastError: null } });
      }
      return;
    }
    const usable = delivery.kind === 'retract' ? ['posted', 'verified', 'missing'] : LIVE_POST_STATES;
    if (!usable.includes(parent.state)) {
      const reason = `post ${parent.id} is ${parent.state}: nothing to ${delivery.kind === 'retract' ? 'delete' : delivery.kind === 'edit' ? 'edit' : 'reply under'}`;
      if (await move(delivery, 'cancel', `${noun}-cancelled`, reason, { set: { lastError: reason } })) log.info(reason);
      return;
    }
    if (parent.remoteId === undefined) {
      return refuse(`post ${parent.id} went out but its id on ${channel.config.id} is unknown: ${delivery.kind === 'retract' ? 'delete' : 'correct'} it by hand`);
    }
    if (parent.dryRun && (!channel.config.dryRun || delivery.kind === 'edit')) {
      // A dry run's post never reached the platform: there is nothing there to act on (and the
      // dry run prints deletions and replies, not edits).
      if (await move(delivery, 'claim', `${noun}-sending`, 'the post was a dry run', { set: { attemptAt: now() } })) {
        if (delivery.kind === 'retract') await retractParent(delivery, parent, 'the post was a dry run: nothing on the platform');
        await move(delivery, 'posted', `${noun}-done`, 'the post was a dry run: nothing sent to the platform', { set: { postedAt: now(), lastError: null } });
      }
      return;
    }
    if ((delivery.kind === 'correct' || delivery.kind === 'edit') && delivery.text === undefined) {
      return refuse(`the ${noun} has no text (it is fixed when queued)`);
    }

    const budgets = delivery.dryRun ? [] : channel.platform.rateBudgets(channel.config);
    // The account's budgets only: a follow-up is queued `breaking`, past the newsroom's schedule.
    const gate = await gateDelivery(store, { delivery, channelId: channel.config.id, budgets, withImage: false, schedule: undefined, now: now() });
    if (gate.kind === 'wait') {
      await deps.hold(channel.config.id, { kind: 'rate-limited', reason: gate.reason, since: now(), until: gate.until, by: 'daemon' });
      log.info({ until: gate.until.toISOString() }, `channel waits: ${gate.reason}`);
      return;
    }
    const ref: PostedRef = { remoteId: parent.remoteId, url: parent.remoteUrl };
    if (delivery.kind === 'correct') return sendCorrection(delivery, parent, ref, channel, article, budgets);
    const sends = attemptRecords(channel.config.id, budgets, false);
    const what = delivery.kind === 'retract' ? `deleting post ${parent.id} from ${channel.config.id}` : `editing post ${parent.id} on ${channel.config.id}`;
    if (!(await move(delivery, 'claim', `${noun}-sending`, what, { set: { attemptAt: now() }, sends }))) return;
    const sending = { ...delivery, attempts: delivery.attempts + 1, firstAttemptAt: delivery.firstAttemptAt ?? now() };
    try {
      if (delivery.kind === 'retract') {
        if (!channel.adapter.remove) throw new PublishError('rejected', 'this platform cannot remove posts');
        const result = await channel.adapter.remove(ref);
        const done = result === 'deleted' ? `deleted ${parent.remoteUrl ?? parent.remoteId} from ${channel.config.id}` : `${parent.remoteUrl ?? parent.remoteId} was already gone from ${channel.config.id}`;
        await retractParent(delivery, parent, done);
        await move(delivery, 'posted', 'retraction-done', done, { set: { postedAt: now(), lastError: null, remoteId: parent.remoteId, remoteUrl: parent.remoteUrl } });
        log.info({ result }, done);
      } else {
        if (!channel.adapter.edit) throw new PublishError('rejected', 'this platform cannot edit posts');
        await channel.adapter.edit(ref, delivery.text ?? '');
        const done = `edited ${parent.remoteUrl ?? parent.remoteId} on ${channel.config.id} (the platform shows the edit history)`;
        await move(delivery, 'posted', 'edit-done', done, { set: { postedAt: now(), lastError: null, remoteId: parent.remoteId, remoteUrl: parent.remoteUrl } });
        log.info(done);
      }
      deps.observer.delivered(channel.config.id, 'posted', { deliveryId: delivery.id });
    } catch (error) {
      await afterFailure(delivery, sending, channel, error, log);
    }
  }

  /** The post itself moves `retracted` (from posted, verified or missing), with its event. */
  async function retractParent(delivery: Delivery, parent: Delivery, message: string): Promise<void> {
    const event = { at: now(), kind: 'post-retracted', message: `${message} (retraction ${delivery.id})`, articleId: parent.articleId, deliveryId: parent.id, channelId: parent.channelId, actor: 'daemon' };
    if (await moveDelivery(store, parent.id, 'retracted', event, { checkAt: null })) return;
    const current = await store.getDelivery(parent.id);
    if (current?.state !== 'retracted') deps.logger.warn({ delivery: parent.id, state: current?.state }, `post ${parent.id} was deleted on the platform but is ${current?.state ?? 'gone'} in the store`);
  }

  /** A reply under the post, sent exactly as a post is: idempotency material persisted first. */
  async function sendCorrection(delivery: Delivery, parent: Delivery, replyTo: PostedRef, channel: ChannelRuntime, article: StoredArticle, budgets: ReturnType<ChannelRuntime['platform']['rateBudgets']>): Promise<void> {
    const log = deps.logger.child({ channel: delivery.channelId, article: delivery.articleId, delivery: delivery.id, kind: delivery.kind });
    const base = { deliveryId: delivery.id, channelId: channel.config.id, text: delivery.text ?? '', article, idempotencyKey: delivery.idempotencyKey, replyTo };
    let prepared: unknown;
    try {
      prepared = delivery.prepared !== undefined ? (JSON.parse(delivery.prepared) as unknown) : await channel.adapter.prepare?.(base);
    } catch (error) {
      // Nothing was sent yet: always safe to try again later.
      const message = error instanceof Error ? error.message : String(error);
      const at = new Date(now().getTime() + deps.policy.baseDelayMs);
      await move(delivery, 'defer', 'correction-retry', `not sent: ${message}`, { set: { nextAttemptAt: at, lastError: message } });
      return;
    }
    const claimed = await move(delivery, 'claim', 'correction-sending', `replying under post ${parent.id} on ${channel.config.id}`, {
      set: { prepared: prepared === undefined ? undefined : JSON.stringify(prepared), attemptAt: now() },
      sends: attemptRecords(channel.config.id, budgets, false),
    });
    if (!claimed) return;
    const sending = { ...delivery, attempts: delivery.attempts + 1, firstAttemptAt: delivery.firstAttemptAt ?? now() };
    try {
      const receipt = await channel.adapter.publish({ ...base, prepared });
      const where = delivery.dryRun ? 'in dry run' : (receipt.url ?? receipt.remoteId);
      await move(delivery, 'posted', 'correction-posted', `correction posted under ${parent.remoteUrl ?? parent.remoteId}: ${where}`, {
        set: { remoteId: receipt.remoteId, remoteUrl: receipt.url, postedAt: now(), lastError: null },
        sends: [postRecord(channel.config.id)],
      });
      deps.observer.delivered(channel.config.id, 'posted', { deliveryId: delivery.id });
      log.info({ remote: receipt.url ?? receipt.remoteId }, 'correction posted');
    } catch (error) {
      await afterFailure(delivery, sending, channel, error, log);
    }
  }

  /** The same rules as a post's failed attempt; a deletion or an edit is never left uncertain. */
  async function afterFailure(delivery: Delivery, sending: Delivery, channel: ChannelRuntime, error: unknown, log: Logger): Promise<void> {
    const noun = NOUN[delivery.kind];
    const failure =
      error instanceof PublishError ? error : new PublishError('unknown-outcome', `unexpected error: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    if (failure.alreadyPosted && delivery.kind === 'correct') {
      const reason = `${channel.config.id} says this exact correction is already on the account: ${failure.message}`;
      await move(delivery, 'posted', 'correction-posted', reason, { set: { postedAt: now(), lastError: reason }, sends: [postRecord(channel.config.id)] });
      return;
    }
    const window = idempotencyWindowFor(delivery, channel.platform.idempotencyWindowMs) ?? 0;
    const verdict = decideAfterError(failure, sending, window, now(), deps.policy, deps.random);
    if (failure.code === 'rate-limited' || failure.code === 'auth') {
      await deps.hold(channel.config.id, {
        kind: failure.code,
        reason: failure.message,
        since: now(),
        until: failure.code === 'rate-limited' && verdict.action === 'retry' ? verdict.at : undefined,
        by: 'daemon',
      });
    }
    if (verdict.action === 'retry') {
      await move(delivery, 'retryLater', `${noun}-retry`, `${failure.code}: ${verdict.reason}; next attempt ${verdict.at.toISOString()}`, {
        set: { nextAttemptAt: verdict.at, lastError: verdict.reason, attempts: failure.code === 'auth' || failure.code === 'rate-limited' ? 'refund' : undefined },
        data: { code: failure.code },
      });
      log.warn({ code: failure.code, next: verdict.at.toISOString() }, verdict.reason);
      return;
    }
    // A deletion or an edit that keeps failing gave up; it never "may have happened twice".
    const state = delivery.kind === 'correct' ? verdict.action : 'failed';
    const reason = state === 'failed' && delivery.kind === 'retract' ? `${channel.config.id} did not delete the post: ${verdict.reason}` : verdict.reason;
    if (await move(delivery, state, `${noun}-${state}`, `${failure.code}: ${reason}`, { set: { lastError: reason }, data: { code: failure.code } })) {
      deps.observer.delivered(channel.config.id, state, { deliveryId: delivery.id, reason });
      log.error({ code: failure.code }, reason);
    }
  }

  return { send };
}
