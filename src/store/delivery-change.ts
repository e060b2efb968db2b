import type { DeliveryState, NewDelivery, Priority } from './store.js';

/**
 * What a transition writes besides the state. A field left undefined is left as it is.
 * The delivery module (src/delivery/lifecycle.ts) is the only caller: it decides which moves
 * exist; the store only applies one atomically.
 */
export interface DeliveryPatch {
  nextAttemptAt?: Date | undefined;
  /** null clears the last error. */
  lastError?: string | null | undefined;
  text?: string | undefined;
  /** Written only when none is persisted yet: idempotency material is chosen once. */
  prepared?: string | undefined;
  /** A request leaves now: attempts + 1, first attempt time (once) and last attempt time. */
  attemptAt?: Date | undefined;
  /** `refund`: a refused try gives its attempt back; `reset`: an editor's retry starts over. */
  attempts?: 'refund' | 'reset' | undefined;
  remoteId?: string | undefined;
  remoteUrl?: string | undefined;
  postedAt?: Date | undefined;
  priority?: Priority | undefined;
  /** When the post is next read back; null: no more read-backs. */
  checkAt?: Date | null | undefined;
  /** A read-back was done: checks + 1. */
  checked?: boolean | undefined;
  /**
   * A new idempotency key (a new post): the text, prepared record, receipt and attempt times of
   * the old one are forgotten. The change applies only if the key differs from the current one.
   */
  freshKey?: string | undefined;
}

/** What a send costs against a channel's budgets, recorded with the transition that makes it. */
export interface SendRecord {
  /** The log a budget reads: the channel id, or `<channel>/images` for media uploads. */
  counter: string;
  /** Platform budgets count attempts (every request costs); schedules count posts. */
  kind: 'attempt' | 'post';
  cost: number;
}

/** A counter's sends of one kind in a sliding window, summed by the database (`Store.sendWindow`). */
export interface SendWindow {
  /** How many sends. */
  count: number;
  /** Their total cost. */
  used: number;
  /**
   * Asked with a `keep` and more than `keep` used: the time of the oldest send that, once it and
   * every send before it have left the window, leaves at most `keep` in it (when a budget frees
   * up). Undefined otherwise, and when nothing could (a negative `keep`).
   */
  clearsAt?: Date | undefined;
}

/** A compare-and-set on a delivery's state: applied only if the state is one of `from`. */
export interface DeliveryChange {
  from: readonly DeliveryState[];
  to: DeliveryState;
  /** Also requires that no request for it has ever left (no first attempt). */
  unsentOnly?: boolean | undefined;
  set?: DeliveryPatch | undefined;
  sends?: readonly SendRecord[] | undefined;
}

/**
 * A known article its source no longer publishes (trashed, unpublished, deleted): each of its
 * deliveries (of the original, when it was a duplicate) tries `moves` (the cancel move), with an
 * event of `kind` naming the source and giving `reason` as the delivery's last error.
 */
export interface PulledArticle {
  /** The article's key at this source. */
  key: string;
  reason: string;
  kind: string;
  moves: readonly DeliveryChange[];
}

/**
 * A route reposts changed headlines: the delivery to add if the channel has none, else the
 * moves to try in order on the existing one (the first that applies wins, none may apply).
 */
export interface TitleRepost {
  add: NewDelivery;
  moves: readonly DeliveryChange[];
}
