import type { ChannelRuntime } from '../runtime/channels.js';

/** When posts are read back and unknown sends settled (the config's `readBack`, in ms). */
export interface ReadBackTiming {
  /** The first read-back, this long after the post. */
  after: number;
  /** The second, this long after the post. */
  again: number;
  /** A listing of the account's posts this long after an attempt that lacks it proves it absent. */
  absentAfter: number;
}

export const DEFAULT_READ_BACK: ReadBackTiming = { after: 60_000, again: 3_600_000, absentAfter: 120_000 };

/**
 * Whether a channel's posts are read back: its `verify`, else its platform's default (X bills
 * reads, so it is off there). A dry run is not read back unless `verify: true` asks for it: its
 * post exists only in the store, so a read-back proves the pipeline, not a platform.
 */
export function readsBack(channel: Pick<ChannelRuntime, 'config' | 'platform'>): boolean {
  if (channel.config.verify !== undefined) return channel.config.verify;
  return !channel.config.dryRun && channel.platform.readBackByDefault;
}

/** When a post just recorded is first read back: null when the channel does not read back. */
export function firstCheckAt(channel: Pick<ChannelRuntime, 'config' | 'platform'>, timing: ReadBackTiming, now: Date): Date | null {
  return readsBack(channel) ? new Date(now.getTime() + timing.after) : null;
}

/**
 * After a read-back that got an answer: the next one `again` after the post, unless that time has
 * passed (this was the second read-back, or the first came late): then none.
 */
export function nextCheckAt(postedAt: Date | undefined, timing: ReadBackTiming, now: Date): Date | null {
  if (postedAt === undefined) return null;
  const again = postedAt.getTime() + timing.again;
  return again > now.getTime() ? new Date(again) : null;
}
