import type { Store } from '../../src/store/store.js';

export interface CallTiming {
  calls: number;
  ms: number;
}

/**
 * The store as the worker sees it, with the wall time of every call added up per method. The
 * SQLite store does its work synchronously inside each call, so this is the time spent in the
 * store (plus one microtask hop per call).
 */
export function timedStore(store: Store): { store: Store; timing: Map<string, CallTiming> } {
  const timing = new Map<string, CallTiming>();
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return async (...args: unknown[]): Promise<unknown> => {
        const t0 = performance.now();
        try {
          return await method.apply(target, args);
        } finally {
          const entry = timing.get(property) ?? { calls: 0, ms: 0 };
          entry.calls += 1;
          entry.ms += performance.now() - t0;
          timing.set(property, entry);
        }
      };
    },
  });
  return { store: proxy, timing };
}
