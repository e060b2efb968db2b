import type { mastodon } from 'masto';
import { cachedAccountId } from '../cached-id.js';
import type { AccountInfo, AdapterDeps, BudgetReading } from '../contract.js';
import { PublishError } from '../errors.js';
import { mapMastodonError, mastodonResetAt } from './errors.js';

/** channelState key caching the account id (from verify_credentials). */
export const ACCOUNT_ID_KEY = 'mastodon-account-id';

export interface MastodonAccount {
  /** verify_credentials with the configured token; caches the account id. */
  verify(signal?: AbortSignal): Promise<AccountInfo>;
  /** The account id: cached in channel state, else read from verify_credentials. */
  accountId(signal?: AbortSignal): Promise<string>;
}

export function mastodonAccount(client: mastodon.rest.Client, instance: string, accessToken: string, deps: AdapterDeps): MastodonAccount {
  const host = new URL(instance).host;
  const cache = cachedAccountId(deps.channelState, ACCOUNT_ID_KEY, `${instance} ${accessToken}`);

  async function credentials(signal: AbortSignal | undefined): Promise<{ account: mastodon.v1.AccountCredentials; headers: Headers }> {
    let answer;
    try {
      // $raw keeps the response headers, where the rate budget is.
      answer = await client.v1.accounts.verifyCredentials.$raw(undefined, signal ? { requestInit: { signal } } : undefined);
    } catch (error) {
      throw mapMastodonError(error, deps.now());
    }
    const account = answer.data as mastodon.v1.AccountCredentials | undefined;
    if (typeof account?.acct !== 'string' || typeof account.id !== 'string') {
      throw new PublishError('unknown-outcome', `${instance} did not answer like a Mastodon server`);
    }
    await cache.set(account.id);
    return { account, headers: answer.headers };
  }

  return {
    async verify(signal) {
      const { account, headers } = await credentials(signal);
      const budget = budgetOf(headers);
      // acct is the bare username for the token's own (local) account.
      const name = account.acct.includes('@') ? `@${account.acct}` : `@${account.acct}@${host}`;
      return { account: name, ...(budget ? { budget: [budget] } : {}) };
    },
    async accountId(signal) {
      const cached = await cache.get();
      if (cached) return cached;
      return (await credentials(signal)).account.id;
    },
  };
}

/**
 * X-RateLimit-Limit / -Remaining / -Reset (ISO 8601) on every answer: the token's budget of
 * 300 requests per 5 minutes (https://docs.joinmastodon.org/api/rate-limits/).
 */
function budgetOf(headers: Headers): BudgetReading | undefined {
  const remaining = Number(headers.get('x-ratelimit-remaining') ?? Number.NaN);
  if (!Number.isFinite(remaining)) return undefined;
  const limit = Number(headers.get('x-ratelimit-limit') ?? Number.NaN);
  const resetAt = mastodonResetAt({ headers });
  return {
    label: 'API requests per 5 min',
    remaining,
    ...(Number.isFinite(limit) ? { limit } : {}),
    ...(resetAt ? { resetAt } : {}),
  };
}
