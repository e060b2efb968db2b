import { hostname } from 'node:os';
import type { Store } from '../store/store.js';

const KEY = 'daemon';
/** How often the running daemon writes its heartbeat; readers allow three missed beats. */
export const HEARTBEAT_EVERY_MS = 5000;
const STALE_AFTER_MS = 3 * HEARTBEAT_EVERY_MS;

export interface DaemonInfo {
  pid: number;
  /** The machine it runs on (absent in heartbeats of older versions): signals reach only this one. */
  host?: string | undefined;
  startedAt: Date;
  lastBeatAt: Date;
}

interface DaemonJson {
  pid: number;
  host?: string;
  startedAt: string;
  lastBeatAt: string;
}

/**
 * The daemon says it is alive in the store, so the CLI (another process, maybe another user)
 * can tell whether a queued post will be picked up or must be sent with `--now`.
 */
export function createHeartbeat(store: Store, now: () => Date): { beat(): Promise<void>; stop(): Promise<void> } {
  const startedAt = now();
  let last = 0;
  return {
    async beat() {
      if (now().getTime() - last < HEARTBEAT_EVERY_MS) return;
      last = now().getTime();
      const json: DaemonJson = { pid: process.pid, host: hostname(), startedAt: startedAt.toISOString(), lastBeatAt: now().toISOString() };
      await store.setMeta(KEY, JSON.stringify(json));
    },
    async stop() {
      await store.setMeta(KEY, undefined);
    },
  };
}

/** The running daemon, or undefined when none has beaten recently (or its process is gone). */
export async function runningDaemon(store: Store, now: Date): Promise<DaemonInfo | undefined> {
  const raw = await store.getMeta(KEY);
  if (!raw) return undefined;
  const json = JSON.parse(raw) as DaemonJson;
  const info = { pid: json.pid, host: json.host, startedAt: new Date(json.startedAt), lastBeatAt: new Date(json.lastBeatAt) };
  if (now.getTime() - info.lastBeatAt.getTime() > STALE_AFTER_MS) return undefined;
  return info;
}
