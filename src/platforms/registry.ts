import type { BaseChannel, Platform } from './contract.js';
import { blueskyPlatform } from './bluesky/index.js';
import { mastodonPlatform } from './mastodon/index.js';
import { xPlatform } from './x/index.js';

/** Adding a platform: one folder, one entry here and one in channel-schemas.ts. */
export { channelSchemas } from './channel-schemas.js';

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
