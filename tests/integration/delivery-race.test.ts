import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { CHANNEL_LEASE_MS } from '../../src/delivery/channel-leases.js';
import { ActionRefused, editorActions } from '../../src/delivery/editor-actions.js';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { planIngest } from '../../src/ingest/plan-ingest.js';
import type { OutboundPost, PlatformAdapter, Receipt } from '../../src/platforms/contract.js';
import { platformFor } from '../../src/platforms/registry.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import type { ChannelRuntime } from '../../src/runtime/channels.js';
import { BUILTIN_TEMPLATES_DIR } from '../../src/runtime/templates.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Delivery, Store } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';
import { memoryChannelState } from '../support/channel-state.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The daemon and an editor's CLI are two processes with two connections to one store. These
 * tests hold the daemon at the exact points where an editor's command can land, with two real
 * handles on one SQLite file, and check that a delivery is either cancelled or posted: never
 * both, never posted twice.
 */

const x: ChannelConfig = { id: 'x-main', platform: 'x', dryRun: false, images: true };
const NOW = new Date('2026-11-29T12:00:00Z');
const engine = createTemplateEngine();

/** A platform edge that lets the test decide when a send starts and ends, and counts sends. */
function gatedAdapter() {
  const sent: OutboundPost[] = [];
  let release: (receipt: Receipt) => void = () => undefined;
  let started: () => void = () => undefined;
  const sending = new Promise<void>((resolve) => (started = resolve));
  const adapter: PlatformAdapter & { beforeClaim?: () => Promise<void> } = {
    async verify() {
      return { account: '@newsroom' };
    },
    // Called after the worker read the due delivery and before it claims it.
    async prepare() {
      await adapter.beforeClaim?.();
      return undefined;
    },
    publish(post) {
      sent.push(post);
      started();
      return new Promise<Receipt>((resolve) => (release = resolve));
    },
  };
  return { adapter, sent, sending, finish: (receipt: Receipt) => release(receipt) };
}

let dir: ReturnType<typeof tempDir>;
let daemonStore: SqliteStore;
let editorStore: SqliteStore;

beforeEach(async () => {
  dir = tempDir();
  const file = join(dir.path, 'crier.db');
  daemonStore = openSqliteStore(file);
  await daemonStore.migrate();
  editorStore = openSqliteStore(file);
  const routing = { routes: [{ id: 'all', channels: [x.id], priority: 'normal' as const }], channels: new Map([[x.id, x]]), configDir: '/' };
  const policy = { backfill: 0, maxAgeMs: 86_400_000 };
  const state = { sourceId: 'news', consecutiveFailures: 0, initializedAt: NOW };
  await daemonStore.ingest('news', planIngest([makeArticle({ key: 'seed' })], undefined, policy, routing, NOW), state, NOW);
  await daemonStore.ingest('news', planIngest([makeArticle({ key: 'story', publishedAt: NOW })], state, policy, routing, NOW), state, NOW);
});

afterEach(async () => {
  await daemonStore.close();
  await editorStore.close();
  dir.remove();
});

function worker(adapter: PlatformAdapter, options: { store?: Store; owner?: string; now?: () => Date } = {}): Worker {
  const runtime: ChannelRuntime = {
    config: x,
    platform: platformFor(x),
    adapter,
    textRules: () => platformFor(x).textRules(x, { logger: pino({ level: 'silent' }), now: () => NOW, channelState: memoryChannelState() }),
  };
  return createWorker({
    store: options.store ?? daemonStore,
    owner: options.owner ?? 'test-host:1:daemon',
    channels: new Map([[x.id, runtime]]),
    templates: { pathFor: () => `${BUILTIN_TEMPLATES_DIR}/x.hbs`, forDelivery: () => engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/x.hbs`) },
    logger: pino({ level: 'silent' }),
    now: options.now ?? (() => NOW),
    random: () => 0.5,
    defaultLanguage: 'en',
  });
}

async function theDelivery(store: Store): Promise<Delivery> {
  const [delivery] = await store.listDeliveries({ channelId: x.id });
  if (!delivery) throw new Error('no delivery');
  return delivery;
}

describe('cancel versus post, with two store handles', () => {
  it('a cancel that lands after the daemon read the delivery, before it claimed it: nothing is sent', async () => {
    const edge = gatedAdapter();
    const editor = editorActions({ store: editorStore, now: () => NOW });
    const { id } = await theDelivery(editorStore);
    edge.adapter.beforeClaim = async () => void (await editor.cancel(id, 'ana', 'wrong story'));

    await worker(edge.adapter).drain();

    expect(edge.sent).toHaveLength(0);
    const final = await theDelivery(daemonStore);
    expect(final.state).toBe('cancelled');
    const kinds = (await daemonStore.listEvents({ deliveryId: id })).map((e) => e.kind);
    expect(kinds).not.toContain('delivery-sending');
    expect(kinds).not.toContain('delivery-posted');
  });

  it('a cancel that read "pending" while the daemon claimed it is refused, and the post stands', async () => {
    const edge = gatedAdapter();
    const { id } = await theDelivery(editorStore);
    let delivering: Promise<number> | undefined;
    // The editor's command reads the delivery, then the daemon claims and starts sending it,
    // then the command's write arrives: the old race that ended `cancelled` although posted.
    const interleaved: Store = Object.create(editorStore, {
      getDelivery: {
        value: async (deliveryId: number) => {
          const read = await editorStore.getDelivery(deliveryId);
          if (!delivering) {
            delivering = worker(edge.adapter).drain();
            await edge.sending;
          }
          return read;
        },
      },
    }) as Store;
    const editor = editorActions({ store: interleaved, now: () => NOW });

    const refusal = await editor.cancel(id, 'ana').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ActionRefused);
    expect((refusal as Error).message).toMatch(/delivery \d+ is sending now \(the daemon took it first\); it was not cancelled/);

    edge.finish({ remoteId: '1850000000000000001', url: 'https://x.com/newsroom/status/1850000000000000001' });
    await delivering;
    expect(edge.sent).toHaveLength(1);
    expect(await theDelivery(daemonStore)).toMatchObject({ state: 'posted', remoteId: '1850000000000000001' });
  });

  it('a cancel while the post is on its way is refused; retry of the posted delivery is refused with why', async () => {
    const edge = gatedAdapter();
    const editor = editorActions({ store: editorStore, now: () => NOW });
    const { id } = await theDelivery(editorStore);
    const delivering = worker(edge.adapter).drain();
    await edge.sending;

    await expect(editor.cancel(id, 'ana')).rejects.toThrow(/is being sent right now; it cannot be cancelled/);
    edge.finish({ remoteId: '1850000000000000002', url: 'https://x.com/newsroom/status/1850000000000000002' });
    await delivering;

    await expect(editor.retry(id, 'ana')).rejects.toThrow(
      `delivery ${id} was posted at ${NOW.toISOString()} (https://x.com/newsroom/status/1850000000000000002); retry never sends a post twice: use crier post --force`,
    );
    await expect(editor.cancel(id, 'ana')).rejects.toThrow(/is posted; only pending deliveries can be cancelled/);
    // Nothing was queued again: a second daemon pass sends nothing.
    const again = gatedAdapter();
    expect(await worker(again.adapter).drain()).toBe(0);
    expect(edge.sent).toHaveLength(1);
    expect(again.sent).toHaveLength(0);
  });

  it('a delivery moved by another handle is never moved back by a stale writer', async () => {
    const { id } = await theDelivery(editorStore);
    const event = { at: NOW, kind: 'test', message: 'test', actor: 'test' };
    // Two writers both believe the delivery is pending; only the first claim applies.
    const claim = { from: ['pending'] as const, to: 'sending' as const, set: { text: 't', attemptAt: NOW } };
    expect(await daemonStore.transition(id, claim, event)).toBe(true);
    expect(await editorStore.transition(id, { from: ['pending'], to: 'cancelled' }, event)).toBe(false);
    expect(await editorStore.transition(id, claim, event)).toBe(false);
    expect(await theDelivery(editorStore)).toMatchObject({ state: 'sending', attempts: 1 });
  });
});

/** The platform edge deletes too (a post already gone would answer already-gone); returns what it deleted. */
function deletions(adapter: PlatformAdapter): string[] {
  const removed: string[] = [];
  adapter.remove = async (post) => {
    removed.push(post.remoteId);
    return 'deleted';
  };
  return removed;
}

describe('retract versus post, with two store handles', () => {
  const story = async (store: Store) => (await store.getArticle((await theDelivery(store)).articleId))!;

  it('a retraction that lands after the daemon read the post, before it claimed it: cancelled, nothing sent or deleted', async () => {
    const edge = gatedAdapter();
    const removed = deletions(edge.adapter);
    const editor = editorActions({ store: editorStore, now: () => NOW });
    const article = await story(editorStore);
    let outcome: Awaited<ReturnType<typeof editor.retract>> = [];
    edge.adapter.beforeClaim = async () => void (outcome = await editor.retract(article, { reason: 'legal', actor: 'ana' }));

    await worker(edge.adapter).drain();

    expect(outcome.map((o) => o.action)).toEqual(['cancelled']);
    expect(edge.sent).toHaveLength(0);
    expect(removed).toEqual([]);
    expect(await theDelivery(daemonStore)).toMatchObject({ state: 'cancelled', lastError: 'retracted by ana: legal' });
    expect(await daemonStore.listDeliveries({ kinds: ['retract'] })).toEqual([]);
  });

  it('a retraction while the post is on its way is queued, and deletes the post once it lands: posted once, deleted once', async () => {
    const edge = gatedAdapter();
    const removed = deletions(edge.adapter);
    const editor = editorActions({ store: editorStore, now: () => NOW });
    const article = await story(editorStore);
    const delivering = worker(edge.adapter).drain();
    await edge.sending;

    const outcome = await editor.retract(article, { reason: 'legal', actor: 'ana' });
    expect(outcome).toMatchObject([{ action: 'queued', detail: 'the post is being sent right now: deleted as soon as it lands' }]);
    // A second editor (or the same one again) asks too: still one retraction.
    expect((await editor.retract(article, { reason: 'legal', actor: 'ben' })).map((o) => o.action)).toEqual(['already']);

    edge.finish({ remoteId: '1850000000000000009', url: 'https://x.com/newsroom/status/1850000000000000009' });
    await delivering;
    expect(edge.sent).toHaveLength(1);
    expect(removed).toEqual(['1850000000000000009']);
    expect(await theDelivery(daemonStore)).toMatchObject({ state: 'retracted', remoteId: '1850000000000000009' });
    expect((await daemonStore.listDeliveries({ kinds: ['retract'] })).map((d) => d.state)).toEqual(['posted']);
  });
});

describe('two replicas on one store', () => {
  it('a replica that starts never settles a send another live replica has in flight; it takes over once that one is gone', async () => {
    const edge = gatedAdapter();
    const first = worker(edge.adapter, { owner: 'host-a:100:aa' });
    const delivering = first.drain();
    await edge.sending;

    let clock = NOW;
    const second = worker(gatedAdapter().adapter, { store: editorStore, owner: 'host-b:200:bb', now: () => clock });
    // The old recovery settled every `sending` delivery at start, this one included.
    expect(await second.recover()).toBe(0);
    expect(await second.drain()).toBe(0);
    expect((await theDelivery(editorStore)).state).toBe('sending');

    // The first replica dies mid-send (its lease is never renewed). The second takes the channel
    // and settles the send: on X a re-send could double it, so it is uncertain, for a person.
    clock = new Date(NOW.getTime() + CHANNEL_LEASE_MS + 1);
    expect(await second.drain()).toBe(0);
    expect(await theDelivery(editorStore)).toMatchObject({ state: 'uncertain', lastError: expect.stringMatching(/interrupted while sending/) });

    // The first one's answer arrives late: it may not overwrite what the new lease holder decided.
    edge.finish({ remoteId: '1850000000000000003' });
    await delivering;
    expect((await theDelivery(daemonStore)).state).toBe('uncertain');
  });
});
