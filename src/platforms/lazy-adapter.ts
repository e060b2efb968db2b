import type { PlatformAdapter } from './contract.js';

/**
 * Platform client libraries cost hundreds of milliseconds to import (@atproto/api alone ~350 ms),
 * so adapters are loaded on first use: an editor's `crier status` never pays for them.
 */
export function lazyAdapter(load: () => Promise<PlatformAdapter>): PlatformAdapter {
  let loaded: Promise<PlatformAdapter> | undefined;
  const get = (): Promise<PlatformAdapter> => (loaded ??= load());
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
    async remove(receipt, signal) {
      const adapter = await get();
      if (!adapter.remove) throw new Error('this platform cannot remove posts');
      return adapter.remove(receipt, signal);
    },
  };
}
