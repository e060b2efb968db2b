import type { Store } from '../store/store.js';

/**
 * Why a channel is not sending right now. `paused` is an editor's kill switch and lasts until
 * `crier resume`; `auth` is set by the worker when the platform refuses the credentials (the
 * channel keeps its deliveries, nothing is burned); `rate-limited` lasts until the platform's
 * reset, for every delivery of that account; `schedule` (spacing, quiet hours, daily cap) lasts
 * until its time and lets breaking posts through.
 */
export type HoldKind = 'paused' | 'auth' | 'rate-limited' | 'schedule';

export interface ChannelHold {
  kind: HoldKind;
  reason: string;
  since: Date;
  until?: Date | undefined;
  by: string;
}

const KEY = 'hold';

interface HoldJson {
  kind: HoldKind;
  reason: string;
  since: string;
  until?: string;
  by: string;
}

export async function readHold(store: Store, channelId: string, now: Date): Promise<ChannelHold | undefined> {
  const raw = await store.getChannelValue(channelId, KEY);
  if (!raw) return undefined;
  const json = JSON.parse(raw) as HoldJson;
  const hold: ChannelHold = {
    kind: json.kind,
    reason: json.reason,
    since: new Date(json.since),
    until: json.until === undefined ? undefined : new Date(json.until),
    by: json.by,
  };
  // An expired rate-limit hold is simply over; pauses and auth holds wait for a person.
  if (hold.until && hold.until <= now) return undefined;
  return hold;
}

export async function setHold(store: Store, channelId: string, hold: ChannelHold): Promise<void> {
  const json: HoldJson = {
    kind: hold.kind,
    reason: hold.reason,
    since: hold.since.toISOString(),
    ...(hold.until ? { until: hold.until.toISOString() } : {}),
    by: hold.by,
  };
  await store.setChannelValue(channelId, KEY, JSON.stringify(json));
}

export async function clearHold(store: Store, channelId: string): Promise<void> {
  await store.deleteChannelValue(channelId, KEY);
}

export interface HeldChannels {
  /** Nothing may be sent on these. */
  all: string[];
  /** Only breaking posts may be sent on these. */
  normal: string[];
}

/** Channels that must not send now, for the worker's due query. */
export async function heldChannels(store: Store, channelIds: Iterable<string>, now: Date): Promise<HeldChannels> {
  const held: HeldChannels = { all: [], normal: [] };
  for (const id of channelIds) {
    const hold = await readHold(store, id, now);
    if (hold) (hold.kind === 'schedule' ? held.normal : held.all).push(id);
  }
  return held;
}

/** Whether a hold stops this delivery: schedule holds let breaking posts through. */
export function holdStops(hold: ChannelHold | undefined, priority: 'normal' | 'breaking'): boolean {
  return hold !== undefined && !(hold.kind === 'schedule' && priority === 'breaking');
}
