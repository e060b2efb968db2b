import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { followUpCases } from './follow-up-cases.js';
import type { Ctx, OpenStore, StoreHarness } from './harness.js';
import { ingestCases } from './ingest-cases.js';
import { queueCases } from './queue-cases.js';
import { readBackCases } from './read-back-cases.js';
import { recordsCases } from './records-cases.js';
import { replicaCases } from './replica-cases.js';
import { transitionCases } from './transition-cases.js';

export type { OpenStore, StoreHarness } from './harness.js';

/**
 * The behaviour every `Store` must have, through its public interface only. `open` gives each
 * test a store on an empty database (the suite migrates it) and, for the race cases, a way to
 * open a second handle on the same database; `close` closes both and throws the data away.
 */
export function describeStoreConformance(name: string, open: OpenStore): void {
  describe(`Store conformance: ${name}`, () => {
    let current: StoreHarness | undefined;
    const ctx: Ctx = {
      get harness(): StoreHarness {
        if (!current) throw new Error('no store open');
        return current;
      },
      get store(): Store {
        return this.harness.store;
      },
    };

    beforeEach(async () => {
      current = await open();
      await current.store.migrate();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    ingestCases(ctx);
    queueCases(ctx);
    transitionCases(ctx);
    recordsCases(ctx);
    replicaCases(ctx);
    followUpCases(ctx);
    readBackCases(ctx);
  });
}
