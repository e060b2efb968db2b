import type { HoldKind } from '../store/store.js';

/**
 * What the daemon reports as it works, for metrics and alerts. The worker and the poller call
 * it; they neither know nor care who listens.
 */
export interface Observer {
  /**
   * `needsPerson`: the source's own policy says this failure is the one to tell a person about
   * (it has failed enough polls in a row); observers do not judge that themselves.
   */
  pollFinished(sourceId: string, result: 'ok' | 'not-modified' | 'error', detail: { found: number; failures: number; error?: string; needsPerson?: boolean }): void;
  delivered(channelId: string, state: 'posted' | 'failed' | 'uncertain' | 'skipped', detail: { latencyMs?: number; reason?: string; deliveryId: number }): void;
  channelHeld(channelId: string, kind: HoldKind, reason: string, until?: Date): void;
  /** A delivery that waited found its article's page gone (404, 410) and was cancelled unsent. */
  articleGone(channelId: string, detail: { deliveryId: number; articleId: number; url: string; status: number }): void;
  /** A post read back from its platform: there (`verified`), or gone (`missing`, never re-sent by itself). */
  postChecked(channelId: string, result: 'verified' | 'missing', detail: { deliveryId: number; articleId: number; url?: string | undefined; reason?: string }): void;
  /** A silent failure noticed (`raised`, once) or over (`cleared`); see src/delivery/alarms.ts. */
  alarm(alarm: Alarm): void;
  /**
   * A story its source pulled while posts of it are out: `kept` stay up (the route's `onUnpublish:
   * keep`: a person decides, crier retract), `retracting` are being deleted (`onUnpublish: retract`).
   */
  pulledAfterPosting?(detail: PulledAfterPosting): void;
}

export interface PulledAfterPosting {
  articleId: number;
  title: string;
  url: string;
  sourceId: string;
  /** Posts left up, by channel. */
  kept: string[];
  /** Posts whose retraction was queued, by channel. */
  retracting: string[];
}

/** A condition nobody would otherwise notice: a channel whose posts stopped being verified, a source gone quiet. */
export interface Alarm {
  /** Stable per condition and subject, e.g. `channel-unverified:x-main`: raised once until cleared. */
  key: string;
  kind: 'channel-unverified' | 'source-silent';
  state: 'raised' | 'cleared';
  channelId?: string | undefined;
  sourceId?: string | undefined;
  message: string;
  /** What fixes it: the command to run or the thing to check. */
  fix: string;
}

export const silentObserver: Observer = {
  pollFinished() {},
  delivered() {},
  channelHeld() {},
  articleGone() {},
  postChecked() {},
  alarm() {},
};

export function combineObservers(...observers: Observer[]): Observer {
  return {
    pollFinished: (...args) => observers.forEach((o) => o.pollFinished(...args)),
    delivered: (...args) => observers.forEach((o) => o.delivered(...args)),
    channelHeld: (...args) => observers.forEach((o) => o.channelHeld(...args)),
    articleGone: (...args) => observers.forEach((o) => o.articleGone(...args)),
    postChecked: (...args) => observers.forEach((o) => o.postChecked(...args)),
    alarm: (...args) => observers.forEach((o) => o.alarm(...args)),
    pulledAfterPosting: (...args) => observers.forEach((o) => o.pulledAfterPosting?.(...args)),
  };
}
