import { blueskyChannelSchema } from './bluesky/channel.js';
import { mastodonChannelSchema } from './mastodon/channel.js';
import { xChannelSchema } from './x/channel.js';

/**
 * Each platform's channel schema, for the config's schema. Apart from the platforms themselves
 * (registry.ts), so that loading a config never loads what the platforms render and publish with.
 */
export const channelSchemas = [xChannelSchema, blueskyChannelSchema, mastodonChannelSchema] as const;
