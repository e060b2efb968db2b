import { z } from 'zod';
import { durationSchema } from '../../config/duration.js';
import { secretFileSchema, secretRefSchema } from '../../config/secret.js';
import { baseSourceShape } from '../feed/feed-config.js';

export const wordpressSourceSchema = z
  .object({
    ...baseSourceShape,
    kind: z.literal('wordpress'),
    /** The site's base URL (where /wp-json/ and /feed/ live), e.g. https://news.example.org */
    url: z.url({ protocol: /^https?$/, error: 'write the site base URL, e.g. https://news.example.org' }),
    /** REST collections to read: posts, pages, or a custom post type's rest_base. */
    postTypes: z
      .array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'a REST collection name such as posts, pages or a custom rest_base'))
      .min(1)
      .default(['posts']),
    /** Application password (WordPress ≥ 5.6, Users → Profile), for sites that require login. */
    auth: z
      .object({
        username: z.string().min(1),
        applicationPassword: secretRefSchema.optional(),
        applicationPasswordFile: secretFileSchema.optional(),
      })
      .strict()
      .optional(),
    /** Re-read this much before the cursor: absorbs clock skew, cron lag and slow commits. */
    overlap: durationSchema.prefault('10m'),
    /** Password-protected posts (content.protected): `skip` (default) never posts them; `post` does. */
    protected: z.enum(['skip', 'post']).default('skip'),
  })
  .strict()
  .superRefine((source, ctx) => {
    if (!source.auth) return;
    const direct = source.auth.applicationPassword !== undefined;
    if (direct === (source.auth.applicationPasswordFile !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'applicationPassword'],
        message: direct
          ? 'give either applicationPassword or applicationPasswordFile, not both'
          : 'missing: set applicationPassword: ${ENV_NAME} or applicationPasswordFile: /path/to/secret',
      });
    }
  });

export type WordPressSourceConfig = z.output<typeof wordpressSourceSchema>;
