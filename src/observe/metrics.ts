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

  return {
    registry,
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
  };
}
