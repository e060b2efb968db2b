import { createHash } from 'node:crypto';
import type { ChannelStateStore } from './contract.js';

/**
 * The account id a platform gave for one set of credentials, kept in channel state. The value
 * carries a fingerprint of the credentials (never the secret itself), so a channel whose config
 * now names another account never lists the old account's posts.
 */
export function cachedAccountId(state: ChannelStateStore, key: string, credentials: string): {
  get(): Promise<string | undefined>;
  set(id: string): Promise<void>;
} {
  const fingerprint = createHash('sha256').update(credentials).digest('hex').slice(0, 16);
  return {
    async get() {
      const raw = await state.get(key);
      const [owner, id] = raw?.split(':') ?? [];
      return owner === fingerprint && id ? id : undefined;
    },
    set: (id) => state.set(key, `${fingerprint}:${id}`),
  };
}
