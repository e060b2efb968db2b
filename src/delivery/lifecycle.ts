import type { DeliveryChange, DeliveryPatch, DeliveryState, EventRecord, NewDelivery, SendRecord, Store, TitleRepost } from '../store/store.js';

interface Move {
  from: readonly DeliveryState[];
  to: DeliveryState;
  unsentOnly?: boolean;
}

/**
 * The life of a delivery, written once. Every change of a delivery's state is one of these moves,
 * applied by the store as a compare-and-set on `from`: whoever moves a delivery first wins, and
 * the loser learns it (false) instead of overwriting. The README's state diagram is this table.
 *
 *   pending ─claim→ sending ─posted→ posted
 *                    │  ├──failed→ failed       (rejected, or gave up)
 *                    │  ├──uncertain→ uncertain (may have gone out; never re-sent blindly)
 *                    │  └──retryLater→ pending  (a failed or crashed attempt, safe to re-send)
 *   pending ─refuse→ failed · ─skip→ skipped · ─cancel→ cancelled · ─defer→ pending
 *   failed | uncertain | cancelled | skipped ─retry→ pending        (same key: the same post)
 *   posted | verified | missing | retracted | failed | uncertain | cancelled | skipped ─repost→
 *                                                      pending (new key: a new post)
 *   posted | verified ─verify→ verified · ─lose→ missing       (read back from the platform)
 *   posted ─checkLater→ posted                                 (a read-back got no answer)
 *   uncertain ─settled→ posted · ─settleLater→ uncertain       (the account's own posts listed)
 *   posted | verified | missing ─retracted→ retracted          (deleted by `crier retract`)
 *
 * A retraction, a correction or an edit (a delivery of kind `retract`, `correct` or `edit`, whose
 * parent is the post) lives the same life from pending to posted: `posted` then means the
 * deletion, the reply or the edit is done on the platform (src/delivery/follow-ups.ts).
 */
export const MOVES = {
  /** The worker is about to send: the text and idempotency material are persisted with it. */
  claim: { from: ['pending'], to: 'sending' },
  posted: { from: ['sending'], to: 'posted' },
  failed: { from: ['sending'], to: 'failed' },
  uncertain: { from: ['sending'], to: 'uncertain' },
  /** An attempt failed (or a crash cut it short) and a re-send is safe: try again later. */
  retryLater: { from: ['sending'], to: 'pending' },
  /** Cannot be built (the text does not fit the platform): nothing was sent. */
  refuse: { from: ['pending'], to: 'failed' },
  /** Arrived during quiet hours set to skip. */
  skip: { from: ['pending'], to: 'skipped' },
  /** Not sent, and later: preparing failed, or an editor reschedules a queued post. */
  defer: { from: ['pending'], to: 'pending' },
  /** An editor cancels a queued post, or its channel left the config. Never once it is sending. */
  cancel: { from: ['pending'], to: 'cancelled' },
  /** An editor's retry: the same post under the same key, so a platform that got it knows it. */
  retry: { from: ['failed', 'uncertain', 'cancelled', 'skipped'], to: 'pending' },
  /** A new post of the article (forced repost, changed headline): a new key, text built anew. */
  repost: { from: ['posted', 'verified', 'missing', 'retracted', 'failed', 'uncertain', 'cancelled', 'skipped'], to: 'pending' },
  /** A changed headline reaches a delivery never attempted: it is simply built with the new one. */
  rekey: { from: ['pending'], to: 'pending', unsentOnly: true },
  /** Read back from the platform: the post is there (the second read-back keeps it verified). */
  verify: { from: ['posted', 'verified'], to: 'verified' },
  /** Read back from the platform: the post is gone or hidden. Never re-sent by itself. */
  lose: { from: ['posted', 'verified'], to: 'missing' },
  /**
   * A read-back got no answer (the platform was unreachable): the post stays `posted` and is read
   * again later (a verified post keeps `verify` for the same).
   */
  checkLater: { from: ['posted'], to: 'posted' },
  /** A send of unknown outcome found among the account's own posts: it went out, with this id. */
  settled: { from: ['uncertain'], to: 'posted' },
  /**
   * The account's posts could not settle it yet (too soon to prove it absent, or the platform
   * unreachable): looked for again later, or left for a person when `checkAt` is cleared.
   */
  settleLater: { from: ['uncertain'], to: 'uncertain' },
  /** Its retraction deleted it on the platform (or found it gone already). */
  retracted: { from: ['posted', 'verified', 'missing'], to: 'retracted' },
} as const satisfies Record<string, Move>;

export type MoveName = keyof typeof MOVES;

/** The states of a post that is on the platform as far as Crier knows. */
export const LIVE_POST_STATES: readonly DeliveryState[] = ['posted', 'verified'];
/** A post that went out (and may since be gone): what a repost must be forced over. */
export const SENT_POST_STATES: readonly DeliveryState[] = ['posted', 'verified', 'missing', 'retracted'];

/** The states a move may start from, for messages ("only failed, uncertain … can be retried"). */
export function movableFrom(name: MoveName): readonly DeliveryState[] {
  return MOVES[name].from;
}

function change(name: MoveName, set?: DeliveryPatch, sends?: readonly SendRecord[]): DeliveryChange {
  return { ...MOVES[name], set, sends };
}

/** Applies one move; false when the delivery was not in a state the move starts from. */
export function moveDelivery(
  store: Store,
  id: number,
  name: MoveName,
  event: EventRecord,
  set?: DeliveryPatch,
  sends?: readonly SendRecord[],
): Promise<boolean> {
  return store.transition(id, change(name, set, sends), event);
}

/** A pulled story: its deliveries not sent yet are cancelled, with the reason as last error. */
export function pullMoves(reason: string): DeliveryChange[] {
  return [change('cancel', { lastError: reason })];
}

/**
 * What a changed headline does on a route that reposts them: a channel without a delivery gets
 * `add`; an existing delivery is reposted under the new headline's key, or, never attempted yet,
 * just re-keyed. One being sent, or already under this key, is left alone.
 */
export function titleReposts(deliveries: readonly NewDelivery[]): TitleRepost[] {
  return deliveries.map((add) => {
    const set = { freshKey: add.idempotencyKey, nextAttemptAt: add.nextAttemptAt, attempts: 'reset' as const, lastError: null };
    return { add, moves: [change('repost', set), change('rekey', { freshKey: add.idempotencyKey })] };
  });
}
