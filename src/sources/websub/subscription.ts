import { randomBytes } from 'node:crypto';
import type { Store } from '../../store/store.js';

/**
 * What Crier remembers about one WebSub subscription, in the store's meta table under
 * `websub:<source id>`, so a restart neither re-subscribes needlessly nor loses the secret the
 * hub signs with. Times are ISO strings (the JSON round-trips them unchanged).
 */
export interface Subscription {
  v: 1;
  /** The configured feed URL and our callback: when either changes, a new subscription starts. */
  feedUrl: string;
  callback: string;
  /** hub.secret: random per subscription, kept across renewals so no push falls between two secrets. */
  secret: string;
  /** Sent and not yet verified: the hub's GET must name this topic. */
  pending?: { hub: string; topic: string; at: string } | undefined;
  /** The last subscription the hub verified, and the lease it granted. */
  active?: { hub: string; topic: string; verifiedAt: string; leaseSeconds: number } | undefined;
  failures: number;
  /** No new subscribe request before this time (after a failure or a denial). */
  retryAt?: string | undefined;
  lastError?: string | undefined;
}

/** Renew when this share of the lease has passed: leaves a fifth for a slow or failing hub. */
export const RENEW_AT_SHARE = 0.8;
/** A hub that has not verified within this time is taken to have dropped the request. */
export const VERIFY_TIMEOUT_MS = 5 * 60_000;
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 3_600_000;
/** A denied subscription is asked for again this much later (the hub's policy may change). */
export const DENIED_RETRY_MS = 6 * 3_600_000;

export function metaKey(sourceId: string): string {
  return `websub:${sourceId}`;
}

export function newSubscription(feedUrl: string, callback: string): Subscription {
  // 32 random bytes as hex: 64 characters, well under the 200-byte limit on hub.secret.
  return { v: 1, feedUrl, callback, secret: randomBytes(32).toString('hex'), failures: 0 };
}

export async function loadSubscription(store: Store, sourceId: string): Promise<Subscription | undefined> {
  const raw = await store.getMeta(metaKey(sourceId));
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<Subscription>;
    return parsed.v === 1 && typeof parsed.secret === 'string' ? (parsed as Subscription) : undefined;
  } catch {
    return undefined; // unreadable: a fresh subscription replaces it
  }
}

export function leaseEnd(active: NonNullable<Subscription['active']>): number {
  return Date.parse(active.verifiedAt) + active.leaseSeconds * 1000;
}

export function renewAt(active: NonNullable<Subscription['active']>): number {
  return Date.parse(active.verifiedAt) + Math.floor(active.leaseSeconds * 1000 * RENEW_AT_SHARE);
}

/** Verified and within its lease: the hub is pushing to us. */
export function isSubscribed(subscription: Subscription | undefined, now: Date): boolean {
  return subscription?.active !== undefined && now.getTime() < leaseEnd(subscription.active);
}

/** 1 min, 2, 4 … capped at 1 h. */
export function retryDelay(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, Math.min(failures - 1, 10)));
}
