import type { Logger } from '../log/logger.js';
import { PublishError } from '../platforms/errors.js';
import { FitError } from '../render/fit.js';
import type { ChannelRuntime } from '../runtime/channels.js';
import type { TextRules } from '../render/text-rules.js';
import type { TemplateSet } from '../runtime/templates.js';
import type { ChannelHold, Delivery, DeliveryPatch, EventRecord, SendRecord, Store } from '../store/store.js';
import { holdsStop } from './channel-holds.js';
import { silentObserver, type Observer } from '../observe/observer.js';
import { attemptRecords, gateDelivery, postRecord } from './delivery-gate.js';
import { channelLeases } from './channel-leases.js';
import { createLanes } from './lanes.js';
import { moveDelivery, type MoveName } from './lifecycle.js';
import { replicaName } from './replica-name.js';
import { recheckBeforeSend, type ArticleRecheck } from './recheck-article.js';
import { renderPost } from './render-post.js';
import { DEFAULT_READ_BACK, firstCheckAt, type ReadBackTiming } from './read-back-policy.js';
import { decideAfterError, decideAfterInterruption, DEFAULT_RETRY_POLICY, type RetryPolicy } from './error-policy.js';
import { followUpSender, idempotencyWindowFor } from './follow-ups.js';

export interface WorkerDeps {
  store: Store;
  channels: ReadonlyMap<string, ChannelRuntime>;
  templates: TemplateSet;
  logger: Logger;
  now: () => Date;
  random: () => number;
  defaultLanguage: string;
  retry?: RetryPolicy;
  observer?: Observer;
  /** When a post is first read back (the config's `readBack`); default DEFAULT_READ_BACK. */
  readBack?: ReadBackTiming | undefined;
  /** Re-check the article's page before sending a delivery that waited (none: never checked). */
  recheck?: ArticleRecheck | undefined;
  /**
   * This process, as the store's leases know it: only the replica holding a channel's lease
   * sends for it. Default: a name unique to this process.
   */
  owner?: string;
}

export interface Worker {
  /**
   * Starts a lane for each channel with due work and no lane running (at most MAX_LANES at once)
   * and returns without waiting for them: a lane sends its channel's due deliveries one at a
   * time and ends. Returns how many due deliveries it handed to new lanes. Rejects with an error
   * a lane ended with since the last call (the daemon's tick then fails and backs off).
   */
  runDue(signal?: AbortSignal): Promise<number>;
  /**
   * runDue, then waits until every lane has ended (the CLI and tests: everything due is done).
   * Returns how many deliveries the lanes handled meanwhile.
   */
  drain(signal?: AbortSignal): Promise<number>;
  /**
   * Settles what the last run left: deliveries a crash left `sending` (re-sent only where the
   * platform makes it safe) and auth holds (the credentials may have been fixed before this start).
   */
  recover(): Promise<number>;
  /** When the worker next has something to do, so the daemon can sleep until then. */
  nextDueAt(): Promise<Date | undefined>;
  /**
   * A clean stop: no lane begins another send, the sends in flight are finished and recorded,
   * then this process's channel leases are given up so another replica sends at once.
   */
  stop(): Promise<void>;
  /** Delivers one pending delivery now, if its channel is not held (`crier post --now`). */
  deliverOne(id: number): Promise<Delivery | undefined>;
}

const BATCH = 50;
/** Channels sending at once; each channel sends one delivery at a time. */
export const MAX_LANES = 8;
/**
 * While lanes run, the daemon plans to look again this soon: a lane may leave work due later (a
 * retry, a hold's end) that nextDueAt could not see while the lane was draining its channel.
 */
const LANE_RECHECK_MS = 1_000;

/** How long a channel's text rules are reused before they are read again. */
const RULES_TTL_MS = 60_000;

/**
 * The channels with their text rules kept a minute: reading them for every post (a module
 * import, the Mastodon instance's limits from the store) cost more than fitting the post. A
 * failed read is not kept.
 */
function steadyRules(runtimes: ReadonlyMap<string, ChannelRuntime>, now: () => Date): ReadonlyMap<string, ChannelRuntime> {
  const steady = new Map<string, ChannelRuntime>();
  for (const [id, runtime] of runtimes) {
    let kept: { rules: Promise<TextRules>; at: number } | undefined;
    const textRules = (): Promise<TextRules> => {
      const at = now().getTime();
      if (kept && at - kept.at < RULES_TTL_MS && at >= kept.at) return kept.rules;
      const rules = runtime.textRules();
      const entry = { rules, at };
      kept = entry;
      rules.catch(() => {
        if (kept === entry) kept = undefined;
      });
      return rules;
    };
    steady.set(id, { ...runtime, textRules });
  }
  return steady;
}

/**
 * Takes due deliveries from the store and hands each to its channel's adapter. The exact text
 * and the idempotency material are persisted (markSending) before the request leaves, so a crash
 * at any point leaves enough behind to finish the job without posting twice.
 */
export function createWorker(deps: WorkerDeps): Worker {
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  const channels = steadyRules(deps.channels, deps.now);
  const observer = deps.observer ?? silentObserver;
  let settledOnLease = 0;
  // A `sending` delivery is only ever its channel's lease holder's: whenever a lease is gained (at
  // start, or from a replica that died), what its last holder left in flight is settled before
  // anything else is sent on that account.
  const leaseKeeper = channelLeases(deps.store, deps.owner ?? replicaName(), [...deps.channels.keys()], deps.now, async (channelId) => {
    settledOnLease += await settle(await deps.store.listDeliveries({ channelId, states: ['sending'], limit: 100_000 }));
  });
  // Lanes ask for their leases concurrently: one renewal at a time, shared by all who ask meanwhile.
  let leasing: Promise<readonly string[]> | undefined;
  const leases = {
    held: (): Promise<readonly string[]> =>
      (leasing ??= leaseKeeper.held().finally(() => {
        leasing = undefined;
      })),
    release: () => leaseKeeper.release(),
  };

  async function hold(channelId: string, value: ChannelHold): Promise<void> {
    await deps.store.setHold(channelId, value);
    observer.channelHeld(channelId, value.kind, value.reason, value.until);
  }

  /** One move of the lifecycle, with its event; false if another process moved it first. */
  async function move(
    delivery: Delivery,
    name: MoveName,
    kind: string,
    message: string,
    options: { set?: DeliveryPatch; sends?: readonly SendRecord[]; data?: Record<string, unknown> } = {},
  ): Promise<boolean> {
    const moved = await moveDelivery(deps.store, delivery.id, name, event(delivery, kind, message, options.data), options.set, options.sends);
    if (!moved) deps.logger.warn({ delivery: delivery.id, move: name }, `delivery ${delivery.id} was moved by someone else first; leaving it`);
    return moved;
  }

  // Retractions, corrections and edits of a post (follow-ups.ts).
  const followUps = followUpSender({ store: deps.store, logger: deps.logger, now: deps.now, random: deps.random, policy, observer, move, hold });

  const event = (delivery: Delivery, kind: string, message: string, data?: Record<string, unknown>): EventRecord => ({
    at: deps.now(),
    kind,
    message,
    articleId: delivery.articleId,
    deliveryId: delivery.id,
    channelId: delivery.channelId,
    actor: 'daemon',
    data,
  });

  async function deliver(delivery: Delivery): Promise<void> {
    const log = deps.logger.child({ channel: delivery.channelId, article: delivery.articleId, delivery: delivery.id });
    const channel = channels.get(delivery.channelId);
    // Only leased channels are due, and only configured channels are leased.
    if (!channel) throw new Error(`delivery ${delivery.id} is for channel ${delivery.channelId}, which is not configured`);
    const article = await deps.store.getArticle(delivery.articleId);
    if (!article) throw new Error(`delivery ${delivery.id} points at missing article ${delivery.articleId}`);
    if (delivery.kind !== 'post') return followUps.send(delivery, channel, article);
    const budgets = delivery.dryRun ? [] : channel.platform.rateBudgets(channel.config);
    const withImage = article.image !== undefined && channel.config.images !== false;
    const gate = await gateDelivery(deps.store, {
      delivery,
      channelId: channel.config.id,
      budgets,
      withImage,
      schedule: channel.config.schedule,
      now: deps.now(),
    });
    if (gate.kind === 'wait') {
      // The whole channel waits (it is the account's budget or the newsroom's policy), so the
      // rest of its queue is not re-checked delivery by delivery until then.
      await hold(channel.config.id, {
        kind: gate.scope === 'limit' ? 'rate-limited' : 'schedule',
        reason: gate.reason,
        since: deps.now(),
        until: gate.until,
        by: 'daemon',
      });
      log.info({ until: gate.until.toISOString() }, `channel waits: ${gate.reason}`);
      return;
    }
    if (gate.kind === 'skip') {
      if (!(await move(delivery, 'skip', 'delivery-skipped', gate.reason, { set: { lastError: gate.reason } }))) return;
      observer.delivered(channel.config.id, 'skipped', { deliveryId: delivery.id, reason: gate.reason });
      log.info(gate.reason);
      return;
    }
    const recheck = await recheckBeforeSend(deps.recheck, delivery, article.url, deps.now());
    if (recheck.send && recheck.note !== undefined) log.warn(recheck.note);
    if (!recheck.send) {
      const data = { url: article.url, status: recheck.status };
      if (!(await move(delivery, 'cancel', 'article-gone', recheck.reason, { set: { lastError: 'article gone' }, data }))) return;
      log.error(data, recheck.reason);
      observer.articleGone(channel.config.id, { deliveryId: delivery.id, articleId: article.id, ...data });
      return;
    }

    let text = delivery.text;
    if (text === undefined) {
      try {
        text = (await renderPost(article, channel, deps.templates, delivery.template, deps.defaultLanguage)).text;
      } catch (error) {
        if (!(error instanceof FitError)) throw error;
        const reason = `channel ${channel.config.id}: ${error.message}`;
        log.error({ length: error.length, limit: error.limit }, reason);
        if (!(await move(delivery, 'refuse', 'delivery-failed', reason, { set: { lastError: reason } }))) return;
        observer.delivered(channel.config.id, 'failed', { deliveryId: delivery.id, reason });
        return;
      }
    }

    const base = { deliveryId: delivery.id, channelId: channel.config.id, text, article, idempotencyKey: delivery.idempotencyKey };
    let sending = delivery;
    try {
      // The idempotency material is chosen once and persisted before the first request leaves.
      const prepared =
        delivery.prepared !== undefined ? (JSON.parse(delivery.prepared) as unknown) : await channel.adapter.prepare?.(base);
      // The claim, the text, the idempotency material and the attempt's cost are one write: an
      // editor's cancel either came first (and nothing is sent) or fails.
      const claimed = await move(delivery, 'claim', 'delivery-sending', `sending to ${channel.config.id}`, {
        set: { text, prepared: prepared === undefined ? undefined : JSON.stringify(prepared), attemptAt: deps.now() },
        sends: attemptRecords(channel.config.id, budgets, withImage),
      });
      if (!claimed) return;
      sending = { ...delivery, attempts: delivery.attempts + 1, firstAttemptAt: delivery.firstAttemptAt ?? deps.now() };
      // Not aborted on shutdown: a request already on its way is finished and recorded, so
      // nothing is left `sending` (adapters bound each request with their own timeout).
      const receipt = await channel.adapter.publish({ ...base, prepared });
      const where = delivery.dryRun ? 'in dry run' : (receipt.url ?? receipt.remoteId);
      await move(delivery, 'posted', 'delivery-posted', `posted to ${channel.config.id} ${where}`, {
        set: { remoteId: receipt.remoteId, remoteUrl: receipt.url, postedAt: deps.now(), lastError: null, checkAt: firstCheckAt(channel, deps.readBack ?? DEFAULT_READ_BACK, deps.now()) },
        sends: [postRecord(channel.config.id)],
      });
      log.info({ remote: receipt.url ?? receipt.remoteId, dryRun: delivery.dryRun }, 'posted');
      observer.delivered(channel.config.id, 'posted', { deliveryId: delivery.id, latencyMs: deps.now().getTime() - article.firstSeenAt.getTime() });
      if (receipt.rateLimit && receipt.rateLimit.remaining <= 0) {
        // The platform said this was the last one until its reset: nothing more before then.
        await hold(channel.config.id, {
          kind: 'rate-limited',
          reason: 'the platform reported no requests remaining',
          since: deps.now(),
          until: receipt.rateLimit.resetAt,
          by: 'daemon',
        });
      }
    } catch (error) {
      const failure =
        error instanceof PublishError
          ? error
          : new PublishError('unknown-outcome', `unexpected error: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      if (failure.alreadyPosted) {
        const reason = `${channel.config.id} says this exact post is already on the account: ${failure.message}`;
        await move(delivery, 'posted', 'delivery-posted', reason, {
          // No id came back, so there is nothing to read back.
          set: { postedAt: deps.now(), lastError: reason, checkAt: null },
          sends: [postRecord(channel.config.id)],
        });
        observer.delivered(channel.config.id, 'posted', { deliveryId: delivery.id });
        log.warn(reason);
        return;
      }
      if (sending === delivery) {
        // Failed before anything was sent (preparing): always safe to try again later.
        const at = new Date(deps.now().getTime() + policy.baseDelayMs);
        await move(delivery, 'defer', 'delivery-retry', `not sent: ${failure.message}`, { set: { nextAttemptAt: at, lastError: failure.message } });
        log.warn({ next: at.toISOString() }, `could not prepare the post: ${failure.message}`);
        return;
      }
      const verdict = decideAfterError(failure, sending, channel.platform.idempotencyWindowMs, deps.now(), policy, deps.random);
      if (failure.code === 'rate-limited' || failure.code === 'auth') {
        // Limits and credentials belong to the account: every delivery of the channel waits.
        await hold(channel.config.id, {
          kind: failure.code,
          reason: failure.message,
          since: deps.now(),
          until: failure.code === 'rate-limited' && verdict.action === 'retry' ? verdict.at : undefined,
          by: 'daemon',
        });
      }
      if (verdict.action === 'retry') {
        await move(delivery, 'retryLater', 'delivery-retry', `${failure.code}: ${verdict.reason}; next attempt ${verdict.at.toISOString()}`, {
          set: {
            nextAttemptAt: verdict.at,
            lastError: verdict.reason,
            // Refused before anything happened: the try does not count towards giving up.
            attempts: failure.code === 'auth' || failure.code === 'rate-limited' ? 'refund' : undefined,
          },
          data: { code: failure.code },
        });
        log.warn({ code: failure.code, next: verdict.at.toISOString() }, verdict.reason);
      } else {
        const moved = await move(delivery, verdict.action, `delivery-${verdict.action}`, `${failure.code}: ${verdict.reason}`, {
          set: { lastError: verdict.reason },
          data: { code: failure.code },
        });
        if (!moved) return;
        observer.delivered(channel.config.id, verdict.action, { deliveryId: delivery.id, reason: verdict.reason });
        log.error({ code: failure.code }, verdict.reason);
      }
    }
  }

  /**
   * Deliveries a crash left `sending` (this process's last life, or a replica that died): re-sent
   * only where the platform makes it safe, else `uncertain` for a person.
   */
  async function settle(stuck: readonly Delivery[]): Promise<number> {
    for (const delivery of stuck) {
      const window = idempotencyWindowFor(delivery, deps.channels.get(delivery.channelId)?.platform.idempotencyWindowMs);
      const verdict = decideAfterInterruption(delivery, window, deps.now(), policy);
      if (verdict.action === 'retry') {
        await move(delivery, 'retryLater', 'delivery-recovered', `${verdict.cause}; re-sending safely`, { set: { nextAttemptAt: deps.now(), lastError: verdict.cause } });
      } else if (await move(delivery, 'uncertain', 'delivery-uncertain', verdict.reason, { set: { lastError: verdict.reason } })) {
        observer.delivered(delivery.channelId, 'uncertain', { deliveryId: delivery.id, reason: verdict.reason });
      }
    }
    return stuck.length;
  }

  const heldNow = async (delivery: Delivery) => holdsStop(await deps.store.listHolds(deps.now(), delivery.channelId), delivery.priority);

  let stopping = false;
  let handled = 0;
  const halted = (signal: AbortSignal | undefined) => stopping || signal?.aborted === true;

  /** One pass over a channel's due work, one delivery at a time, while its lease is held. */
  async function drainChannel(channelId: string, first: readonly Delivery[] | undefined, signal: AbortSignal | undefined): Promise<void> {
    let due = first;
    for (;;) {
      if (halted(signal)) return;
      if (due === undefined) {
        const held = await leases.held();
        if (!held.includes(channelId)) return;
        due = await deps.store.dueDeliveries(deps.now(), BATCH, [channelId]);
      }
      if (due.length === 0) return;
      for (const delivery of due) {
        if (halted(signal)) return;
        // A pause (CLI) or a hold set by an earlier delivery in this batch stops the channel
        // at once, not at the next batch.
        if (await heldNow(delivery)) continue;
        await deliver(delivery);
        handled += 1;
      }
      due = undefined;
    }
  }

  // The signal of the latest runDue: lanes started by earlier calls see a stop through `stopping`.
  let laneSignal: AbortSignal | undefined;
  const lanes = createLanes<Delivery>(MAX_LANES, (channelId, first) => drainChannel(channelId, first, laneSignal));

  function laneFailure(): void {
    const [error] = lanes.takeErrors();
    if (error !== undefined) throw error;
  }

  async function runDue(signal?: AbortSignal): Promise<number> {
    laneFailure();
    if (halted(signal)) return 0;
    laneSignal = signal;
    const held = await leases.held();
    const taken = lanes.taken();
    const free = held.filter((c) => !taken.has(c));
    // Held channels are left out by the query itself (the holds table is joined), and so are
    // channels another replica is sending for.
    let due = free.length === 0 ? [] : await deps.store.dueDeliveries(deps.now(), BATCH, free);
    if (due.length === BATCH) {
      // One busy channel can fill a batch: the other channels are asked one by one.
      const seen = new Set(due.map((d) => d.channelId));
      for (const channelId of free) {
        if (!seen.has(channelId)) due = [...due, ...(await deps.store.dueDeliveries(deps.now(), 1, [channelId]))];
      }
    }
    const byChannel = new Map<string, Delivery[]>();
    for (const delivery of due) {
      const list = byChannel.get(delivery.channelId);
      if (list) list.push(delivery);
      else byChannel.set(delivery.channelId, [delivery]);
    }
    let started = 0;
    for (const [channelId, deliveries] of byChannel) {
      // The lane sends these first, then looks for the rest of its channel's queue itself.
      if (lanes.offer(channelId, deliveries)) started += deliveries.length;
    }
    // A lane running since before the query may have looked for work already: it looks once more.
    for (const channelId of held) if (taken.has(channelId)) lanes.offer(channelId);
    return started;
  }

  return {
    runDue,
    async drain(signal) {
      const before = handled;
      await runDue(signal);
      await lanes.idle();
      laneFailure();
      return handled - before;
    },
    async deliverOne(id) {
      const found = await deps.store.getDelivery(id);
      if (!found || found.state !== 'pending') return found;
      // Never beside a lane of the same channel: one send at a time per account.
      return lanes.exclusive(found.channelId, async () => {
        const delivery = await deps.store.getDelivery(id);
        if (!delivery || delivery.state !== 'pending') return delivery;
        if (await heldNow(delivery)) return delivery;
        if (!(await leases.held()).includes(delivery.channelId)) return delivery;
        await deliver(delivery);
        return deps.store.getDelivery(id);
      });
    },
    async nextDueAt() {
      const held = await leases.held();
      if (lanes.running() === 0) return deps.store.nextDueAt(deps.now(), held);
      // Channels with a lane are its to drain; what they leave due later is seen at the recheck.
      const taken = lanes.taken();
      const free = held.filter((c) => !taken.has(c));
      const recheck = new Date(deps.now().getTime() + LANE_RECHECK_MS);
      const due = free.length === 0 ? undefined : await deps.store.nextDueAt(deps.now(), free);
      return due !== undefined && due < recheck ? due : recheck;
    },
    async stop() {
      stopping = true;
      // A send in flight is finished and recorded (adapters bound each request with a timeout).
      await lanes.idle();
      await leases.release();
      stopping = false;
    },
    async recover() {
      for (const channelId of deps.channels.keys()) await deps.store.clearHolds(channelId, ['auth'], deps.now());
      let settled = 0;
      for (const delivery of await deps.store.listDeliveries({ states: ['pending', 'sending'], limit: 100_000 })) {
        if (deps.channels.has(delivery.channelId)) continue;
        if (delivery.state === 'sending') settled += await settle([delivery]);
        else {
          await move(delivery, 'cancel', 'delivery-cancelled', `channel ${delivery.channelId} is no longer in the config`, {
            set: { lastError: 'channel no longer configured' },
          });
        }
      }
      // Taking the leases settles what the channels' last holders left in flight.
      await leases.held();
      return settled + settledOnLease;
    },
  };
}
