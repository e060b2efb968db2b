import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/daemon-process.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-operational-');
afterAll(() => dir.remove());

const REST = `sources:
  - { id: news, kind: feed, url: feed.xml }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`;

describe('errors that name the file or the config key, with the documented exit codes', () => {
  it('a port in use names server.listen and the config file (exit 1)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const file = dir.write('port.yaml', `store: { path: state/port.db }\nserver: { listen: "127.0.0.1:${address.port}" }\n${REST}`);
      const { code, stderr } = await runCli(['run', '--config', file]);
      expect(stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${address.port} \\(server\\.listen in .*port\\.yaml\\): another process is listening there`));
      expect(code).toBe(1);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('a store that cannot be written names the file and store.path (exit 1)', async () => {
    // A file where the store's directory should be: what root cannot write through either.
    dir.write('blocker', 'not a directory\n');
    const file = dir.write('store.yaml', `store: { path: blocker/crier.db }\n${REST}`);
    const { code, stderr } = await runCli(['status', '--config', file]);
    expect(stderr).toMatch(/cannot open the store .*blocker\/crier\.db \((EEXIST|ENOTDIR)[^)]*\): .*change store\.path/);
    expect(code).toBe(1);
  });

  it('a store on a read-only file system names the file and store.path (exit 1)', async () => {
    const file = dir.write('proc.yaml', `store: { path: /proc/crier-store-test.db }\n${REST}`);
    const { code, stderr } = await runCli(['status', '--config', file]);
    expect(stderr).toMatch(/cannot open the store \/proc\/crier-store-test\.db .*change store\.path/);
    expect(code).toBe(1);
  });

  it('a configuration error exits 2, a usage error exits 2, help exits 0', async () => {
    const bad = dir.write('bad.yaml', `defaults: { interval: 1s }\n${REST}`);
    const config = await runCli(['status', '--config', bad]);
    expect(config.stderr).toMatch(/defaults\.interval: an interval of 1s would hammer the server/);
    expect(config.code).toBe(2);
    expect((await runCli(['no-such-command'])).code).toBe(2);
    expect((await runCli(['--help'])).code).toBe(0);
  });
});
