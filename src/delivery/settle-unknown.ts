import type { Logger } from '../log/logger.js';
import type { Observer } from '../observe/observer.js';
import { PublishError } from '../platforms/errors.js';
import type { ChannelRuntime } from '../runtime/channels.js';
import type { Delivery, Store } from '../store/store.js';
import { countEvents, daemonMove, type DaemonMove } from './daemon-move.js';
import { postRecord } from './delivery-gate.js';
import { findOwnPost } from './match-own-post.js';
import { firstCheckAt, type ReadBackTiming } from './read-back-policy.js';

export interface SettleDeps {
  store: Store;
  channels: ReadonlyMap<string, ChannelRuntime>;
  logger: Logger;
  now: () => Date;
  observer: Observer;
  timing: ReadBackTiming;
}

/** Events that mark where settling a delivery stands (its history, newest first, is the state). */
export const SETTLE_EVENTS = {
  /** The worker's move into `uncertain`: a send of unknown outcome, to settle. */
  uncertain: 'delivery-uncertain',
  found: 'delivery-settled',
  waiting: 'settle-waiting',
  failed: 'settle-failed',
  resent: 'delivery-resent',
  /** Left `uncertain` for a person: nothing more is tried. */
  person: 'settle-left-for-person',
} as const;

/** Clocks differ: the listing starts a little before the first attempt. */
const CLOCK_SKEW_MS = 60_000;
/** Tries of a listing that fails before it is left to a person, and the wait between them. */
const MAX_LISTING_TRIES = 4;
const LISTING_RETRY_MS = 60_000;

/** Uncertain sends never looked for yet are found by a scan of the channel's uncertain deliveries. */
export function needsSettling(newestFirst: readonly { kind: string }[]): boolean {
  const marker = newestFirst.find((event) => event.kind === SETTLE_EVENTS.uncertain || event.kind === SETTLE_EVENTS.person);
  return marker?.kind === SETTLE_EVENTS.uncertain;
}

/**
 * Settles a send whose outcome is unknown (X has no idempotency key; Mastodon's lasts an hour) by
 * reading the account's own posts since the first attempt: found → `posted` with its id; provably
 * absent (listed `absentAfter` past the last attempt, X's posting delay) → re-sent once; the
 * platform unreachable → left `uncertain` for a person. Never re-sent twice: a second absence
 * after the re-send is a person's to judge.
 */
export function createSettler(deps: SettleDeps) {
  const move = (delivery: Delivery, name: 'settled' | 'settleLater' | 'retry', what: DaemonMove) =>
    daemonMove(deps.store, deps.logger, delivery, name, deps.now(), what);

  async function leaveForPerson(delivery: Delivery, reason: string): Promise<void> {
    const message = `${reason}; check ${delivery.channelId}, then crier retry ${delivery.id} or crier cancel ${delivery.id}`;
    if (await move(delivery, 'settleLater', { kind: SETTLE_EVENTS.person, message, set: { checkAt: null, lastError: message } })) {
      deps.logger.error({ delivery: delivery.id, channel: delivery.channelId }, message);
    }
  }

  async function settle(delivery: Delivery): Promise<void> {
    const channel = deps.channels.get(delivery.channelId);
    if (!channel || delivery.state !== 'uncertain') return;
    const article = await deps.store.getArticle(delivery.articleId);
    if (!article || delivery.text === undefined) {
      await leaveForPerson(delivery, 'nothing was recorded of what was sent, so it cannot be looked for on the account');
      return;
    }
    const now = deps.now();
    const firstAttempt = delivery.firstAttemptAt ?? delivery.updatedAt;
    const lastAttempt = delivery.lastAttemptAt ?? firstAttempt;
    let posts;
    try {
      posts = await channel.adapter.recentPosts?.(new Date(firstAttempt.getTime() - CLOCK_SKEW_MS));
    } catch (error) {
      const failure = error instanceof PublishError ? error : new PublishError('unknown-outcome', String(error), { cause: error });
      if (failure.code === 'rejected') {
        await leaveForPerson(delivery, `${delivery.channelId} cannot list the account's posts (${failure.message})`);
        return;
      }
      const tries = (await countEvents(deps.store, delivery, SETTLE_EVENTS.failed, lastAttempt)) + 1;
      if (tries >= MAX_LISTING_TRIES) {
        await leaveForPerson(delivery, `could not list ${delivery.channelId}'s posts to settle it (${tries} tries; last: ${failure.message})`);
        return;
      }
      const at = failure.resetAt ?? new Date(now.getTime() + LISTING_RETRY_MS * 2 ** (tries - 1));
      await move(delivery, 'settleLater', {
        kind: SETTLE_EVENTS.failed,
        message: `could not list ${delivery.channelId}'s posts (${failure.message}); trying again ${at.toISOString()}`,
        set: { checkAt: at },
        data: { code: failure.code, tries },
      });
      return;
    }
    if (posts === undefined) {
      await leaveForPerson(delivery, `${delivery.channelId} cannot list the account's posts`);
      return;
    }
    const links = [...new Set([...(delivery.text.match(/\bhttps?:\/\/\S+/giu) ?? []), article.url, article.canonicalUrl])];
    const found = findOwnPost(posts, { text: delivery.text, links });
    if (found) {
      const where = found.url ?? found.remoteId;
      const moved = await move(delivery, 'settled', {
        kind: SETTLE_EVENTS.found,
        message: `found among ${delivery.channelId}'s own posts (${where}): it went out; recorded as posted`,
        set: { remoteId: found.remoteId, remoteUrl: found.url, postedAt: found.createdAt ?? now, lastError: null, checkAt: firstCheckAt(channel, deps.timing, now) },
        sends: [postRecord(delivery.channelId)],
      });
      if (moved) {
        deps.logger.info({ delivery: delivery.id, channel: delivery.channelId, remote: where }, 'settled an unknown outcome: it was posted');
        deps.observer.delivered(delivery.channelId, 'posted', { deliveryId: delivery.id });
      }
      return;
    }
    const provenAt = lastAttempt.getTime() + deps.timing.absentAfter;
    if (now.getTime() < provenAt) {
      const at = new Date(provenAt);
      await move(delivery, 'settleLater', {
        kind: SETTLE_EVENTS.waiting,
        message: `not among ${delivery.channelId}'s posts yet; looking again at ${at.toISOString()} (a post may take a while to be listed)`,
        set: { checkAt: at },
      });
      return;
    }
    if ((await countEvents(deps.store, delivery, SETTLE_EVENTS.resent, undefined)) > 0) {
      await leaveForPerson(delivery, `not among ${delivery.channelId}'s posts even after it was re-sent once`);
      return;
    }
    const moved = await move(delivery, 'retry', {
      kind: SETTLE_EVENTS.resent,
      message: `not among ${delivery.channelId}'s own posts ${Math.round((now.getTime() - lastAttempt.getTime()) / 1000)} s after the attempt: it never went out; re-sending once`,
      set: { nextAttemptAt: now, lastError: null, checkAt: null },
    });
    if (moved) deps.logger.warn({ delivery: delivery.id, channel: delivery.channelId }, 'an unknown outcome proved absent on the account: re-sending once');
  }

  return {
    settle,
    /** Uncertain sends on these channels that no one has looked for yet: settled now. */
    async scan(channelIds: readonly string[]): Promise<number> {
      let settled = 0;
      for (const channelId of channelIds) {
        const channel = deps.channels.get(channelId);
        // Bluesky's record key makes every re-send safe: it is never uncertain, never listed.
        if (!channel || channel.config.dryRun || !Number.isFinite(channel.platform.idempotencyWindowMs)) continue;
        const uncertain = await deps.store.listDeliveries({ channelId, states: ['uncertain'], kinds: ['post'], limit: 200 });
        for (const delivery of uncertain) {
          if (delivery.checkAt !== undefined) continue; // due at its checkAt already
          if (!needsSettling(await deps.store.listEvents({ deliveryId: delivery.id, newestFirst: true, limit: 20 }))) continue;
          await settle(delivery);
          settled += 1;
        }
      }
      return settled;
    },
  };
}

export type Settler = ReturnType<typeof createSettler>;
