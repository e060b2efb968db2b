/**
 * Due times in memory: a binary min-heap of (time, id) with one live entry per id. Setting an id
 * again leaves its old entry in the heap, marked stale by a version, and skipped when it surfaces,
 * so set, delete and taking what is due are all O(log n): a tick touches only what is due, however
 * many sources there are.
 */
export interface DueQueue {
  /** Due at `at` (ms since the epoch), replacing any earlier due time of this id. */
  set(id: string, at: number): void;
  delete(id: string): void;
  /** The due time of an id, if it is queued. */
  get(id: string): number | undefined;
  /** The earliest due time, if anything is queued. */
  next(): number | undefined;
  /** Removes and returns the ids due at or before `now`, earliest first, at most `limit`. */
  takeDue(now: number, limit?: number): string[];
  readonly size: number;
}

interface Entry {
  at: number;
  id: string;
  version: number;
}

export function createDueQueue(): DueQueue {
  const heap: Entry[] = [];
  const live = new Map<string, { at: number; version: number }>();
  let versions = 0;

  const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.version < b.version);

  function up(index: number): void {
    const entry = heap[index] as Entry;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as Entry;
      if (!before(entry, above)) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = entry;
  }

  function down(index: number): void {
    const entry = heap[index] as Entry;
    const half = heap.length >> 1;
    while (index < half) {
      let child = 2 * index + 1;
      const right = child + 1;
      if (right < heap.length && before(heap[right] as Entry, heap[child] as Entry)) child = right;
      const below = heap[child] as Entry;
      if (!before(below, entry)) break;
      heap[index] = below;
      index = child;
    }
    heap[index] = entry;
  }

  function pop(): Entry | undefined {
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (heap.length > 0) {
      heap[0] = last;
      down(0);
    }
    return top;
  }

  const isLive = (entry: Entry): boolean => live.get(entry.id)?.version === entry.version;

  /** Drops stale entries off the top, so heap[0] is live (or the heap is empty). */
  function settleTop(): Entry | undefined {
    for (let top = heap[0]; top !== undefined; top = heap[0]) {
      if (isLive(top)) return top;
      pop();
    }
    return undefined;
  }

  /** Stale entries pile up when ids are re-set before they surface: rebuild past twice the live count. */
  function compact(): void {
    if (heap.length < 64 || heap.length < 2 * live.size) return;
    const kept = heap.filter(isLive);
    heap.length = 0;
    for (const entry of kept) {
      heap.push(entry);
      up(heap.length - 1);
    }
  }

  return {
    set(id, at) {
      const version = ++versions;
      live.set(id, { at, version });
      heap.push({ at, id, version });
      up(heap.length - 1);
      compact();
    },
    delete(id) {
      live.delete(id);
    },
    get: (id) => live.get(id)?.at,
    next: () => settleTop()?.at,
    takeDue(now, limit = Number.POSITIVE_INFINITY) {
      const due: string[] = [];
      for (let top = settleTop(); top !== undefined && top.at <= now && due.length < limit; top = settleTop()) {
        pop();
        live.delete(top.id);
        due.push(top.id);
      }
      return due;
    },
    get size() {
      return live.size;
    },
  };
}
