import { sep } from 'node:path';
import type { StoreLocation } from './store-location.js';

/** The folder the demo keeps its state in; `npm run demo:reset` deletes it. */
export const DEMO_STATE_DIR = '.crier-demo';

/**
 * The demo's store is for the demo only: `npm run demo:reset` deletes it, and a store deleted
 * under real channels forgets what they posted (a backfill would post again). A config with any
 * channel that is not a dry run must keep its store elsewhere. Returns the problem, if any.
 */
export function demoStoreProblem(store: StoreLocation, channels: readonly { id: string; dryRun: boolean }[]): string | undefined {
  if (store.kind !== 'sqlite' || !store.path.split(sep).includes(DEMO_STATE_DIR)) return undefined;
  const live = channels.filter((c) => !c.dryRun).map((c) => c.id);
  if (live.length === 0) return undefined;
  return (
    `${store.path} is inside ${DEMO_STATE_DIR}/, the demo's state, which \`npm run demo:reset\` deletes; ` +
    `channel${live.length > 1 ? 's' : ''} ${live.join(', ')} ${live.length > 1 ? 'are' : 'is'} not a dry run, so keep the store elsewhere ` +
    `(e.g. store.path: state/crier.db, or start from \`npx crier init\`)`
  );
}
