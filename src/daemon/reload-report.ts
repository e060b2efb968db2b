import type { Store } from '../store/store.js';

const KEY = 'daemon-reload';

/** The outcome of the daemon's last config reload, for `crier reload` (another process) to read. */
export interface ReloadReport {
  at: Date;
  ok: boolean;
  /** What was loaded ("3 sources, 4 channels, 2 routes"), or why the reload was refused. */
  message: string;
  /** The daemon's process. */
  pid: number;
}

export async function recordReload(store: Store, report: Omit<ReloadReport, 'pid'>): Promise<void> {
  await store.setMeta(KEY, JSON.stringify({ ...report, at: report.at.toISOString(), pid: process.pid }));
}

export async function lastReload(store: Store): Promise<ReloadReport | undefined> {
  const raw = await store.getMeta(KEY);
  if (!raw) return undefined;
  const json = JSON.parse(raw) as { at: string; ok: boolean; message: string; pid: number };
  return { ...json, at: new Date(json.at) };
}
