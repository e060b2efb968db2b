import { setTimeout as sleep } from 'node:timers/promises';
import { AtpAgent } from '@atproto/api';
import type { CliProcess } from './daemon-process.js';

/**
 * What the crash harness and the replica chaos test both check after a burst: every post on the
 * platforms, counted per article, and the trouble the daemons logged.
 */

/** Polls a condition every `everyMs` until it holds; false at the deadline. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 5): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(everyMs);
  }
  return condition();
}

export interface BlueskyRecord {
  uri: string;
  text: string;
  embedUri: string | undefined;
  hasThumb: boolean;
}

/** Every Bluesky post record of the account on the PDS, paged. */
export async function blueskyRecords(service: string, did: string): Promise<BlueskyRecord[]> {
  const agent = new AtpAgent({ service });
  const records: BlueskyRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await agent.com.atproto.repo.listRecords({ repo: did, collection: 'app.bsky.feed.post', limit: 100, ...(cursor ? { cursor } : {}) });
    for (const record of page.data.records) {
      const value = record.value as { text?: unknown; embed?: { external?: { uri?: unknown; thumb?: unknown } } };
      const embedUri = value.embed?.external?.uri;
      records.push({
        uri: record.uri,
        text: typeof value.text === 'string' ? value.text : '',
        embedUri: typeof embedUri === 'string' ? embedUri : undefined,
        hasThumb: value.embed?.external?.thumb !== undefined,
      });
    }
    cursor = page.data.records.length === 100 ? page.data.cursor : undefined;
  } while (cursor);
  return records;
}

/** The article number a post or a delivery is about, from its `/articles/<n>` link. */
export function articleNumber(text: string): number | undefined {
  const match = /\/articles\/(\d+)\b/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** How many times each article number occurs. */
export function tally(numbers: (number | undefined)[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const n of numbers) if (n !== undefined) counts.set(n, (counts.get(n) ?? 0) + 1);
  return counts;
}

/** Posts beyond the first of each article, summed over the platforms' tallies. */
export function duplicatesIn(...tallies: Map<number, number>[]): number {
  return tallies.flatMap((counts) => [...counts.values()]).reduce((sum, n) => sum + Math.max(0, n - 1), 0);
}

/** Warnings and errors the daemons logged (pino JSON lines on stderr), by message. */
export function loggedTrouble(daemons: readonly CliProcess[]): string {
  const counts = new Map<string, number>();
  for (const daemon of daemons) {
    for (const line of daemon.stderr().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: unknown; msg?: unknown; channel?: unknown };
        if (typeof entry.level !== 'number' || entry.level < 40) continue;
        const message = `${entry.level >= 50 ? 'error' : 'warn'} ${typeof entry.channel === 'string' ? `${entry.channel}: ` : ''}${String(entry.msg).slice(0, 140)}`;
        counts.set(message, (counts.get(message) ?? 0) + 1);
      } catch {
        // a line cut by the SIGKILL
      }
    }
  }
  return [...counts].map(([message, n]) => `  ${n} × ${message}`).join('\n') || '  none';
}

/** SIGKILLs a daemon and checks that it died of the kill, not on its own before it. */
export async function killHard(daemon: CliProcess): Promise<string | null> {
  daemon.child.kill('SIGKILL');
  await daemon.exited;
  return daemon.child.signalCode;
}
