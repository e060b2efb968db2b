import type { Store } from '../store/store.js';
import { isDeadHere } from './replica-name.js';

/**
 * How long a replica's hold on an account lasts without renewal. A replica that dies loses its
 * channels this long after its last renewal, so another replica sends again within it (the issue's
 * bar is 30 s). Renewed every third of it, so a live replica never lets one lapse.
 */
export const CHANNEL_LEASE_MS = 15_000;
const RENEW_EVERY_MS = CHANNEL_LEASE_MS / 3;

export interface ChannelLeases {
  /** The channels this process may send for now (renewing, or taking over expired leases). */
  held(): Promise<readonly string[]>;
  /** Gives the leases up on a clean stop, so another replica takes over at once. */
  release(): Promise<void>;
}

/**
 * One replica at a time sends for an account, so its rate budget, its session refresh and any
 * token rotation have a single writer. The store arbitrates; this remembers the answer for a
 * third of the lease so a busy worker does not ask on every batch.
 */
export function channelLeases(
  store: Store,
  owner: string,
  channelIds: readonly string[],
  now: () => Date,
  /** Called for each channel gained (at start, or from a replica that died) before it is used. */
  onGained: (channelId: string) => Promise<void> = async () => undefined,
): ChannelLeases {
  let held: readonly string[] = [];
  let askedAt = Number.NEGATIVE_INFINITY;
  return {
    async held() {
      if (now().getTime() - askedAt >= RENEW_EVERY_MS) {
        askedAt = now().getTime();
        let granted = await store.leaseChannels(owner, channelIds, now(), CHANNEL_LEASE_MS);
        if (granted.length < channelIds.length) {
          // A replica killed on this machine (a crash, a restart by systemd) gives way at once.
          const dead = (await store.listChannelLeases()).map((lease) => lease.owner).filter(isDeadHere);
          if (dead.length > 0) granted = await store.leaseChannels(owner, channelIds, now(), CHANNEL_LEASE_MS, dead);
        }
        for (const channelId of granted) if (!held.includes(channelId)) await onGained(channelId);
        held = granted;
      }
      return held;
    },
    async release() {
      if (askedAt === Number.NEGATIVE_INFINITY) return; // never asked: nothing to give back
      held = [];
      askedAt = Number.NEGATIVE_INFINITY;
      await store.releaseChannels(owner);
    },
  };
}
