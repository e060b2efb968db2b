import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDueQueue } from '../../src/daemon/due-queue.js';

type Op = { op: 'set'; id: string; at: number } | { op: 'delete'; id: string } | { op: 'take'; now: number; limit: number };

const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), id: ids, at: fc.integer({ min: 0, max: 100 }) }),
    fc.record({ op: fc.constant('delete' as const), id: ids }),
    fc.record({ op: fc.constant('take' as const), now: fc.integer({ min: 0, max: 100 }), limit: fc.integer({ min: 1, max: 10 }) }),
  ),
  { maxLength: 300 },
);

describe('the due-time queue (src/daemon/due-queue.ts)', () => {
  it('hands out what is due, earliest first, once, with the latest time set for each id', () => {
    const queue = createDueQueue();
    queue.set('late', 30);
    queue.set('soon', 10);
    queue.set('later', 20);
    queue.set('soon', 25); // moved: its first time no longer counts
    expect(queue.next()).toBe(20);
    expect(queue.takeDue(24)).toEqual(['later']);
    expect(queue.takeDue(30)).toEqual(['soon', 'late']);
    expect(queue.takeDue(1000)).toEqual([]);
    expect(queue.size).toBe(0);
    expect(queue.next()).toBeUndefined();
  });

  it('agrees with a plain map on any sequence of sets, deletes and takes', () => {
    fc.assert(
      fc.property(ops, (sequence: Op[]) => {
        const queue = createDueQueue();
        const model = new Map<string, { at: number; order: number }>();
        let order = 0;
        for (const step of sequence) {
          if (step.op === 'set') {
            queue.set(step.id, step.at);
            model.set(step.id, { at: step.at, order: order++ });
          } else if (step.op === 'delete') {
            queue.delete(step.id);
            model.delete(step.id);
          } else {
            const expected = [...model.entries()]
              .filter(([, v]) => v.at <= step.now)
              .sort(([, x], [, y]) => x.at - y.at || x.order - y.order)
              .slice(0, step.limit)
              .map(([id]) => id);
            for (const id of expected) model.delete(id);
            expect(queue.takeDue(step.now, step.limit)).toEqual(expected);
          }
          const earliest = Math.min(...[...model.values()].map((v) => v.at));
          expect(queue.next()).toBe(model.size === 0 ? undefined : earliest);
          expect(queue.size).toBe(model.size);
          for (const [id, v] of model) expect(queue.get(id)).toBe(v.at);
        }
      }),
      { numRuns: 500, seed: 15 },
    );
  });

  it('keeps its heap bounded when the same ids are moved again and again', () => {
    const queue = createDueQueue();
    for (let round = 0; round < 10_000; round++) queue.set(`s${round % 50}`, round);
    expect(queue.size).toBe(50);
    // 50 live entries: taking them all returns each id once, in time order.
    const taken = queue.takeDue(Number.MAX_SAFE_INTEGER);
    expect(taken).toHaveLength(50);
    expect(new Set(taken).size).toBe(50);
    expect(taken[0]).toBe('s0');
  });
});
