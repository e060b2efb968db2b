import { validate as isCron } from 'node-cron';
import { z } from 'zod';
import { idSchema } from './channel-base.js';
import { durationSchema } from './duration.js';
import { channelSchemas } from '../platforms/registry.js';

const feedSourceSchema = z
  .object({
    id: idSchema,
    kind: z.literal('feed'),
    /** http(s):// URL, file:// URL, or a path relative to the config file. */
    url: z.string().min(1),
    /** Poll interval; default defaults.interval. Jittered so sources never poll together. */
    interval: durationSchema.optional(),
    /** A cron expression (node-cron, with optional seconds) instead of an interval. */
    schedule: z
      .string()
      .refine((v) => isCron(v), 'not a valid cron expression (e.g. "*/5 * * * *" = every 5 minutes)')
      .optional(),
    /** On the first poll, post the N newest items (oldest first) instead of nothing. */
    backfill: z.number().int().nonnegative().default(0),
    /** Items published longer ago than this are never posted; default defaults.maxAge. */
    maxAge: durationSchema.optional(),
  })
  .strict();

export const sourceSchema = z.discriminatedUnion('kind', [feedSourceSchema]);

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
  })
  .strict();

export const configSchema = z
  .object({
    store: z
      .object({
        /** SQLite file, relative to the config file. */
        path: z.string().default('crier.db'),
      })
      .strict()
      .prefault({}),
    defaults: z
      .object({
        interval: durationSchema.prefault('60s'),
        maxAge: durationSchema.prefault('24h'),
        /** Total deadline for one feed fetch, redirects and body included. */
        fetchTimeout: durationSchema.prefault('20s'),
        language: z.string().default('en'),
      })
      .strict()
      .prefault({}),
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
