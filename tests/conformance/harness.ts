import type { Article } from '../../src/articles/article.js';
import type { DeliveryChange, EventRecord, IngestItem, NewDelivery, SourceState, Store } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';

/**
 * What a store implementation hands the conformance suite: a migrated-or-not store on an empty
 * database, optionally a second handle on the same database (another process or replica), and
 * how to throw both away.
 */
export interface StoreHarness {
  store: Store;
  second?: () => Promise<Store>;
  close(): Promise<void>;
}

export type OpenStore = () => Promise<StoreHarness>;

/** The current test's store; a getter because each test gets a fresh one. */
export interface Ctx {
  readonly store: Store;
  readonly harness: StoreHarness;
}

/** Fixed times: the suite never reads the wall clock. */
export const T0 = new Date('2026-11-29T12:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const at = (offsetMs: number): Date => new Date(T0.getTime() + offsetMs);

export function newDelivery(channelId: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    channelId,
    routeId: 'all',
    priority: 'normal',
    dryRun: false,
    nextAttemptAt: T0,
    idempotencyKey: `key-${channelId}`,
    ...overrides,
  };
}

export function sourceState(sourceId: string, overrides: Partial<SourceState> = {}): SourceState {
  return { sourceId, consecutiveFailures: 0, initializedAt: T0, ...overrides };
}

export function deliver(article: Article, deliveries: NewDelivery[]): IngestItem {
  return { article, ifNew: { kind: 'deliver', deliveries, reason: 'new article' } };
}

export function record(article: Article, reason = 'present at the first poll of this source; not posted'): IngestItem {
  return { article, ifNew: { kind: 'record', reason } };
}

export function event(kind: string, when: Date = T0, extra: Partial<EventRecord> = {}): EventRecord {
  return { at: when, kind, message: kind, actor: 'test', ...extra };
}

/** One new article from source `news` with a delivery per channel; returns their ids. */
export async function seed(
  store: Store,
  key: string,
  deliveries: NewDelivery[],
  when: Date = T0,
  article: Partial<Article> = {},
): Promise<{ articleId: number; ids: Record<string, number> }> {
  const sourceId = article.sourceId ?? 'news';
  await store.ingest(sourceId, [deliver(makeArticle({ key, sourceId, ...article }), deliveries)], sourceState(sourceId), when);
  const stored = await store.findArticleByUrl(makeArticle({ key, ...article }).canonicalUrl);
  if (!stored) throw new Error(`article ${key} was not recorded`);
  const ids: Record<string, number> = {};
  for (const d of await store.listDeliveries({ articleId: stored.id })) ids[d.channelId] = d.id;
  return { articleId: stored.id, ids };
}

export function only<T>(value: T | undefined, what = 'value'): T {
  if (value === undefined) throw new Error(`expected a ${what}`);
  return value;
}

/** Another handle on the same database (another process or replica), migrated like the first. */
export async function secondHandle(ctx: Ctx): Promise<Store> {
  const second = ctx.harness.second;
  if (!second) throw new Error('this store needs a second handle for the race cases');
  const other = await second();
  await other.migrate();
  return other;
}

/** A move as src/delivery/lifecycle.ts writes them, with a patch. */
export function move(from: DeliveryChange['from'], to: DeliveryChange['to'], extra: Omit<DeliveryChange, 'from' | 'to'> = {}): DeliveryChange {
  return { from, to, ...extra };
}
