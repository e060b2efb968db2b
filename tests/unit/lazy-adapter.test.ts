import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import type { OutboundPost, PlatformAdapter } from '../../src/platforms/contract.js';
import { lazyAdapter } from '../../src/platforms/lazy-adapter.js';
import { createChannelRuntimes } from '../../src/runtime/channels.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';

const post: OutboundPost = {
  deliveryId: 7,
  channelId: 'c',
  text: 'Harbour plan approved https://news.example.com/harbour',
  idempotencyKey: 'k',
  prepared: undefined,
  article: makeArticle({ key: 'harbour' }),
};

function fakeAdapter(): PlatformAdapter {
  return {
    verify: async () => ({ account: '@desk' }),
    publish: async (outbound) => ({ remoteId: `r-${outbound.deliveryId}` }),
  };
}

describe('lazyAdapter', () => {
  it('loads nothing until first used, then loads once for every call, concurrent or later', async () => {
    let loads = 0;
    const adapter = lazyAdapter(async () => {
      loads += 1;
      return fakeAdapter();
    });
    expect(loads).toBe(0);
    const [first, second] = await Promise.all([adapter.publish(post), adapter.verify()]);
    expect(first).toEqual({ remoteId: 'r-7' });
    expect(second).toEqual({ account: '@desk' });
    await adapter.publish(post);
    expect(loads).toBe(1);
  });

  it('tries the load again after one failed', async () => {
    let loads = 0;
    const adapter = lazyAdapter(async () => {
      loads += 1;
      if (loads === 1) throw new Error('secret file missing');
      return fakeAdapter();
    });
    await expect(adapter.verify()).rejects.toThrow('secret file missing');
    await expect(adapter.verify()).resolves.toEqual({ account: '@desk' });
    await adapter.verify();
    expect(loads).toBe(2);
  });

  it('passes prepare through, and says so when the platform cannot remove', async () => {
    const adapter = lazyAdapter(async () => ({ ...fakeAdapter(), prepare: async () => ({ rkey: '3k' }) }));
    await expect(adapter.prepare?.(post)).resolves.toEqual({ rkey: '3k' });
    await expect(lazyAdapter(async () => fakeAdapter()).prepare?.(post)).resolves.toBeUndefined();
    await expect(adapter.remove?.({ remoteId: 'r-1' })).rejects.toThrow('cannot remove');
  });
});

describe('createChannelRuntimes: the dry run', () => {
  let store: SqliteStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('is built on first use (its text rules read the store), once, and prints the post', async () => {
    store = openSqliteStore(':memory:');
    await store.migrate();
    const reads: string[] = [];
    const real = store;
    // Counts the store reads the Mastodon text rules make (its cached instance limits).
    const counted = new Proxy<Store>(real, {
      get(target, property, receiver) {
        if (property === 'getChannelValue') {
          return (channelId: string, key: string) => {
            reads.push(`${channelId}/${key}`);
            return real.getChannelValue(channelId, key);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const written: string[] = [];
    const config: ChannelConfig = {
      id: 'masto-preview',
      platform: 'mastodon',
      dryRun: true,
      images: true,
      instance: 'https://mastodon.example',
      visibility: 'public',
      credentials: { accessToken: '${NEVER_READ}' },
    };
    const runtimes = createChannelRuntimes([config], {
      store: counted,
      logger: pino({ level: 'silent' }),
      now: () => new Date('2026-12-01T10:00:00Z'),
      write: (text) => written.push(text),
      credentials: () => {
        throw new Error('a dry run never needs the credentials');
      },
    });
    const runtime = runtimes.get('masto-preview');
    if (!runtime) throw new Error('no runtime');
    // Had the dry run been built already, its text rules (modules loaded here) would have read
    // the store by the next macrotask.
    await Promise.all([import('../../src/platforms/mastodon/instance-limits.js'), import('../../src/platforms/mastodon/text-rules.js')]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(reads).toEqual([]);

    await expect(runtime.adapter.publish(post)).resolves.toEqual({ remoteId: 'dry-run-7' });
    await expect(runtime.adapter.verify()).resolves.toEqual({ account: 'masto-preview (dry run)' });
    await runtime.adapter.publish(post);
    expect(reads).toEqual(['masto-preview/instance-limits']);
    expect(written).toHaveLength(2);
    expect(written[0]).toContain('dry run · Mastodon · masto-preview · 45/500 characters');
    expect(written[0]).toContain(post.text);
  });
});
