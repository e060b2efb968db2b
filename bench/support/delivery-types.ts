import type { CallTiming } from './timed-store.js';

export type DeliveryScenario = 'dry-run' | 'mastodon';

export interface DeliveryRunOptions {
  scenario: DeliveryScenario;
  articles: number;
  /** The fake Mastodon instances (one account each), for the mastodon scenario. */
  servers: { url: string; token: string }[];
}

export interface DeliveryRunResult {
  scenario: DeliveryScenario;
  deliveries: number;
  posted: number;
  wallMs: number;
  cpuMs: number;
  deliveriesPerSecond: number;
  cpuMsPerDelivery: number;
  /** Time inside store calls during the worker run, per delivery. */
  storeMsPerDelivery: number;
  storeCalls: Record<string, CallTiming>;
  /** Ingesting the articles (planIngest + store.ingest, 10 per poll), before the worker ran. */
  ingestMsPerArticle: number;
  /** Dry-run only: posts written per article × channel beyond the first. */
  dryRunDuplicates?: number;
}
