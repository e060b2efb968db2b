import type { BaseChannel, Platform } from './contract.js';
import { blueskyChannelSchema } from './bluesky/channel.js';
import { blueskyPlatform } from './bluesky/index.js';
import { mastodonChannelSchema } from './mastodon/channel.js';
import { mastodonPlatform } from './mastodon/index.js';
import { xChannelSchema } from './x/channel.js';
import { xPlatform } from './x/index.js';

/** Adding a platform: one folder, one entry in each of these two lists. */
export const channelSchemas = [xChannelSchema, blueskyChannelSchema, mastodonChannelSchema] as const;

export const platforms: Readonly<Record<string, Platform<BaseChannel>>> = {
  x: xPlatform,
  bluesky: blueskyPlatform,
  mastodon: mastodonPlatform,
};

export function platformFor(channel: BaseChannel): Platform<BaseChannel> {
  const platform = platforms[channel.platform];
  if (!platform) throw new Error(`unknown platform "${channel.platform}" for channel ${channel.id}`);
  return platform;
}
