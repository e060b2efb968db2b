import { describe, expect, it } from 'vitest';
import { deskSchema } from '../../src/config/desk-config.js';
import { deskAuth, tokenHash } from '../../src/desk/auth.js';
import { html } from '../../src/desk/html.js';
import type { HttpRequest } from '../../src/server/http-server.js';

const KEY = Buffer.alloc(32, 7);
let clock = new Date('2026-12-02T10:00:00Z');
const now = () => clock;

const config = deskSchema.parse({
  users: [
    { name: 'Ana', role: 'editor', tokenSha256: tokenHash('ana-token') },
    { name: 'Vic', role: 'viewer', tokenSha256: tokenHash('vic-token') },
  ],
  proxy: { from: ['10.0.0.5', 'fd00::/8'], roles: { sam: 'editor' } },
});

function request(headers: Record<string, string>, remoteAddress = '203.0.113.9'): HttpRequest {
  return { method: 'GET', path: '/desk', query: new URLSearchParams(), headers, body: Buffer.alloc(0), params: {}, remoteAddress };
}

const cookieOf = (setCookie: string) => setCookie.split(';')[0] ?? '';

describe('desk sign-in', () => {
  it('a token signs its person in; the cookie carries the session, signed', () => {
    const auth = deskAuth(config, now, KEY);
    expect(auth.login('wrong')).toBeUndefined();
    const ana = auth.login('ana-token');
    expect(ana).toEqual({ name: 'Ana', role: 'editor', via: 'token' });
    const cookie = cookieOf(auth.sessionCookie(ana ?? 'clear', false));
    expect(auth.identify(request({ cookie }))).toEqual(ana);
    expect(auth.sessionCookie(ana ?? 'clear', true)).toContain('; Secure');
    expect(auth.sessionCookie(ana ?? 'clear', false)).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('a cookie altered, signed with another key, or expired signs no one in', () => {
    const auth = deskAuth(config, now, KEY);
    const cookie = cookieOf(auth.sessionCookie({ name: 'Vic', role: 'viewer', via: 'token' }, false));
    const [name, value = ''] = cookie.split('=');
    const [payload = '', signature] = value.split('.');
    const forged = Buffer.from(JSON.stringify({ n: 'Ana', e: clock.getTime() + 3_600_000 })).toString('base64url');
    expect(auth.identify(request({ cookie: `${name}=${forged}.${signature}` }))).toBeUndefined();
    expect(deskAuth(config, now, Buffer.alloc(32, 8)).identify(request({ cookie }))).toBeUndefined();
    expect(auth.identify(request({ cookie: `${name}=${payload}` }))).toBeUndefined();
    clock = new Date(clock.getTime() + 13 * 3_600_000);
    expect(auth.identify(request({ cookie }))).toBeUndefined();
    clock = new Date('2026-12-02T10:00:00Z');
  });

  it('the role comes from the config at each request: a person removed loses the desk', () => {
    const cookie = cookieOf(deskAuth(config, now, KEY).sessionCookie({ name: 'Vic', role: 'viewer', via: 'token' }, false));
    const without = deskSchema.parse({ users: [{ name: 'Ana', role: 'editor', tokenSha256: tokenHash('ana-token') }] });
    expect(deskAuth(without, now, KEY).identify(request({ cookie }))).toBeUndefined();
  });

  it('believes the proxy header only from the proxy addresses', () => {
    const auth = deskAuth(config, now, KEY);
    expect(auth.identify(request({ 'x-forwarded-user': 'sam' }, '10.0.0.5'))).toEqual({ name: 'sam', role: 'editor', via: 'proxy' });
    expect(auth.identify(request({ 'x-forwarded-user': 'lee' }, 'fd00::1'))).toEqual({ name: 'lee', role: 'viewer', via: 'proxy' });
    expect(auth.identify(request({ 'x-forwarded-user': 'sam' }, '10.0.0.6'))).toBeUndefined();
    expect(auth.identify(request({ 'x-forwarded-user': 'sam' }, '127.0.0.1'))).toBeUndefined();
    expect(auth.identify(request({ 'x-forwarded-user': '  ' }, '10.0.0.5'))).toBeUndefined();
  });

  it('CSRF tokens are per person and per way in', () => {
    const auth = deskAuth(config, now, KEY);
    const ana = { name: 'Ana', role: 'editor' as const, via: 'token' as const };
    const vic = { name: 'Vic', role: 'viewer' as const, via: 'token' as const };
    expect(auth.checkCsrf(ana, auth.csrfToken(ana))).toBe(true);
    expect(auth.checkCsrf(ana, auth.csrfToken(vic))).toBe(false);
    expect(auth.checkCsrf(ana, auth.csrfToken({ ...ana, via: 'proxy' }))).toBe(false);
    expect(auth.checkCsrf(ana, null)).toBe(false);
    expect(auth.checkCsrf(ana, '')).toBe(false);
  });

  it('a desk needs a way in, and a token hash is 64 hex digits', () => {
    expect(deskSchema.safeParse({}).success).toBe(false);
    expect(deskSchema.safeParse({ users: [{ name: 'A', role: 'editor', tokenSha256: 'plain-token' }] }).success).toBe(false);
    expect(deskSchema.safeParse({ users: [{ name: 'A', role: 'admin', tokenSha256: tokenHash('t') }] }).success).toBe(false);
  });
});

describe('desk markup', () => {
  it('escapes every value from feeds and people', () => {
    const title = '<img src=x onerror=alert(1)> & "quotes"';
    expect(html`<h1 title="${title}">${title}</h1>`.text).toBe(
      '<h1 title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;">&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;</h1>',
    );
    expect(html`<p>${[html`<b>ok</b>`, '<i>']}</p>`.text).toBe('<p><b>ok</b>&lt;i&gt;</p>');
  });
});
