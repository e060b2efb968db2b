import { ActionRefused } from '../delivery/editor-actions.js';
import type { DeskConfig } from '../config/desk-config.js';
import { correctionTexts } from '../delivery/correction-text.js';
import type { App } from '../runtime/app.js';
import { BUILTIN_TEMPLATES_DIR } from '../runtime/templates.js';
import { postByHand } from '../runtime/manual-post.js';
import type { HttpRequest, HttpResponse, Route } from '../server/http-server.js';
import { articleFromPage } from '../sources/page/page-article.js';
import { DESK_CSS, DESK_JS } from './assets.js';
import { randomBytes } from 'node:crypto';
import { deskAuth, type DeskAuth, type DeskUser } from './auth.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';
import { articleView } from './views/article.js';
import { channelsView } from './views/channels.js';
import { loginView } from './views/login.js';
import { nowView } from './views/now.js';
import { postUrlForm, postUrlPreview } from './views/post-url.js';

/**
 * Pages are private and change with every second: never cached, never framed, no script or
 * style from anywhere but Crier, forms post only back here.
 */
const HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

interface Signed {
  user: DeskUser;
  csrf: string;
  /** The app as it is now (a reload of the config swaps it). */
  app: App;
}

const page = (status: number, body: string, extra: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { ...HEADERS, 'content-type': 'text/html; charset=utf-8', ...extra },
  body,
});
const redirect = (location: string, extra: Record<string, string> = {}): HttpResponse => ({ status: 303, headers: { ...HEADERS, location, ...extra } });
/** Back to a page of the desk with a notice; only desk paths, never somewhere a form said. */
const back = (path: string, notice: string) => redirect(`${path.startsWith('/desk') ? path : '/desk'}?notice=${encodeURIComponent(notice)}`);

/**
 * The desk: pages for the people on shift, served by Crier's own HTTP server under /desk. Every
 * change goes through the editor actions the CLI uses, recorded with the person's name; a
 * viewer can read everything but change nothing; every change needs the person's CSRF token.
 */
export function deskRoutes(current: () => App, key: Buffer = randomBytes(32)): Route[] {
  // The desk's config is the running app's: a reload that removes a person (or the desk) applies
  // at the next request. Sessions are signed with one key for the process, so they survive it.
  let cached: { config: DeskConfig; auth: DeskAuth } | undefined;
  function deskNow(): DeskAuth | undefined {
    const config = current().config.server?.desk;
    if (!config) return undefined;
    if (cached?.config !== config) cached = { config, auth: deskAuth(config, () => current().now(), key) };
    return cached.auth;
  }
  const off: HttpResponse = { status: 404, body: 'not found\n' };

  const form = (request: HttpRequest) => new URLSearchParams(request.body.toString('utf8'));
  const secure = (request: HttpRequest) => request.headers['x-forwarded-proto'] === 'https';

  /** A page for anyone signed in (viewer or editor); the sign-in page for everyone else. */
  function view(path: string, render: (request: HttpRequest, signed: Signed) => Promise<{ title: string; body: Html }>): Route {
    return {
      method: 'GET',
      path,
      async handle(request) {
        const auth = deskNow();
        if (!auth) return off;
        const user = auth.identify(request);
        if (!user) return redirect('/desk/login');
        const csrf = auth.csrfToken(user);
        const { title, body } = await render(request, { user, csrf, app: current() });
        return page(200, layout(title, body, user, csrf, request.query.get('notice') ?? undefined));
      },
    };
  }

  /** A change: an editor, with the CSRF token of this person; refused with a page that says why. */
  function act(
    path: string,
    run: (request: HttpRequest, fields: URLSearchParams, signed: Signed) => Promise<HttpResponse>,
    who: 'editor' | 'anyone' = 'editor',
  ): Route {
    return {
      method: 'POST',
      path,
      async handle(request) {
        const auth = deskNow();
        if (!auth) return off;
        const user = auth.identify(request);
        if (!user) return page(401, layout('Signed out', html`<p>Your session has ended. <a href="/desk/login">Sign in</a> again.</p>`));
        const fields = form(request);
        const csrf = auth.csrfToken(user);
        if (!auth.checkCsrf(user, fields.get('csrf'))) {
          return page(403, layout('Refused', html`<p class="error">This form is out of date or did not come from the desk. Reload the page and try again.</p>`, user, csrf));
        }
        if (who === 'editor' && user.role !== 'editor') {
          return page(403, layout('Refused', html`<p class="error">${user.name} is a viewer on this desk: only editors can change what goes out.</p>`, user, csrf));
        }
        try {
          return await run(request, fields, { user, csrf, app: current() });
        } catch (error) {
          if (!(error instanceof ActionRefused)) throw error;
          return page(409, layout('Not done', html`<p class="error" role="alert">${error.message}</p><p><a href="/desk">Back to the desk</a></p>`, user, csrf));
        }
      },
    };
  }

  const channelIds = (app: App, fields: URLSearchParams) => fields.getAll('channel').filter((id) => app.channels.has(id));

  return [
    { method: 'GET', path: '/desk/assets/desk.css', handle: async () => ({ status: 200, headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=3600' }, body: DESK_CSS }) },
    { method: 'GET', path: '/desk/assets/desk.js', handle: async () => ({ status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' }, body: DESK_JS }) },
    {
      method: 'GET',
      path: '/desk/login',
      async handle(request) {
        const auth = deskNow();
        if (!auth) return off;
        return auth.identify(request) ? redirect('/desk') : page(200, layout('Sign in', loginView()));
      },
    },
    {
      method: 'POST',
      path: '/desk/login',
      async handle(request) {
        const auth = deskNow();
        if (!auth) return off;
        const user = auth.login(form(request).get('token') ?? '');
        if (!user) return page(401, layout('Sign in', loginView('That token is not on this desk.')));
        current().logger.info({ user: user.name, role: user.role }, 'desk sign-in');
        return redirect('/desk', { 'set-cookie': auth.sessionCookie(user, secure(request)) });
      },
    },
    act('/desk/logout', async (request) => redirect('/desk/login', { 'set-cookie': deskNow()?.sessionCookie('clear', secure(request)) ?? '' }), 'anyone'),
    view('/desk', async (_request, { user, csrf, app }) => ({ title: 'Now', body: await nowView(app, user, csrf) })),
    view('/desk/channels', async (_request, { app }) => ({ title: 'Channels', body: await channelsView(app) })),
    view('/desk/articles/:id', async (request, { user, csrf, app }) => {
      const article = await app.editor.findArticle({ kind: 'id', id: Number(request.params.id) });
      if (!article) return { title: 'Not found', body: html`<p class="error">No article ${request.params.id}.</p>` };
      return { title: article.title, body: await articleView(app, article, user, csrf) };
    }),
    view('/desk/post', async (_request, { csrf }) => ({ title: 'Post a URL', body: postUrlForm(csrf) })),
    act('/desk/post/preview', async (_request, fields, { user, csrf, app }) => {
      const url = fields.get('url') ?? '';
      try {
        const article = (await app.editor.findArticle({ kind: 'url', canonical: url })) ?? (await fetchArticle(app, url));
        return page(200, layout('Post a URL', await postUrlPreview(app, article, url, csrf), user, csrf));
      } catch (error) {
        return page(422, layout('Post a URL', postUrlForm(csrf, url, `Could not read ${url}: ${error instanceof Error ? error.message : String(error)}`), user, csrf));
      }
    }),
    act('/desk/post', async (_request, fields, { user, app }) => {
      const url = fields.get('url') ?? '';
      const stored = (await app.editor.findArticle({ kind: 'url', canonical: url })) ?? (await app.editor.recordArticle(await fetchArticle(app, url), user.name));
      const choice = fields.get('when');
      const at = choice === 'at' && fields.get('at') ? new Date(`${fields.get('at')}Z`) : app.now();
      if (Number.isNaN(at.getTime())) throw new ActionRefused(`not a time: ${fields.get('at') ?? ''}`);
      const outcomes = await postByHand(app, stored, {
        channelIds: channelIds(app, fields),
        at,
        priority: choice === 'breaking' ? 'breaking' : 'normal',
        force: false,
        actor: user.name,
        why: ' from the desk',
      });
      return back(`/desk/articles/${stored.id}`, outcomes.map((o) => `${o.channel}: ${o.detail}`).join('; ') || 'no channel chosen');
    }),
    act('/desk/articles/:id/post', async (request, fields, { user, app }) => {
      const article = await app.editor.findArticle({ kind: 'id', id: Number(request.params.id) });
      if (!article) throw new ActionRefused(`no article ${request.params.id}`);
      const outcomes = await postByHand(app, article, {
        channelIds: channelIds(app, fields),
        at: app.now(),
        priority: fields.get('breaking') === 'yes' ? 'breaking' : 'normal',
        force: false,
        actor: user.name,
        why: ' from the desk',
      });
      return back(`/desk/articles/${article.id}`, outcomes.map((o) => `${o.channel}: ${o.detail}`).join('; ') || 'no channel chosen');
    }),
    act('/desk/articles/:id/retract', async (request, fields, { user, app }) => {
      const article = await app.editor.findArticle({ kind: 'id', id: Number(request.params.id) });
      if (!article) throw new ActionRefused(`no article ${request.params.id}`);
      if (fields.get('confirm') !== 'yes') throw new ActionRefused('tick the confirmation to retract the story');
      const reason = fields.get('reason')?.trim();
      if (!reason) throw new ActionRefused('say why the story is retracted: the history keeps it');
      const outcomes = await app.editor.retract(article, { reason, actor: user.name });
      return back(`/desk/articles/${article.id}`, outcomes.map((o) => `${o.channel}: ${o.detail}`).join('; ') || 'nothing was posted: nothing to retract');
    }),
    act('/desk/articles/:id/correct', async (request, fields, { user, app }) => {
      const article = await app.editor.findArticle({ kind: 'id', id: Number(request.params.id) });
      if (!article) throw new ActionRefused(`no article ${request.params.id}`);
      const text = fields.get('text')?.trim() || undefined;
      const edit = fields.get('edit') === 'yes';
      if (edit && text === undefined) throw new ActionRefused('an edit appends the correction to the original post: write the correction');
      const texts = correctionTexts(article, {
        text,
        edit,
        channels: app.channels,
        configDir: app.config.dir,
        builtinDir: BUILTIN_TEMPLATES_DIR,
        defaultLanguage: app.config.defaults.language,
      });
      const outcomes = await app.editor.correct(article, { texts, actor: user.name });
      return back(`/desk/articles/${article.id}`, outcomes.map((o) => `${o.channel}: ${o.detail}`).join('; ') || 'nothing is posted: nothing to correct');
    }),
    act('/desk/deliveries/:id/cancel', async (request, fields, { user, app }) => {
      const delivery = await app.editor.cancel(Number(request.params.id), user.name, fields.get('reason') || undefined);
      return back(`/desk/articles/${delivery.articleId}`, `delivery ${delivery.id} on ${delivery.channelId} cancelled`);
    }),
    act('/desk/deliveries/:id/retry', async (request, fields, { user, app }) => {
      const delivery = await app.editor.retry(Number(request.params.id), user.name, fields.get('reason') || undefined);
      return back(`/desk/articles/${delivery.articleId}`, `delivery ${delivery.id} on ${delivery.channelId} queued again`);
    }),
    act('/desk/channels/:id/pause', async (request, fields, { user, app }) => {
      const id = knownChannel(app, request.params.id);
      await app.editor.pause(id, user.name, fields.get('reason') || 'paused from the desk');
      return back('/desk', `${id} paused`);
    }),
    act('/desk/channels/:id/resume', async (request, _fields, { user, app }) => {
      const id = knownChannel(app, request.params.id);
      await app.editor.resume(id, user.name);
      return back('/desk', `${id} resumed`);
    }),
    act('/desk/pause-all', async (_request, fields, { user, app }) => {
      if (fields.get('confirm') !== 'yes') throw new ActionRefused('tick the confirmation to pause every channel');
      for (const id of app.channels.keys()) await app.editor.pause(id, user.name, fields.get('reason') || 'everything paused from the desk');
      return back('/desk', `every channel paused (${app.channels.size})`);
    }),
    act('/desk/resume-all', async (_request, fields, { user, app }) => {
      if (fields.get('confirm') !== 'yes') throw new ActionRefused('tick the confirmation to resume every channel');
      for (const id of app.channels.keys()) await app.editor.resume(id, user.name);
      return back('/desk', `every channel resumed (${app.channels.size})`);
    }),
  ];
}

function knownChannel(app: App, id: string | undefined): string {
  if (id === undefined || !app.channels.has(id)) throw new ActionRefused(`no channel ${id ?? ''} in the config`);
  return id;
}

/** A URL pasted into a web page: fetched under the network policy, like a pushed one. */
function fetchArticle(app: App, url: string) {
  return articleFromPage(url, 'manual', app.now(), { dispatcher: app.network.dispatcher });
}
