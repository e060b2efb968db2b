import { PublishError } from '../platforms/errors.js';
import type { Delivery } from '../store/store.js';
import { channelLeases } from './channel-leases.js';
import { countEvents, daemonMove, type DaemonMove } from './daemon-move.js';
import { nextCheckAt } from './read-back-policy.js';
import { replicaName } from './replica-name.js';
import { createSettler, type SettleDeps } from './settle-unknown.js';

/** What settling needs, and which replica this is. */
export interface ReadBackDeps extends SettleDeps {
  /** This replica in the store's leases: it reads back only the channels it sends for. */
  owner?: string | undefined;
}

export interface ReadBack {
  /** Reads back the posts due and settles the unknown sends due, on the channels this replica leases. */
  runDue(signal?: AbortSignal): Promise<number>;
  /** The next read-back or settling due, so the daemon wakes for it. */
  nextDueAt(): Promise<Date | undefined>;
}

const BATCH = 20;
/** Read-backs that got no answer before the post is left `posted` (with an event), and their spacing. */
export const MAX_READ_BACK_TRIES = 5;
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 30 * 60_000;
/** Uncertain sends are looked for this often (each a query per channel); due ones follow checkAt. */
const SCAN_EVERY_MS = 5_000;
const FAR_FUTURE = new Date(8.64e15);

export const READ_BACK_EVENTS = { verified: 'delivery-verified', missing: 'delivery-missing', failed: 'read-back-failed', gaveUp: 'read-back-gave-up' } as const;

/**
 * Reads each post back from its platform after it was posted (`checkAt`, set by the worker's
 * `posted` move): there → `verified` (and read again later), gone → `missing` with an event, an
 * alert and a metric; never re-sent by itself (`crier retry` does that on purpose). A platform
 * that does not answer pushes the read-back later, a few times, then leaves the post `posted`.
 * The same loop settles sends of unknown outcome (settle-unknown.ts).
 */
export function createReadBack(deps: ReadBackDeps): ReadBack {
  const leases = channelLeases(deps.store, deps.owner ?? replicaName(), [...deps.channels.keys()], deps.now);
  const settler = createSettler(deps);
  let scannedAt = Number.NEGATIVE_INFINITY;

  /** The posted or verified post keeps its state: only its next read-back changes. */
  const keep = (delivery: Delivery, what: DaemonMove) =>
    daemonMove(deps.store, deps.logger, delivery, delivery.state === 'verified' ? 'verify' : 'checkLater', deps.now(), what);

  async function readBack(delivery: Delivery): Promise<void> {
    const channel = deps.channels.get(delivery.channelId);
    if (!channel) return;
    const now = deps.now();
    if (delivery.remoteId === undefined) {
      // Recorded from X's "duplicate content" answer: posted, but its id was never given.
      await keep(delivery, { kind: READ_BACK_EVENTS.gaveUp, message: 'not read back: the platform never gave this post an id', set: { checkAt: null } });
      return;
    }
    let answer;
    try {
      answer = await channel.adapter.readBack?.({ remoteId: delivery.remoteId, url: delivery.remoteUrl });
    } catch (error) {
      await notAnswered(delivery, error instanceof PublishError ? error : new PublishError('unknown-outcome', String(error), { cause: error }));
      return;
    }
    if (answer === undefined) {
      await notAnswered(delivery, new PublishError('rejected', 'this platform cannot read posts back'));
      return;
    }
    const where = delivery.remoteUrl ?? delivery.remoteId;
    if (answer.found) {
      const next = nextCheckAt(delivery.postedAt, deps.timing, now);
      const moved = await daemonMove(deps.store, deps.logger, delivery, 'verify', now, {
        kind: READ_BACK_EVENTS.verified,
        message: `read back from ${delivery.channelId}: the post is there (${where})${next ? `; read again ${next.toISOString()}` : ''}`,
        set: { checked: true, checkAt: next },
      });
      if (moved) deps.observer.postChecked(delivery.channelId, 'verified', { deliveryId: delivery.id, articleId: delivery.articleId, url: delivery.remoteUrl });
      return;
    }
    const message = `${where} is no longer on ${delivery.channelId}: ${answer.reason}. It is not re-sent by itself: crier retry ${delivery.id} posts it again`;
    const moved = await daemonMove(deps.store, deps.logger, delivery, 'lose', now, {
      kind: READ_BACK_EVENTS.missing,
      message,
      set: { checked: true, checkAt: null, lastError: `missing at read-back: ${answer.reason}` },
      data: { reason: answer.reason, remoteId: delivery.remoteId },
    });
    if (!moved) return;
    deps.logger.error({ delivery: delivery.id, channel: delivery.channelId, article: delivery.articleId, remote: where }, message);
    deps.observer.postChecked(delivery.channelId, 'missing', { deliveryId: delivery.id, articleId: delivery.articleId, url: delivery.remoteUrl, reason: answer.reason });
  }

  /** No answer: later (bounded), or never when the platform cannot read posts back at all. */
  async function notAnswered(delivery: Delivery, failure: PublishError): Promise<void> {
    if (failure.code === 'rejected') {
      await keep(delivery, { kind: READ_BACK_EVENTS.gaveUp, message: `not read back: ${failure.message}`, set: { checkAt: null } });
      return;
    }
    const tries = (await countEvents(deps.store, delivery, READ_BACK_EVENTS.failed, delivery.postedAt)) + 1;
    if (tries >= MAX_READ_BACK_TRIES) {
      const message = `not read back after ${tries} tries (last: ${failure.message}); left ${delivery.state}`;
      if (await keep(delivery, { kind: READ_BACK_EVENTS.gaveUp, message, set: { checkAt: null }, data: { code: failure.code } })) {
        deps.logger.warn({ delivery: delivery.id, channel: delivery.channelId }, message);
      }
      return;
    }
    const wait = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (tries - 1));
    const at = failure.resetAt ?? new Date(deps.now().getTime() + wait);
    await keep(delivery, {
      kind: READ_BACK_EVENTS.failed,
      message: `could not read the post back from ${delivery.channelId} (${failure.code}: ${failure.message}); trying again ${at.toISOString()}`,
      set: { checkAt: at },
      data: { code: failure.code, tries },
    });
  }

  return {
    async runDue(signal) {
      const held = await leases.held();
      let handled = 0;
      if (deps.now().getTime() - scannedAt >= SCAN_EVERY_MS) {
        scannedAt = deps.now().getTime();
        handled += await settler.scan(held);
      }
      // Each due delivery once per run: one that could not be moved (someone else moved it
      // first) is not read again in a loop; the next run sees its new state.
      const seen = new Set<number>();
      for (;;) {
        if (signal?.aborted) return handled;
        const due = (await deps.store.dueChecks(deps.now(), BATCH, held)).filter((d) => !seen.has(d.id));
        if (due.length === 0) return handled;
        for (const delivery of due) {
          if (signal?.aborted) return handled;
          seen.add(delivery.id);
          if (delivery.state === 'uncertain') await settler.settle(delivery);
          else await readBack(delivery);
          handled += 1;
        }
      }
    },
    async nextDueAt() {
      const [next] = await deps.store.dueChecks(FAR_FUTURE, 1, await leases.held());
      return next?.checkAt;
    },
  };
}
