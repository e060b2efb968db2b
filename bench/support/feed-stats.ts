import { processCpuMs } from './daemon.js';
import { sleep } from './lanes.js';

/** What the bench feed server (feed-server.ts) has answered so far, from GET /_stats. */
export interface FeedServerStats {
  requests: number;
  notModified: number;
  ok: number;
  conditional: number;
  bytesSent: number;
}

export async function feedServerStats(url: string): Promise<FeedServerStats> {
  return (await (await fetch(`${url}/_stats`)).json()) as FeedServerStats;
}

/** What a process did over a window, as the feed server counted its requests and /proc its CPU. */
export interface PollWindow {
  polls: number;
  notModified: number;
  cpuMs: number;
  windowMs: number;
}

/** Watches `pid` poll the feed server at `url` for `ms`: requests answered, 304s among them, its CPU. */
export async function pollWindow(url: string, pid: number, ms: number): Promise<PollWindow> {
  const s0 = await feedServerStats(url);
  const c0 = processCpuMs(pid);
  const w0 = performance.now();
  await sleep(ms);
  const s1 = await feedServerStats(url);
  const c1 = processCpuMs(pid);
  return { polls: s1.requests - s0.requests, notModified: s1.notModified - s0.notModified, cpuMs: c1 - c0, windowMs: performance.now() - w0 };
}
