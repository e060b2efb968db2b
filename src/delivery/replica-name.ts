import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * How this process names itself to the store's leases and claims: host and pid for a person
 * reading the tables, and a random part, because a restarted container often gets the same pid.
 */
export function replicaName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Whether a replica is provably gone: it ran on this host and its process no longer exists (a
 * kill or a crash). Its leases need not wait out their time. Another host's replicas are never
 * judged from here: their leases expire.
 */
export function isDeadHere(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || pid === undefined || !/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'ESRCH';
  }
}
