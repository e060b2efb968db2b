import type { PlatformAdapter } from './contract.js';
import { PublishError } from './errors.js';

/**
 * Platform client libraries cost hundreds of milliseconds to import (@atproto/api alone ~350 ms),
 * so adapters are loaded on first use: an editor's `crier status` never pays for them. The real
 * adapters (through their platform) and the dry run (in runtime) are both built this way.
 */
export function lazyAdapter(load: () => Promise<PlatformAdapter>): PlatformAdapter {
  const get = onFirstUse(load);
  return {
    async verify(signal) {
      return (await get()).verify(signal);
    },
    async prepare(post) {
      const adapter = await get();
      return adapter.prepare ? adapter.prepare(post) : undefined;
    },
    async publish(post, signal) {
      return (await get()).publish(post, signal);
    },
    async remove(post, signal) {
      const adapter = await get();
      if (!adapter.remove) throw cannot('remove posts');
      return adapter.remove(post, signal);
    },
    async readBack(post, signal) {
      const adapter = await get();
      if (!adapter.readBack) throw cannot('read posts back');
      return adapter.readBack(post, signal);
    },
    async recentPosts(since, signal) {
      const adapter = await get();
      if (!adapter.recentPosts) throw cannot("list the account's posts");
      return adapter.recentPosts(since, signal);
    },
    async edit(post, text, signal) {
      const adapter = await get();
      if (!adapter.edit) throw cannot('edit posts');
      return adapter.edit(post, text, signal);
    },
  };
}

/** A platform without an optional operation: a permanent refusal, never retried. */
function cannot(what: string): PublishError {
  return new PublishError('rejected', `this platform cannot ${what}`);
}

/**
 * `load` runs on the first call only; every later (or concurrent) call shares its result. A
 * load that fails is not kept: the next call tries again, so a missing secret file or a store
 * that was briefly unreadable does not break the channel until a restart.
 */
function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (loading) return loading;
    const attempt = (async () => load())();
    loading = attempt;
    attempt.catch(() => {
      if (loading === attempt) loading = undefined;
    });
    return attempt;
  };
}
