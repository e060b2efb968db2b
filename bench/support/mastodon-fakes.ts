import { startFakeMastodon, type FakeMastodon } from '../../tests/support/fakes/fake-mastodon.js';
import { fromParent, sendToParent } from './child.js';

/**
 * Fake Mastodon instances for the delivery benchmark, one account each, in their own process so
 * their CPU is not counted against the worker. They answer at once, keep Mastodon's
 * Idempotency-Key memory, and have their rate limits lifted (the bench measures Crier, not the
 * 300 statuses / 3 h an account may post).
 */
export interface FakeCounts {
  statuses: number;
  /** Statuses beyond the first for the same article on the same account. */
  duplicates: number;
  requests: number;
}

const instances = Number(process.argv[2] ?? '3');
const unlimited = { limit: 1_000_000_000, windowMs: 60_000 };

function articleUrl(text: string): string {
  const urls = text.match(/https?:\/\/\S+/g) ?? [];
  return urls[urls.length - 1] ?? text;
}

async function main(): Promise<void> {
  const fakes: FakeMastodon[] = [];
  for (let k = 0; k < instances; k++) {
    fakes.push(await startFakeMastodon({ token: `bench-token-${k}`, statusLimit: unlimited, apiLimit: unlimited }));
  }
  await sendToParent('ready', fakes.map((f) => ({ url: f.url, token: f.token })));
  await fromParent('count');
  const counts: FakeCounts[] = fakes.map((fake) => {
    const statuses = fake.statuses();
    const perArticle = new Set(statuses.map((s) => articleUrl(s.text)));
    return { statuses: statuses.length, duplicates: statuses.length - perArticle.size, requests: fake.requests() };
  });
  await sendToParent('counts', counts);
  await Promise.all(fakes.map((f) => f.close()));
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
