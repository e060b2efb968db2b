import type { ServerResponse } from 'node:http';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../support/daemon-process.js';
import { startServer } from '../support/http-server.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-shutdown-');
afterAll(() => dir.remove());

/** Resolves with the exit code, or rejects after `ms`: how long a stop may take, far below fetchTimeout. */
function exitWithin(exited: Promise<number | null>, ms: number, output: () => string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running ${ms} ms after SIGTERM\n${output()}`)), ms);
    void exited.then((code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('SIGTERM (issue 14: it waited for in-flight feed fetches up to fetchTimeout)', () => {
  it('aborts a feed fetch that never answers at once, records no failure, and exits 0', async () => {
    const hanging: ServerResponse[] = [];
    let asked = 0;
    // A feed server that takes the request and never answers.
    const feed = await startServer((_req, res) => {
      asked += 1;
      hanging.push(res);
    });
    dir.write(
      'crier.yaml',
      `store: { path: state/crier.db }
defaults: { fetchTimeout: 120s }
sources:
  - { id: silent, kind: feed, url: "${feed.url}/feed.xml" }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`,
    );
    const daemon = spawnCli(['run', '--config', `${dir.path}/crier.yaml`]);
    try {
      await daemon.waitFor(({ stderr, stdout }) => /crier is running/.test(stderr + stdout));
      // The first poll of a new source comes within 3 s of the start.
      for (let waited = 0; asked === 0 && waited < 15_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(asked).toBe(1);
      daemon.child.kill('SIGTERM');
      // fetchTimeout is 120 s: a stop that waited for the fetch would take that long.
      const code = await exitWithin(daemon.exited, 10_000, () => daemon.stdout() + daemon.stderr());
      expect(code).toBe(0);
      expect(daemon.stdout() + daemon.stderr()).toMatch(/stopped cleanly/);
      // A stop is not the feed's failure: no error recorded, no backoff.
      const db = new Database(`${dir.path}/state/crier.db`, { readonly: true });
      const row = db.prepare('SELECT consecutive_failures, last_error FROM sources WHERE source_id = ?').get('silent') as
        | { consecutive_failures: number; last_error: string | null }
        | undefined;
      db.close();
      expect(row?.consecutive_failures ?? 0).toBe(0);
      expect(row?.last_error ?? null).toBeNull();
    } finally {
      daemon.child.kill('SIGKILL');
      for (const res of hanging) res.destroy();
      await feed.close();
    }
  });
});
