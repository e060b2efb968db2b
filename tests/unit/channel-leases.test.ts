import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_LEASE_MS, channelLeases } from '../../src/delivery/channel-leases.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

let store: SqliteStore;
let now: Date;
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
  now = new Date('2026-11-29T12:00:00Z');
});
afterEach(() => store.close());

/** The pid of a process that ran on this machine and has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('channel leases', () => {
  it('one replica sends for a channel; another takes over only once the lease expires', async () => {
    const a = channelLeases(store, 'other-host:41:aa', ['x-main', 'bsky'], () => now);
    const b = channelLeases(store, 'another-host:42:bb', ['x-main', 'bsky'], () => now);
    expect(await a.held()).toEqual(['x-main', 'bsky']);
    expect(await b.held()).toEqual([]);
    now = new Date(now.getTime() + CHANNEL_LEASE_MS + 1); // a died without renewing
    expect(await b.held()).toEqual(['x-main', 'bsky']);
  });

  it('takes the channels of a replica killed on this machine at once, not after the lease', async () => {
    const killed = `${hostname()}:${deadPid()}:cc`;
    expect(await store.leaseChannels(killed, ['x-main'], now, CHANNEL_LEASE_MS)).toEqual(['x-main']);
    const alive = `${hostname()}:${process.ppid}:dd`;
    expect(await store.leaseChannels(alive, ['bsky'], now, CHANNEL_LEASE_MS)).toEqual(['bsky']);
    const next = channelLeases(store, `${hostname()}:${process.pid}:ee`, ['x-main', 'bsky'], () => now);
    // The killed process's channel moves now; the live process keeps its own.
    expect(await next.held()).toEqual(['x-main']);
  });

  it('gives its channels back on a clean stop', async () => {
    const a = channelLeases(store, 'other-host:41:aa', ['x-main'], () => now);
    const b = channelLeases(store, 'another-host:42:bb', ['x-main'], () => now);
    expect(await a.held()).toEqual(['x-main']);
    await a.release();
    expect(await b.held()).toEqual(['x-main']);
  });
});
