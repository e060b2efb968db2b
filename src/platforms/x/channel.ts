import { z } from 'zod';
import { baseChannelShape, requireSecrets } from '../../config/channel-base.js';
import { secretFileSchema, secretRefSchema } from '../../config/secret.js';

/** OAuth 1.0a user-context tokens: they never expire, so the daemon never has to refresh them. */
export const xChannelSchema = z
  .object({
    ...baseChannelShape,
    platform: z.literal('x'),
    /** Posts per 24 h the account's API plan allows (the free tier allowed 17); none: unlimited. */
    dailyLimit: z.number().int().positive().optional(),
    /**
     * Where X's API is reached, for API proxies and tests; default https://api.x.com. Every
     * request twitter-api-v2 would send to api.x.com or upload.x.com goes here instead.
     */
    apiBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    credentials: z
      .object({
        appKey: secretRefSchema.optional(),
        appKeyFile: secretFileSchema.optional(),
        appSecret: secretRefSchema.optional(),
        appSecretFile: secretFileSchema.optional(),
        accessToken: secretRefSchema.optional(),
        accessTokenFile: secretFileSchema.optional(),
        accessSecret: secretRefSchema.optional(),
        accessSecretFile: secretFileSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine(requireSecrets(['appKey', 'appSecret', 'accessToken', 'accessSecret']));

export type XChannel = z.output<typeof xChannelSchema>;
