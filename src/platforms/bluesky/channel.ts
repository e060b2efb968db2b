import { z } from 'zod';
import { baseChannelShape, requireSecrets } from '../../config/channel-base.js';
import { secretFileSchema, secretRefSchema } from '../../config/secret.js';

export const blueskyChannelSchema = z
  .object({
    ...baseChannelShape,
    platform: z.literal('bluesky'),
    /** The account's PDS or entryway; self-hosted PDSes exist, so this is never hard-coded. */
    service: z.url().default('https://bsky.social'),
    /**
     * Only the article link and explicit http(s):// URLs become links; a bare domain in a
     * headline ("example.com") is text unless this is true (README "Links"). Default false.
     */
    bareDomainLinks: z.boolean().optional(),
    credentials: z
      .object({
        /** Handle or DID: not a secret. */
        identifier: z.string().min(1),
        /** An app password (Settings → App passwords), never the account password. */
        appPassword: secretRefSchema.optional(),
        appPasswordFile: secretFileSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine(requireSecrets(['appPassword']));

export type BlueskyChannel = z.output<typeof blueskyChannelSchema>;
