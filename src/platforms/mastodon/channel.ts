import { z } from 'zod';
import { baseChannelShape, requireSecrets } from '../../config/channel-base.js';
import { secretFileSchema, secretRefSchema } from '../../config/secret.js';

export const mastodonChannelSchema = z
  .object({
    ...baseChannelShape,
    platform: z.literal('mastodon'),
    /** Base URL of the instance, e.g. https://mastodon.social. */
    instance: z.url(),
    visibility: z.enum(['public', 'unlisted', 'private', 'direct']).default('public'),
    /** Content warning shown before the post (counts towards the length limit). */
    spoilerText: z.string().optional(),
    /**
     * Overrides for the instance's own limits; normally read from /api/v2/instance
     * (configuration.statuses) and cached.
     */
    maxCharacters: z.number().int().positive().optional(),
    charactersReservedPerUrl: z.number().int().positive().optional(),
    credentials: z
      .object({
        accessToken: secretRefSchema.optional(),
        accessTokenFile: secretFileSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine(requireSecrets(['accessToken']));

export type MastodonChannel = z.output<typeof mastodonChannelSchema>;
