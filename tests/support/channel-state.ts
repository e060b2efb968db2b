import type { ChannelStateStore } from '../../src/platforms/contract.js';

/** The per-channel state an adapter persists, kept in a Map the test can inspect. */
export function memoryChannelState(state = new Map<string, string>()): ChannelStateStore {
  return {
    get: async (key) => state.get(key),
    set: async (key, value) => void state.set(key, value),
    delete: async (key) => void state.delete(key),
  };
}
