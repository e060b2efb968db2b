import { z } from 'zod';
import { parseCidr } from '../http/address-ranges.js';

const roleSchema = z.enum(['viewer', 'editor']);
const cidrSchema = z.string().refine((text) => parseCidr(text) !== undefined, 'write an address or range, e.g. 127.0.0.1 or 10.0.0.0/8');

/**
 * `server.desk`: the web page for the people on shift. Off unless this block is present. Two
 * ways in: a per-person token (only its SHA-256 is kept here; `crier desk token` makes one), or
 * the user name an authenticating proxy puts in a header, believed only from `proxy.from`.
 */
export const deskSchema = z
  .object({
    users: z
      .array(
        z
          .object({
            name: z.string().trim().min(1),
            role: roleSchema,
            /** Hex SHA-256 of the person's token; the token itself is never stored. */
            tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'write the 64 hex digits `crier desk token` printed'),
          })
          .strict(),
      )
      .default([]),
    proxy: z
      .object({
        /** The header the proxy sets to the signed-in user's name. */
        header: z.string().trim().toLowerCase().default('x-forwarded-user'),
        /** Addresses of the proxy: the header from anywhere else is ignored. */
        from: z.array(cidrSchema).min(1, 'list the proxy addresses, e.g. [127.0.0.1]'),
        /** Roles by user name; everyone else the proxy lets through gets `defaultRole`. */
        roles: z.record(z.string(), roleSchema).default({}),
        defaultRole: roleSchema.default('viewer'),
      })
      .strict()
      .optional(),
    /** How long a token sign-in lasts. */
    sessionHours: z.number().positive().max(24 * 30).default(12),
  })
  .strict()
  .refine((desk) => desk.users.length > 0 || desk.proxy !== undefined, 'the desk needs a way in: list users with tokens, or a proxy');

export type DeskConfig = z.infer<typeof deskSchema>;
export type DeskRole = z.infer<typeof roleSchema>;
