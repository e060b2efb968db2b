import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../../store/store.js';

/**
 * What Crier remembers about one WebSub subscription, in the store's meta table under
 * `websub:<source id>`, so a restart neither re-subscribes needlessly nor loses the secret the
 * hub signs with. Times are ISO strings (the JSON round-trips them unchanged).
 */
export interface Subscription {
  /** 2: the callback carries a token (a stored v1 subscription is replaced by a new one). */
  v: 2;
  /** The configured feed URL and our callback: when either changes, a new subscription starts. */
  feedUrl: string;
  /** The callback without its token (`<publicUrl>/websub/<source id>`). */
  callback: string;
  /**
   * Random per subscription and part of the callback URL the hub is given (?token=…): a GET or
   * POST without it did not come from a hub we sent that URL to. Kept across renewals.
   */
  token: string;
  /** hub.secret: random per subscription, kept across renewals so no push falls between two secrets. */
  secret: string;
  /**
   * The request we sent and the hub has not verified yet: only a verification of this mode, for
   * this topic, within VERIFY_TIMEOUT_MS of `at`, is ours to confirm (or, `denied`, to accept).
   */
  pending?: { mode: 'subscribe'; hub: string; topic: string; at: string } | undefined;
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
  // 32 random bytes as hex: 64 characters, well under the 200-byte limit on hub.secret. The
  // token is as unguessable (256 bits), in URL-safe characters.
  return { v: 2, feedUrl, callback, token: randomBytes(32).toString('base64url'), secret: randomBytes(32).toString('hex'), failures: 0 };
}

/**
 * The callback the hub is given: ours plus the token. Hubs keep a callback's query string when
 * they add theirs (https://www.w3.org/TR/websub/#hub-verifies-intent-of-the-subscriber: "Hubs
 * MUST preserve the query string during subscription verification by appending new parameters").
 */
export function callbackUrl(subscription: Subscription): string {
  return `${subscription.callback}?token=${subscription.token}`;
}

/** Whether a request's token is this subscription's, compared in constant time. */
export function tokenMatches(subscription: Subscription, given: string | null): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(subscription.token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function loadSubscription(store: Store, sourceId: string): Promise<Subscription | undefined> {
  const raw = await store.getMeta(metaKey(sourceId));
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<Subscription>;
    return parsed.v === 2 && typeof parsed.secret === 'string' && typeof parsed.token === 'string' ? (parsed as Subscription) : undefined;
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
