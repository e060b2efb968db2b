import type { Store } from '../../store/store.js';
import { MAX_SKEW_MS } from './webhook-signature.js';

export interface ReplayGuard {
  /** Records the signature; false if it was already seen within the window (a replay). */
  firstSeen(signature: string, timestampMs: number): Promise<boolean>;
  /** Forgets a signature whose request failed on our side, so the sender's retry is not a "replay". */
  forget(signature: string): Promise<void>;
}

/**
 * Remembers every accepted signature until its timestamp leaves the skew window, after which the
 * timestamp check alone refuses it. Kept in the store (meta `webhook-seen:<source>`), not in
 * memory: a restart inside the window must not reopen it, and a second process on the same store
 * sees the same list. At newsroom volumes (a few requests a minute) the list stays tiny; each
 * check rewrites it, serialised here so two requests cannot both pass as first.
 */
export function createReplayGuard(store: Store, sourceId: string, now: () => Date): ReplayGuard {
  const key = `webhook-seen:${sourceId}`;
  let queue: Promise<unknown> = Promise.resolve();

  async function check(signature: string, timestampMs: number): Promise<boolean> {
    const at = now().getTime();
    const seen = parse(await store.getMeta(key));
    for (const [sig, expires] of Object.entries(seen)) if (expires < at) delete seen[sig];
    if (Object.hasOwn(seen, signature)) return false;
    seen[signature] = timestampMs + MAX_SKEW_MS;
    await store.setMeta(key, JSON.stringify(seen));
    return true;
  }

  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const result = queue.then(fn);
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    firstSeen: (signature, timestampMs) => serialized(() => check(signature, timestampMs)),
    forget: (signature) =>
      serialized(async () => {
        const seen = parse(await store.getMeta(key));
        delete seen[signature];
        await store.setMeta(key, JSON.stringify(seen));
      }),
  };
}

function parse(raw: string | undefined): Record<string, number> {
  if (!raw) return {};
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' ? (value as Record<string, number>) : {};
  } catch {
    return {};
  }
}
