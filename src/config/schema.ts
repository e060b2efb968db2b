import { z } from 'zod';
import { parseCidr } from '../http/address-ranges.js';
import { idSchema } from './channel-base.js';
import { deskSchema } from './desk-config.js';
import { durationSchema } from './duration.js';
import { secretFileSchema, secretRefSchema } from './secret.js';
import { routeFilterSchema } from './route-filter.js';
import { storeSchema } from './store-location.js';
import { channelSchemas } from '../platforms/channel-schemas.js';
import { sourceSchemas } from '../sources/source-configs.js';

export const sourceSchema = z.discriminatedUnion('kind', sourceSchemas);

export const channelSchema = z.discriminatedUnion('platform', channelSchemas);

export const routeSchema = z
  .object({
    id: idSchema,
    /** Source ids this route takes articles from; default: every source. */
    sources: z.array(idSchema).optional(),
    channels: z.array(idSchema).min(1),
    /** Template file for every channel of this route, relative to the config file. */
    template: z.string().optional(),
    priority: z.enum(['normal', 'breaking']).default('normal'),
    /** Only articles matching every non-empty field (any value of a field matches). */
    include: routeFilterSchema.optional(),
    /** Never articles matching any non-empty field. */
    exclude: routeFilterSchema.optional(),
    /**
     * An edited article is never posted as new. `repost-if-title-changed` posts it again on this
     * route's channels when its headline changes (a corrected or updated story).
     */
    onUpdate: z.enum(['ignore', 'repost-if-title-changed']).default('ignore'),
    /**
     * A story its source pulls (trashed, unpublished, deleted) after it was posted on this route's
     * channels: `keep` (default) leaves the posts up and alerts a person ("run crier retract");
     * `retract` deletes them at once, as `crier retract` would.
     */
    onUnpublish: z.enum(['keep', 'retract']).default('keep'),
    /**
     * An article whose link is missing or was dropped (not http(s)) is not posted: a post without
     * its link is rarely what a newsroom wants. `true` posts it anyway, as text alone.
     */
    allowNoLink: z.boolean().default(false),
  })
  .strict();

export const configSchema = z
  .object({
    store: storeSchema,
    defaults: z
      .object({
        interval: durationSchema.prefault('60s'),
        /**
         * Lowers the 10s floor on poll intervals (interval-bounds.ts), for tests and demos only:
         * a real feed polled faster than that is hammered.
         */
        unsafeMinInterval: durationSchema.optional(),
        maxAge: durationSchema.prefault('24h'),
        /** Total deadline for one feed fetch, redirects and body included. */
        fetchTimeout: durationSchema.prefault('20s'),
        /**
         * A delivery that waited longer than this (pause, spacing, quiet hours, caps, limits,
         * backoff) re-checks its article's URL just before it is sent: a 404 or 410 cancels it.
         */
        recheckAfter: durationSchema.prefault('2m'),
        language: z.string().default('en'),
      })
      .strict()
      .prefault({}),
    /** The HTTP server for health, metrics, WebSub callbacks and webhooks; off when absent. */
    server: z
      .object({
        /** host:port; loopback by default, put a reverse proxy in front to expose it. */
        listen: z
          .string()
          .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'write host:port, e.g. 127.0.0.1:8787')
          .refine((listen) => Number(listen.slice(listen.lastIndexOf(':') + 1)) <= 65_535, 'a port is between 0 and 65535, e.g. 127.0.0.1:8787')
          .default('127.0.0.1:8787'),
        /** The URL the outside world reaches this server at (WebSub callbacks). */
        publicUrl: z.url().optional(),
        maxBodyBytes: z.number().int().positive().default(1024 * 1024),
        /** The desk (web page for editors); off when absent. */
        desk: deskSchema.optional(),
      })
      .strict()
      .optional(),
    /**
     * Fetches on someone else's say-so (webhook pages, article images, Bluesky card pages and
     * thumbnails) never reach private, loopback, link-local or unique-local addresses, except
     * the ranges listed here (a CMS on the newsroom's own network). Configured feeds are trusted.
     */
    network: z
      .object({
        allowPrivate: z.array(z.string().refine((text) => parseCidr(text) !== undefined, 'write an address range, e.g. 10.0.0.0/8 or fd00::/8')).default([]),
      })
      .strict()
      .prefault({}),
    /**
     * Reading posts back from the platform (README "Read-back"): the first read-back `after` a
     * post, the second `again` after it; channels choose with `verify`.
     */
    readBack: z
      .object({
        after: durationSchema.prefault('60s'),
        again: durationSchema.prefault('1h'),
        /**
         * A send whose outcome is unknown is looked for in the account's own posts; a listing this
         * long after the attempt that still lacks it proves it never went out (X's posting delay).
         */
        absentAfter: durationSchema.prefault('2m'),
      })
      .strict()
      .prefault({}),
    /** Silent failures (README "Alarms"): told to the log and the alert webhook once each. */
    alarms: z
      .object({
        /** A channel with deliveries due but no post verified for this long. 0: never. */
        unverifiedAfter: durationSchema.prefault('3h'),
        /** A source silent far beyond its own publishing rhythm (learned from its history). */
        sourceSilence: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Where alerts go besides the log: a Slack-compatible incoming webhook. */
    alerts: z
      .object({
        webhookUrl: secretRefSchema.optional(),
        webhookUrlFile: secretFileSchema.optional(),
      })
      .strict()
      .refine((a) => (a.webhookUrl === undefined) !== (a.webhookUrlFile === undefined), {
        message: 'give webhookUrl: ${ENV_NAME} or webhookUrlFile: /path (the URL holds a token: it is a secret)',
      })
      .optional(),
    sources: z.array(sourceSchema).min(1),
    channels: z.array(channelSchema).min(1),
    routes: z.array(routeSchema).min(1),
  })
  .strict();

export type CrierConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type ChannelConfig = z.output<typeof channelSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
