import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { DeskConfig, DeskRole } from '../config/desk-config.js';
import { parseCidr } from '../http/address-ranges.js';
import type { HttpRequest } from '../server/http-server.js';

export interface DeskUser {
  name: string;
  role: DeskRole;
  via: 'token' | 'proxy';
}

const COOKIE = 'crier_desk';

/** What the desk knows of who is asking: a signed session cookie, or a trusted proxy's header. */
export interface DeskAuth {
  identify(request: HttpRequest): DeskUser | undefined;
  /** The person whose token this is, if any (only hashes are compared, in constant time). */
  login(token: string): DeskUser | undefined;
  /** Set-Cookie value for a signed-in person; `clear` signs out. */
  sessionCookie(user: DeskUser | 'clear', secure: boolean): string;
  /** The token every state-changing form carries: bound to the person, unknown to other sites. */
  csrfToken(user: DeskUser): string;
  checkCsrf(user: DeskUser, token: string | null): boolean;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token.trim()).digest('hex');
}

/** A new random token for a person (`crier desk token`): 32 bytes, so a plain SHA-256 suffices. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Sessions and CSRF tokens are signed with a key made when the process starts: a restart signs
 * everyone out, which is the safe default for a page that can retract posts.
 */
export function deskAuth(config: DeskConfig, now: () => Date, key: Buffer = randomBytes(32)): DeskAuth {
  const proxies = new BlockList();
  for (const text of config.proxy?.from ?? []) {
    const cidr = parseCidr(text);
    if (cidr) proxies.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  const configured = (name: string) => config.users.find((user) => user.name === name);

  function fromProxy(request: HttpRequest): DeskUser | undefined {
    const proxy = config.proxy;
    if (!proxy) return undefined;
    const family = isIP(request.remoteAddress);
    if (family === 0 || !proxies.check(request.remoteAddress, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
    const header = request.headers[proxy.header];
    const name = (Array.isArray(header) ? header[0] : header)?.trim();
    if (!name) return undefined;
    return { name, role: proxy.roles[name] ?? proxy.defaultRole, via: 'proxy' };
  }

  function fromCookie(request: HttpRequest): DeskUser | undefined {
    const cookie = (request.headers.cookie ?? '')
      .split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(`${COOKIE}=`));
    const [payload = '', signature = ''] = (cookie?.slice(COOKIE.length + 1) ?? '').split('.');
    if (!payload || !same(signature, sign(payload))) return undefined;
    const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { n: string; e: number };
    if (session.e <= now().getTime()) return undefined;
    // The role is the config's now: a person removed or demoted loses it at the next reload.
    const user = configured(session.n);
    return user ? { name: user.name, role: user.role, via: 'token' } : undefined;
  }

  return {
    identify: (request) => fromProxy(request) ?? fromCookie(request),
    login(token) {
      const hash = tokenHash(token);
      const user = config.users.find((candidate) => same(candidate.tokenSha256, hash));
      return user ? { name: user.name, role: user.role, via: 'token' } : undefined;
    },
    sessionCookie(user, secure) {
      const flags = `; Path=/desk; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
      if (user === 'clear') return `${COOKIE}=; Max-Age=0${flags}`;
      const maxAge = Math.round(config.sessionHours * 3600);
      const payload = Buffer.from(JSON.stringify({ n: user.name, e: now().getTime() + maxAge * 1000 })).toString('base64url');
      return `${COOKIE}=${payload}.${sign(payload)}; Max-Age=${maxAge}${flags}`;
    },
    csrfToken: (user) => sign(`csrf:${user.via}:${user.name}`),
    checkCsrf: (user, token) => token !== null && same(token, sign(`csrf:${user.via}:${user.name}`)),
  };
}
