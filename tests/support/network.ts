import { lookup, type LookupAddress } from 'node:dns';
import { createNetworkPolicy, type NetworkPolicy, type ResolveHost } from '../../src/http/network-policy.js';

/**
 * Every test server listens on loopback, which the network policy refuses by default: tests whose
 * pushes, images or card pages point at one allow it, as a newsroom allows its own network.
 */
export const LOOPBACK = ['127.0.0.0/8', '::1/128'] as const;

/** The YAML line for a config whose untrusted fetches may reach the test servers. */
export const ALLOW_LOOPBACK_YAML = `network: { allowPrivate: ["127.0.0.0/8", "::1/128"] }`;

/** A network policy that lets adapters under test fetch images from loopback servers. */
export function loopbackPolicy(): NetworkPolicy {
  return createNetworkPolicy({ allowPrivate: LOOPBACK });
}

/**
 * A resolver with a hosts file: names in `hosts` resolve to the addresses given (each call takes
 * the next entry of a list, the last one repeating: DNS rebinding); other names go to dns.lookup.
 * Offline and deterministic, where a public name that resolves to 127.0.0.1 would be neither.
 */
export function hostsResolver(hosts: Record<string, string | string[]>): ResolveHost & { lookups: string[] } {
  const calls = new Map<string, number>();
  const lookups: string[] = [];
  const resolve: ResolveHost = (hostname, options, callback) => {
    const entry = hosts[hostname];
    if (entry === undefined) {
      lookup(hostname, options, callback);
      return;
    }
    const list = Array.isArray(entry) ? entry : [entry];
    const n = calls.get(hostname) ?? 0;
    calls.set(hostname, n + 1);
    const address = list[Math.min(n, list.length - 1)] ?? '';
    lookups.push(`${hostname} ${address}`);
    const found: LookupAddress[] = [{ address, family: address.includes(':') ? 6 : 4 }];
    process.nextTick(() => callback(null, found));
  };
  return Object.assign(resolve, { lookups });
}
