import { z } from 'zod';
import { secretFileSchema, secretRefSchema } from '../../config/secret.js';
import { baseSourceShape } from '../feed/feed-config.js';
import type { PushInfo } from '../source-kind.js';

/**
 * Articles pushed by the CMS to `POST /hooks/<id>`, signed with a shared secret. Never polled, so
 * the polling options are refused rather than silently ignored.
 */
export const webhookSourceSchema = z
  .object({
    ...baseSourceShape,
    kind: z.literal('webhook'),
    /**
     * The site this webhook speaks for (https://news.example.org): article and page URLs elsewhere
     * are refused, so a leaked secret cannot make Crier fetch arbitrary pages. Optional.
     */
    url: z.url({ protocol: /^https?$/, error: 'write the site URL, e.g. https://news.example.org' }).optional(),
    /** The HMAC key the sender signs with: `${ENV_NAME}`, or secretFile with a path. */
    secret: secretRefSchema.optional(),
    secretFile: secretFileSchema.optional(),
  })
  .strict()
  .superRefine((source, ctx) => {
    if ((source.secret === undefined) === (source.secretFile === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret'],
        message:
          source.secret === undefined
            ? 'missing: set secret: ${ENV_NAME} or secretFile: /path/to/secret (the key webhook senders sign with)'
            : 'give either secret or secretFile, not both',
      });
    }
    for (const field of ['interval', 'schedule'] as const) {
      if (source[field] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'a webhook source is never polled: remove it' });
      }
    }
    if (source.backfill !== 0) ctx.addIssue({ code: 'custom', path: ['backfill'], message: 'a webhook source has no backlog: remove it' });
  });

export type WebhookSourceConfig = z.output<typeof webhookSourceSchema>;

export const webhookPush = { pathPrefix: '/hooks', polled: false, needsPublicUrl: false } as const satisfies PushInfo;
