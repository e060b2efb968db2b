import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../store/store.js';
import type { Observer } from './observer.js';

export interface Metrics extends Observer {
  registry: Registry;
}

/**
 * Prometheus metrics. Counters and the latency histogram count what this process did; queue
 * depth, deliveries by state and the last post time are read from the store at scrape time, so
 * they are right even for work a CLI process did.
 */
export function createMetrics(store: Store, channelIds: readonly string[]): Metrics {
  const registry = new Registry();
  const polls = new Counter({ name: 'crier_polls_total', help: 'Source polls by result', labelNames: ['source', 'result'], registers: [registry] });
  const found = new Counter({ name: 'crier_articles_found_total', help: 'Items seen in polled sources', labelNames: ['source'], registers: [registry] });
  const waits = new Counter({ name: 'crier_channel_holds_total', help: 'Times a channel was held (rate limit, schedule, auth)', labelNames: ['channel', 'kind'], registers: [registry] });
  const latency = new Histogram({
    name: 'crier_publish_latency_seconds',
    help: 'From an article first seen to its post recorded, per channel',
    labelNames: ['channel'],
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers: [registry],
  });
  new Gauge({
    name: 'crier_deliveries',
    help: 'Deliveries by channel and state',
    labelNames: ['channel', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await store.channelSummaries()) {
        this.set({ channel: s.channelId, state: 'pending' }, s.pending);
        this.set({ channel: s.channelId, state: 'failed' }, s.failed);
        this.set({ channel: s.channelId, state: 'uncertain' }, s.uncertain);
        this.set({ channel: s.channelId, state: 'verified' }, s.verified);
        this.set({ channel: s.channelId, state: 'missing' }, s.missing);
      }
    },
  });
  new Gauge({
    name: 'crier_queue_depth',
    help: 'Pending deliveries per channel',
    labelNames: ['channel'],
    registers: [registry],
    async collect() {
      const summaries = new Map((await store.channelSummaries()).map((s) => [s.channelId, s]));
      for (const id of channelIds) this.set({ channel: id }, summaries.get(id)?.pending ?? 0);
    },
  });
  new Gauge({
    name: 'crier_last_post_timestamp_seconds',
    help: 'Time of the last successful post per channel',
    labelNames: ['channel'],
    registers: [registry],
    async collect() {
      for (const s of await store.channelSummaries()) {
        if (s.lastPostedAt) this.set({ channel: s.channelId }, s.lastPostedAt.getTime() / 1000);
      }
    },
  });

  new Gauge({
    name: 'crier_last_verified_post_age_seconds',
    help: 'Age of the newest post a read-back found on the platform, per channel (absent until one is verified)',
    labelNames: ['channel'],
    registers: [registry],
    async collect() {
      this.reset();
      const now = Date.now();
      for (const s of await store.channelSummaries()) {
        if (s.lastVerified) this.set({ channel: s.channelId }, Math.max(0, (now - s.lastVerified.postedAt.getTime()) / 1000));
      }
    },
  });
  const readBacks = new Counter({ name: 'crier_read_backs_total', help: 'Posts read back from the platform, by result (verified, missing)', labelNames: ['channel', 'result'], registers: [registry] });
  const alarms = new Gauge({ name: 'crier_alarm', help: 'Silent-failure alarms: 1 while raised', labelNames: ['kind', 'subject'], registers: [registry] });

  new Gauge({
    name: 'crier_follow_ups',
    help: 'Retractions, corrections and edits of posts, by channel, kind and state (posted: done on the platform)',
    labelNames: ['channel', 'kind', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = new Map<string, { channel: string; kind: string; state: string; n: number }>();
      for (const d of await store.listDeliveries({ kinds: ['retract', 'correct', 'edit'], limit: 1_000_000 })) {
        const key = `${d.channelId}\n${d.kind}\n${d.state}`;
        const entry = counts.get(key) ?? { channel: d.channelId, kind: d.kind, state: d.state, n: 0 };
        entry.n += 1;
        counts.set(key, entry);
      }
      for (const { channel, kind, state, n } of counts.values()) this.set({ channel, kind, state }, n);
    },
  });
  const pulledAfterPosting = new Counter({
    name: 'crier_pulled_after_posting_total',
    help: 'Stories pulled at their source while posts of them were out, by what the route did (kept: an alert; retracted)',
    labelNames: ['source', 'outcome'],
    registers: [registry],
  });

  return {
    registry,
    pulledAfterPosting(detail) {
      if (detail.kept.length > 0) pulledAfterPosting.inc({ source: detail.sourceId, outcome: 'kept' });
      if (detail.retracting.length > 0) pulledAfterPosting.inc({ source: detail.sourceId, outcome: 'retracted' });
    },
    pollFinished(sourceId, result, detail) {
      polls.inc({ source: sourceId, result });
      if (detail.found > 0) found.inc({ source: sourceId }, detail.found);
    },
    delivered(channelId, state, detail) {
      if (state === 'posted' && detail.latencyMs !== undefined) latency.observe({ channel: channelId }, detail.latencyMs / 1000);
    },
    channelHeld(channelId, kind) {
      waits.inc({ channel: channelId, kind });
    },
    // Counted by crier_deliveries{state="cancelled"}, read from the store.
    articleGone() {},
    postChecked(channelId, result) {
      readBacks.inc({ channel: channelId, result });
    },
    alarm(alarm) {
      alarms.set({ kind: alarm.kind, subject: alarm.channelId ?? alarm.sourceId ?? '' }, alarm.state === 'raised' ? 1 : 0);
    },
  };
}
