import { z } from 'zod';
import { durationSchema } from '../../config/duration.js';
import { baseSourceShape } from '../feed/feed-config.js';
import type { PushInfo } from '../source-kind.js';

const FIFTEEN_MINUTES = 15 * 60_000;

/**
 * A feed the daemon also subscribes to over WebSub. It is polled like `kind: feed` (first poll,
 * conditional GET, backoff), and while a subscription is verified a push triggers an immediate
 * re-fetch and the regular polls relax to a safety poll.
 */
export const websubSourceSchema = z
  .object({
    ...baseSourceShape,
    kind: z.literal('websub'),
    /** The feed (the topic is its rel=self URL); http(s) only, a hub cannot watch a file. */
    url: z.url({ protocol: /^https?$/, error: 'write the feed URL, e.g. https://news.example.org/feed/' }),
    /** The hub, when the feed advertises none (no Link rel=hub header, no rel=hub link). */
    hub: z.url({ protocol: /^https?$/ }).optional(),
    /** The lease to ask for; the hub decides and Crier renews at 80 % of what it granted. */
    lease: durationSchema.prefault('10d').refine((ms) => ms >= 60_000, 'a lease shorter than a minute is not useful'),
    /**
     * While subscribed, polls relax from `interval` to this safety net for lost pushes: at most
     * 15m, so a lost push delays a story by no more; an `interval` longer than it is kept.
     */
    safetyPoll: durationSchema
      .prefault('15m')
      .refine((ms) => ms >= 60_000 && ms <= FIFTEEN_MINUTES, 'the safety poll is between 1m and 15m'),
  })
  .strict();

export type WebSubSourceConfig = z.output<typeof websubSourceSchema>;

export const websubPush = { pathPrefix: '/websub', polled: true, needsPublicUrl: true } as const satisfies PushInfo;
