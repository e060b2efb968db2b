import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { addressCheck, type AddressCheck } from './address-ranges.js';

/** A resolver with the shape of dns.lookup's `all: true` form: tests inject one that maps names to loopback. */
export type ResolveHost = (hostname: string, options: LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/** A connection the policy refused: the host, the address it resolved to, and why. */
export class NetworkPolicyError extends Error {
  readonly code = 'ECRIER_NETWORK_POLICY';
  constructor(
    readonly host: string,
    readonly address: string | undefined,
    readonly reason: string,
  ) {
    const allow = 'refused (allow its range with network.allowPrivate in the config)';
    super(
      address === undefined ? `${host} is refused: ${reason}`
      : address === host ? `${address} is a ${reason} address: ${allow}`
      : `${host} resolves to ${address}, a ${reason} address: ${allow}`,
    );
    this.name = 'NetworkPolicyError';
  }
}

export interface NetworkPolicyOptions {
  /** `network.allowPrivate`: CIDR ranges that may be reached although private or loopback. */
  allowPrivate?: readonly string[] | undefined;
  /** Default: dns.lookup. */
  resolve?: ResolveHost | undefined;
}

export interface NetworkPolicy {
  /** For fetches driven by untrusted input (pushed pages, article images, card pages). */
  readonly dispatcher: Dispatcher;
  /**
   * The same policy, and only to hosts `allowHost` accepts (a webhook's site), redirects
   * included: every hop opens its own connection, and each is checked. `site` names it in errors.
   */
  restrictedTo(site: string, allowHost: (hostname: string) => boolean): Agent;
  close(): Promise<void>;
}

/** Refused connections never leave: a short keep-alive, as these fetches are one-off. */
const KEEP_ALIVE_MS = 4_000;

/**
 * The network policy for fetches Crier makes on someone else's say-so: private, loopback,
 * link-local and unique-local addresses are refused unless `allowPrivate` names them. The check
 * is made on the addresses the name resolves to, in the connector, for every connection: a
 * redirect to such an address, or a name that resolves to one only at the second lookup (DNS
 * rebinding), is refused like the URL itself. The connected socket's address is checked again,
 * so an IP literal or a resolver that ignores the filter cannot slip through either.
 */
export function createNetworkPolicy(options: NetworkPolicyOptions = {}): NetworkPolicy {
  const check = addressCheck(options.allowPrivate ?? []);
  const resolve = options.resolve ?? ((hostname, lookupOptions, callback) => dnsLookup(hostname, lookupOptions, callback));
  const agents: Agent[] = [];

  function agent(allowHost?: { site: string; test: (hostname: string) => boolean }): Agent {
    const created = new Agent({ keepAliveTimeout: KEEP_ALIVE_MS, connect: guardedConnector(check, resolve, allowHost) });
    agents.push(created);
    return created;
  }

  return {
    dispatcher: agent(),
    restrictedTo: (site, test) => agent({ site, test }),
    async close() {
      await Promise.allSettled(agents.splice(0).map((a) => a.close()));
    },
  };
}

type Connector = buildConnector.connector;

function guardedConnector(
  check: AddressCheck,
  resolve: ResolveHost,
  allowHost: { site: string; test: (hostname: string) => boolean } | undefined,
): Connector {
  const lookup = checkedLookup(check, resolve);
  const base = buildConnector({ lookup });
  return (opts, callback) => {
    const hostname = opts.hostname;
    if (allowHost && !allowHost.test(hostname)) {
      callback(new NetworkPolicyError(hostname, undefined, `it is not on ${allowHost.site}`), null);
      return;
    }
    // An IP literal is never looked up: check it here, before any packet leaves.
    if (isIP(hostname) !== 0) {
      const reason = check(hostname);
      if (reason !== undefined) {
        callback(new NetworkPolicyError(hostname, hostname, reason), null);
        return;
      }
    }
    base(opts, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error(`could not connect to ${hostname}`), null);
        return;
      }
      const address = socket.remoteAddress ?? '';
      const reason = check(address);
      if (reason !== undefined) {
        socket.destroy();
        callback(new NetworkPolicyError(hostname, address, reason), null);
        return;
      }
      callback(null, socket);
    });
  };
}

/**
 * A lookup for net.connect that keeps only the addresses the policy allows. Node calls it with
 * `all: true` when it tries several addresses (autoSelectFamily), else for one address.
 */
function checkedLookup(check: AddressCheck, resolve: ResolveHost) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
    resolve(hostname, { all: true, family: family === 4 || family === 6 ? family : 0 }, (error, addresses) => {
      if (error) {
        callback(error, options.all ? [] : '');
        return;
      }
      const allowed = addresses.filter((a) => check(a.address) === undefined);
      const first = allowed[0];
      if (!first) {
        const refused = addresses[0];
        const failure = new NetworkPolicyError(hostname, refused?.address, refused ? (check(refused.address) ?? 'refused') : 'it resolves to no address');
        callback(failure, options.all ? [] : '');
        return;
      }
      if (options.all) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}
