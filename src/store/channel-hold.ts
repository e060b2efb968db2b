/**
 * Why a channel is not sending right now. `paused` is an editor's kill switch and lasts until
 * `crier resume`; `auth` is set when the platform refuses the credentials (the channel keeps its
 * deliveries, nothing is burned); `rate-limited` lasts until the platform's reset, for every
 * delivery of that account; `schedule` (spacing, quiet hours, daily cap) lasts until its time and
 * lets breaking posts through. A channel may have several holds at once, one of each kind.
 */
export type HoldKind = 'paused' | 'auth' | 'rate-limited' | 'schedule';

export interface ChannelHold {
  kind: HoldKind;
  reason: string;
  since: Date;
  /** Absent: until a person (or a restart, for auth) lifts it. */
  until?: Date | undefined;
  by: string;
}

export interface HeldChannel extends ChannelHold {
  channelId: string;
}
