import type { CrierConfig } from '../config/load.js';
import { editorActions } from '../delivery/editor-actions.js';
import { openStore } from '../store/open-store.js';
import type { App } from './app.js';

/** What a command that only reads the store (and asks the editor's questions) gets: no channels, templates or worker. */
export type StoreApp = Pick<App, 'config' | 'store' | 'editor' | 'now'>;

/**
 * The store alone, migrated as `openApp` leaves it, for commands that read it (status, history):
 * they start without loading what publishing needs (twitter-text, handlebars, undici, the
 * worker), and a broken template does not stop an editor from seeing what happened.
 */
export async function openStoreApp(config: CrierConfig): Promise<StoreApp> {
  const store = await openStore(config);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  const now = () => new Date();
  return { config, store, editor: editorActions({ store, now }), now };
}
