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
}

export const silentObserver: Observer = {
  pollFinished() {},
  delivered() {},
  channelHeld() {},
  articleGone() {},
};

export function combineObservers(...observers: Observer[]): Observer {
  return {
    pollFinished: (...args) => observers.forEach((o) => o.pollFinished(...args)),
    delivered: (...args) => observers.forEach((o) => o.delivered(...args)),
    channelHeld: (...args) => observers.forEach((o) => o.channelHeld(...args)),
    articleGone: (...args) => observers.forEach((o) => o.articleGone(...args)),
  };
}
