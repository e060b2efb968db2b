import { pino } from 'pino';
import type { ChannelConfig } from '../../src/config/schema.js';
import { createReadBack } from '../../src/delivery/read-back.js';
import { DEFAULT_READ_BACK } from '../../src/delivery/read-back-policy.js';
import { createWorker } from '../../src/delivery/worker.js';
import { planIngest } from '../../src/ingest/plan-ingest.js';
import { silentObserver, type Observer } from '../../src/observe/observer.js';
import type { OutboundPost, OwnPost, PlatformAdapter, PostedRef, ReadBack, Receipt } from '../../src/platforms/contract.js';
import { PublishError } from '../../src/platforms/errors.js';
import { platformFor } from '../../src/platforms/registry.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import type { ChannelRuntime } from '../../src/runtime/channels.js';
import { BUILTIN_TEMPLATES_DIR, type TemplateSet } from '../../src/runtime/templates.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { makeArticle } from './articles.js';
import { memoryChannelState } from './channel-state.js';

/**
 * A small in-test platform: publish answers from a script; read-backs and the account listing
 * answer from what it holds (`onAccount`), so a test deletes a post or scripts an outage.
 */
export interface TestPlatform extends PlatformAdapter {
  published: OutboundPost[];
  /** The account's posts, newest first, as the listing returns them. */
  onAccount: OwnPost[];
  /** Errors the next read-backs / listings throw, in order. */
  readFailures: PublishError[];
  listFailures: PublishError[];
  reads: number;
  listings: number;
}

export function testPlatform(answers: (Receipt | PublishError)[], options: { keepsSent?: boolean } = {}): TestPlatform {
  const platform: TestPlatform = {
    published: [],
    onAccount: [],
    readFailures: [],
    listFailures: [],
    reads: 0,
    listings: 0,
    async verify() {
      return { account: '@desk' };
    },
    async publish(post) {
      platform.published.push(post);
      const answer = answers.shift();
      if (!answer) throw new Error('no scripted answer left');
      // `keepsSent`: the platform created the post even when the answer never arrived.
      if (answer instanceof PublishError) {
        if (options.keepsSent) platform.onAccount.unshift({ remoteId: `sent-${platform.published.length}`, text: post.text.replace(/https?:\/\/\S+/g, 'https://t.co/abc') });
        throw answer;
      }
      platform.onAccount.unshift({ remoteId: answer.remoteId, url: answer.url, text: post.text });
      return answer;
    },
    async readBack(post: PostedRef): Promise<ReadBack> {
      platform.reads += 1;
      const failure = platform.readFailures.shift();
      if (failure) throw failure;
      return platform.onAccount.some((p) => p.remoteId === post.remoteId) ? { found: true } : { found: false, reason: 'HTTP 404: the post was deleted' };
    },
    async recentPosts() {
      platform.listings += 1;
      const failure = platform.listFailures.shift();
      if (failure) throw failure;
      return [...platform.onAccount];
    },
  };
  return platform;
}

const engine = createTemplateEngine();
const templates: TemplateSet = {
  pathFor: (channelId) => `${BUILTIN_TEMPLATES_DIR}/${channelId.split('-')[0]}.hbs`,
  forDelivery: (channelId) => engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/${channelId.split('-')[0]}.hbs`),
};

/** One story queued for `channel` in a real SQLite store, its worker and its read-back loop on a test clock. */
export async function readBackRig(store: SqliteStore, channel: ChannelConfig, adapter: PlatformAdapter, clock: { now: Date }, observer: Observer = silentObserver) {
  const now = () => clock.now;
  const runtime: ChannelRuntime = {
    config: channel,
    platform: platformFor(channel),
    adapter,
    textRules: () => platformFor(channel).textRules(channel, { logger: pino({ level: 'silent' }), now, channelState: memoryChannelState() }),
  };
  const routing = { routes: [{ id: 'all', channels: [channel.id], priority: 'normal' as const }], channels: new Map([[channel.id, channel]]), configDir: '/' };
  const options = { backfill: 0, maxAgeMs: 86_400_000 };
  const state = { sourceId: 'news', consecutiveFailures: 0, initializedAt: clock.now };
  await store.ingest('news', planIngest([makeArticle({ key: 'seed' })], undefined, options, routing, clock.now), state, clock.now);
  await store.ingest('news', planIngest([makeArticle({ key: 'story', publishedAt: clock.now })], await store.getSourceState('news'), options, routing, clock.now), state, clock.now);
  const channels = new Map([[channel.id, runtime]]);
  const logger = pino({ level: 'silent' });
  const owner = 'test-replica';
  const worker = createWorker({ store, channels, templates, logger, now, random: () => 0.5, defaultLanguage: 'en', observer, owner });
  const readBack = createReadBack({ store, channels, logger, now, observer, timing: DEFAULT_READ_BACK, owner });
  return { worker, readBack };
}
