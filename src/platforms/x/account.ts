import type { TwitterApiv2, TwitterRateLimit, UserV2Result } from 'twitter-api-v2';
import { cachedAccountId } from '../cached-id.js';
import type { AccountInfo, AdapterDeps, BudgetReading } from '../contract.js';
import { PublishError } from '../errors.js';
import { mapXError } from './errors.js';
import { USER_ID_KEY } from './follow-ups.js';

export interface XAccount {
  /** GET /2/users/me with the configured tokens, whatever is cached; caches the user id. */
  verify(signal?: AbortSignal): Promise<AccountInfo>;
  /** The account's user id: cached in channel state, else read from GET /2/users/me. */
  userId(signal?: AbortSignal): Promise<string>;
}

export function xAccount(
  v2: TwitterApiv2,
  deps: AdapterDeps,
  call: <T>(promise: Promise<T>, signal: AbortSignal | undefined) => Promise<T>,
  /** The user's access token: whose id is cached. */
  accessToken: string,
): XAccount {
  const cache = cachedAccountId(deps.channelState, USER_ID_KEY, accessToken);
  async function me(signal: AbortSignal | undefined): Promise<{ user: UserV2Result['data']; rateLimit?: TwitterRateLimit }> {
    let answer;
    try {
      answer = await call(v2.get<UserV2Result>('users/me', undefined, { fullResponse: true }), signal);
    } catch (error) {
      throw mapXError(error, deps.now());
    }
    const user = answer.data.data;
    if (typeof user?.id !== 'string' || typeof user.username !== 'string') {
      throw new PublishError('transient', 'X answered GET /2/users/me without the user');
    }
    await cache.set(user.id);
    return answer.rateLimit ? { user, rateLimit: answer.rateLimit } : { user };
  }

  return {
    async verify(signal) {
      const { user, rateLimit } = await me(signal);
      const budget = rateLimit ? budgetOf(rateLimit) : [];
      return { account: `@${user.username}`, ...(budget.length ? { budget } : {}) };
    },
    async userId(signal) {
      const cached = await cache.get();
      if (cached) return cached;
      return (await me(signal)).user.id;
    },
  };
}

/**
 * x-rate-limit-* is the endpoint's 15-minute window; the x-user-limit-24hour-* / x-app-limit-24hour-*
 * pairs are the plan's daily caps, when X sends them. Resets are epoch seconds
 * (https://docs.x.com/x-api/fundamentals/rate-limits).
 */
function budgetOf(rateLimit: TwitterRateLimit): BudgetReading[] {
  const readings: BudgetReading[] = [];
  const add = (label: string, window: { limit: number; remaining: number; reset: number } | undefined): void => {
    if (!window || !Number.isFinite(window.remaining)) return;
    readings.push({
      label,
      remaining: window.remaining,
      ...(Number.isFinite(window.limit) ? { limit: window.limit } : {}),
      ...(Number.isFinite(window.reset) && window.reset > 0 ? { resetAt: new Date(window.reset * 1000) } : {}),
    });
  };
  add('requests to GET /2/users/me per 15 min', rateLimit);
  add('requests per 24 h (user)', rateLimit.userDay);
  add('requests per 24 h (app)', rateLimit.day);
  return readings;
}
