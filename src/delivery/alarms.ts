import type { Logger } from '../log/logger.js';
import type { Alarm, Observer } from '../observe/observer.js';
import { sourceSilence } from '../observe/source-silence.js';
import type { ChannelRuntime } from '../runtime/channels.js';
import type { Store } from '../store/store.js';
import { channelLeases } from './channel-leases.js';
import { readsBack } from './read-back-policy.js';
import { replicaName } from './replica-name.js';

export interface AlarmSettings {
  /** A channel with deliveries waiting but no post verified for this long (ms); 0: never. */
  unverifiedAfter: number;
  /** Alarm on a source silent far beyond its own rhythm. */
  sourceSilence: boolean;
}

export interface AlarmDeps {
  store: Store;
  channels: ReadonlyMap<string, ChannelRuntime>;
  sources: readonly { id: string }[];
  logger: Logger;
  now: () => Date;
  observer: Observer;
  settings: AlarmSettings;
  owner?: string | undefined;
}

export interface Alarms {
  /** Checks every condition when a minute has passed since the last check; raises and clears alarms. */
  runDue(): Promise<void>;
}

const CHECK_EVERY_MS = 60_000;
/** The publishing history a source's rhythm is learned from. */
const HISTORY_MS = 28 * 86_400_000;
/** The meta key an alarm is remembered under while raised: one alert per alarm, across restarts and replicas. */
const metaKey = (key: string) => `alarm:${key}`;
/** Post deliveries that mean "something should have reached the platform by now". */
const WAITING_STATES = ['pending', 'sending', 'posted', 'failed', 'uncertain', 'missing'] as const;

const ago = (ms: number) => (ms >= 2 * 3_600_000 ? `${Math.round(ms / 3_600_000)} h` : `${Math.round(ms / 60_000)} min`);

/**
 * Silent failures: what the log would never say. A channel whose posts stop being verified while
 * deliveries wait (credentials, an account restriction, a platform quietly dropping posts); a source
 * gone quiet against its own rhythm (a feed stuck on a cached copy, a CMS that stopped publishing
 * it). Each alarm is raised once (an event, the log, the alert webhook, a metric) and cleared once
 * when the condition ends; credentials refused are alerted when the channel is held (alerts.ts).
 */
export function createAlarms(deps: AlarmDeps): Alarms {
  const leases = channelLeases(deps.store, deps.owner ?? replicaName(), [...deps.channels.keys()], deps.now);
  let checkedAt = Number.NEGATIVE_INFINITY;

  async function report(alarm: Omit<Alarm, 'state'>, raised: boolean): Promise<void> {
    const known = (await deps.store.getMeta(metaKey(alarm.key))) !== undefined;
    if (known === raised) return;
    const now = deps.now();
    await deps.store.setMeta(metaKey(alarm.key), raised ? now.toISOString() : undefined);
    const full: Alarm = { ...alarm, state: raised ? 'raised' : 'cleared' };
    await deps.store.appendEvent({
      at: now,
      kind: raised ? 'alarm-raised' : 'alarm-cleared',
      message: raised ? `${alarm.message}; ${alarm.fix}` : `resolved: ${alarm.message}`,
      channelId: alarm.channelId,
      sourceId: alarm.sourceId,
      actor: 'daemon',
      data: { alarm: alarm.key },
    });
    if (raised) deps.logger.error({ alarm: alarm.key, channel: alarm.channelId, source: alarm.sourceId }, `${alarm.message}; ${alarm.fix}`);
    else deps.logger.info({ alarm: alarm.key }, `resolved: ${alarm.message}`);
    deps.observer.alarm(full);
  }

  async function checkChannel(channelId: string, now: Date): Promise<void> {
    const channel = deps.channels.get(channelId);
    if (!channel || !readsBack(channel) || deps.settings.unverifiedAfter <= 0) return;
    const key = `channel-unverified:${channelId}`;
    // A person paused it: its deliveries wait on purpose.
    const paused = (await deps.store.listHolds(now, channelId)).some((hold) => hold.kind === 'paused');
    const summary = (await deps.store.channelSummaries()).find((s) => s.channelId === channelId);
    const lastVerified = summary?.lastVerified?.postedAt;
    const waiting = (await deps.store.listDeliveries({ channelId, states: [...WAITING_STATES], kinds: ['post'], limit: 1000 })).filter(
      (d) => d.createdAt.getTime() > (lastVerified?.getTime() ?? Number.NEGATIVE_INFINITY) && (d.state !== 'pending' || d.nextAttemptAt.getTime() <= now.getTime()),
    );
    const oldest = waiting.reduce<Date | undefined>((min, d) => (min === undefined || d.createdAt < min ? d.createdAt : min), undefined);
    const stale = !paused && oldest !== undefined && now.getTime() - oldest.getTime() >= deps.settings.unverifiedAfter;
    const since = lastVerified ? `the last verified post is ${ago(now.getTime() - lastVerified.getTime())} old` : 'no post was ever verified';
    await report(
      {
        key,
        kind: 'channel-unverified',
        channelId,
        message: `channel ${channelId}: no post verified for ${ago(deps.settings.unverifiedAfter)} while ${waiting.length} deliveries waited (${since})`,
        fix: `see crier status and crier history --channel ${channelId}; crier check tests its credentials`,
      },
      stale,
    );
  }

  async function checkSource(sourceId: string, now: Date): Promise<void> {
    const key = `source-silent:${sourceId}`;
    const state = await deps.store.getSourceState(sourceId);
    const windowStart = new Date(now.getTime() - HISTORY_MS);
    const times = await deps.store.publishedTimes(sourceId, windowStart, now);
    // The history is complete from the first article the source ever listed (a feed's first poll
    // records what it already held), never before the window.
    const firstKnown = times[0] ?? state?.initializedAt ?? now;
    const verdict = sourceSilence(times, firstKnown, now);
    const silent = verdict.kind === 'silent';
    const lastAt = verdict.kind === 'learning' ? undefined : verdict.lastAt;
    await report(
      {
        key,
        kind: 'source-silent',
        sourceId,
        message: silent
          ? `source ${sourceId} has published nothing for ${ago(verdict.silentForMs)}, when its usual rhythm would have brought about ${Math.round(verdict.expected)} articles`
          : `source ${sourceId} publishes again${lastAt ? ` (latest ${lastAt.toISOString()})` : ''}`,
        fix: `check the site publishes and the feed shows new items (crier poll --source ${sourceId}; a cache in front of the feed may serve an old copy)`,
      },
      silent,
    );
  }

  return {
    async runDue() {
      const now = deps.now();
      if (now.getTime() - checkedAt < CHECK_EVERY_MS) return;
      checkedAt = now.getTime();
      for (const channelId of await leases.held()) await checkChannel(channelId, now);
      if (deps.settings.sourceSilence) for (const source of deps.sources) await checkSource(source.id, now);
    },
  };
}

/** When the alarm with this key (`source-silent:<id>`, `channel-unverified:<id>`) was raised, if it stands. */
export async function alarmRaisedAt(store: Pick<Store, 'getMeta'>, key: string): Promise<Date | undefined> {
  const at = await store.getMeta(metaKey(key));
  return at === undefined ? undefined : new Date(at);
}
