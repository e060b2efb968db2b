import { BlockList, isIP } from 'node:net';

/**
 * Address ranges an untrusted URL must not reach: the machine itself, the newsroom's own network,
 * the cloud metadata service (169.254.169.254 is link-local) and addresses that are not unicast.
 * Ranges from the IANA special-purpose registries:
 * https://www.iana.org/assignments/iana-ipv4-special-registry/
 * https://www.iana.org/assignments/iana-ipv6-special-registry/
 * IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) match the IPv4 rules: node's BlockList checks them so.
 */
const REFUSED: readonly { label: string; ranges: readonly string[] }[] = [
  { label: 'loopback', ranges: ['127.0.0.0/8', '::1/128'] },
  { label: 'private', ranges: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] },
  { label: 'link-local', ranges: ['169.254.0.0/16', 'fe80::/10'] },
  { label: 'unique-local', ranges: ['fc00::/7', 'fec0::/10'] },
  { label: 'shared (carrier-grade NAT)', ranges: ['100.64.0.0/10'] },
  { label: 'unspecified', ranges: ['0.0.0.0/8', '::/128'] },
  { label: 'special-purpose', ranges: ['192.0.0.0/24', '198.18.0.0/15', '240.0.0.0/4'] },
  { label: 'multicast', ranges: ['224.0.0.0/4', 'ff00::/8'] },
];

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `fd12::/16`, or a lone address (a /32 or /128); undefined when it is neither. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText), family };
}

function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`not an address range: ${text} (write e.g. 10.0.0.0/8 or fd00::/8)`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list;
}

/** Built on first use: loading a config (which validates `network.allowPrivate`) never needs them. */
let refusedLists: { label: string; list: BlockList }[] | undefined;
const refused = () => (refusedLists ??= REFUSED.map(({ label, ranges }) => ({ label, list: blockListOf(ranges) })));

/**
 * Why `address` may not be reached (`loopback`, `private`, …), or undefined when it may: a public
 * unicast address, or one inside a range the config allows (`network.allowPrivate`).
 */
export type AddressCheck = (address: string) => string | undefined;

export function addressCheck(allowPrivate: readonly string[]): AddressCheck {
  const allowed = blockListOf(allowPrivate);
  return (address) => {
    const version = isIP(address);
    if (version === 0) return 'not an IP address';
    const family = version === 4 ? 'ipv4' : 'ipv6';
    if (allowed.check(address, family)) return undefined;
    return refused().find(({ list }) => list.check(address, family))?.label;
  };
}
