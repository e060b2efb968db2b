import { fetch } from 'undici';
import type { AdapterDeps } from '../contract.js';
import type { MastodonChannel } from './channel.js';
import { MASTODON_DEFAULT_LIMITS, type MastodonLimits } from './text-rules.js';

const CACHE_KEY = 'instance-limits';
const CACHE_TTL_MS = 24 * 60 * 60 * 1000;
const LOOKUP_TIMEOUT_MS = 10_000;

interface CachedLimits extends MastodonLimits {
  fetchedAt: number;
}

interface InstanceV2 {
  configuration?: { statuses?: { max_characters?: number; characters_reserved_per_url?: number } };
}

/**
 * Instances set their own post length (many allow 5000), so it is read from /api/v2/instance
 * (https://docs.joinmastodon.org/methods/instance/#v2) and cached for a day in the store. The
 * documented defaults are used only when the instance cannot be asked, and that is logged.
 */
export async function mastodonLimits(channel: MastodonChannel, deps: AdapterDeps): Promise<MastodonLimits> {
  const configured = {
    maxCharacters: channel.maxCharacters,
    charactersReservedPerUrl: channel.charactersReservedPerUrl,
  };
  const cachedJson = await deps.channelState.get(CACHE_KEY);
  const cached = cachedJson ? (JSON.parse(cachedJson) as CachedLimits) : undefined;
  let base: MastodonLimits | undefined =
    cached && deps.now().getTime() - cached.fetchedAt < CACHE_TTL_MS ? cached : undefined;
  if (!base && !channel.dryRun) base = await askInstance(channel, deps);
  base ??= cached ?? MASTODON_DEFAULT_LIMITS;
  return {
    maxCharacters: configured.maxCharacters ?? base.maxCharacters,
    charactersReservedPerUrl: configured.charactersReservedPerUrl ?? base.charactersReservedPerUrl,
  };
}

async function askInstance(channel: MastodonChannel, deps: AdapterDeps): Promise<MastodonLimits | undefined> {
  const url = new URL('/api/v2/instance', channel.instance);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as InstanceV2;
    const statuses = body.configuration?.statuses;
    const limits: MastodonLimits = {
      maxCharacters: statuses?.max_characters ?? MASTODON_DEFAULT_LIMITS.maxCharacters,
      charactersReservedPerUrl:
        statuses?.characters_reserved_per_url ?? MASTODON_DEFAULT_LIMITS.charactersReservedPerUrl,
    };
    await deps.channelState.set(
      CACHE_KEY,
      JSON.stringify({ ...limits, fetchedAt: deps.now().getTime() } satisfies CachedLimits),
    );
    return limits;
  } catch (error) {
    deps.logger.warn(
      { channel: channel.id, err: error },
      `could not read the post length limits from ${url.href}; using the last known or documented defaults`,
    );
    return undefined;
  }
}
