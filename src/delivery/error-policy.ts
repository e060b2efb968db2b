import { PublishError } from '../platforms/errors.js';
import type { Delivery } from '../store/store.js';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** When an auth failure may be retried (the channel keeps its deliveries). */
  authRetryMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 30 * 60_000,
  authRetryMs: 15 * 60_000,
};

export type Verdict =
  | { action: 'retry'; at: Date; reason: string }
  | { action: 'failed' | 'uncertain'; reason: string };

/**
 * What a failed attempt means for a delivery. An unknown outcome is retried only while the
 * platform would recognise the re-send as the same post; past that window a retry could post
 * twice, so the delivery becomes `uncertain` and waits for a person (or verification).
 */
export function decideAfterError(
  error: PublishError,
  delivery: Delivery,
  idempotencyWindowMs: number,
  now: Date,
  policy: RetryPolicy,
  random: () => number,
): Verdict {
  const backoff = () =>
    new Date(now.getTime() + Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (delivery.attempts - 1))));
  const exhausted = delivery.attempts >= policy.maxAttempts;
  switch (error.code) {
    case 'rate-limited':
      return { action: 'retry', at: error.resetAt ?? new Date(now.getTime() + 60_000), reason: error.message };
    case 'auth':
      return { action: 'retry', at: new Date(now.getTime() + policy.authRetryMs), reason: error.message };
    case 'rejected':
      return { action: 'failed', reason: error.message };
    case 'transient':
      return exhausted
        ? { action: 'failed', reason: `${error.message} (gave up after ${delivery.attempts} attempts)` }
        : { action: 'retry', at: backoff(), reason: error.message };
    case 'unknown-outcome': {
      const since = now.getTime() - (delivery.firstAttemptAt ?? now).getTime();
      if (!exhausted && since < idempotencyWindowMs) return { action: 'retry', at: backoff(), reason: error.message };
      return {
        action: 'uncertain',
        reason: `${error.message}; the post may have gone out and a re-send could double it: check the channel, then retry or cancel`,
      };
    }
  }
}

/**
 * A delivery a crash left `sending` (this process's last life, or a replica that died): the same
 * rule as a failed attempt of unknown outcome, re-sent only inside the platform's idempotency
 * window (a dry run can always be re-sent), else `uncertain` for a person.
 */
export function decideAfterInterruption(delivery: Delivery, idempotencyWindowMs: number | undefined, now: Date, policy: RetryPolicy): Verdict & { cause: string } {
  const cause = 'interrupted while sending (crash or kill)';
  const window = delivery.dryRun ? Number.POSITIVE_INFINITY : (idempotencyWindowMs ?? 0);
  return { ...decideAfterError(new PublishError('unknown-outcome', cause), delivery, window, now, policy, () => 0), cause };
}
