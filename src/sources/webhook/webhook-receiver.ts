import type { Article } from '../../articles/article.js';
import { ENV_REF } from '../../config/secret.js';
import { NetworkPolicyError } from '../../http/network-policy.js';
import type { PushRequest, PushResponse } from '../push-request.js';
import { articleFromPage } from '../page/page-article.js';
import type { PushContext, PushIngest, PushSource } from '../source-kind.js';
import { createReplayGuard } from './replay-guard.js';
import { readWebhookBody } from './webhook-body.js';
import { verifyWebhookSignature } from './webhook-signature.js';
import type { WebhookSource } from './webhook-source.js';

/** What a 202 says about the article, for the sender's log. */
type Outcome = 'queued' | 'recorded' | 'known' | 'duplicate' | 'updated';

/**
 * `POST /hooks/<id>`: authenticate (signature, freshness, replay), read the article (or the page
 * behind a URL), and ingest it exactly as a poll would. Answers 202 with the article's id and
 * what happened to it; 401 for anything unauthenticated, 400 for a body that is not an article.
 */
export function createWebhookReceiver(source: WebhookSource, ctx: PushContext): PushSource {
  const log = ctx.logger.child({ source: source.id });
  const replays = createReplayGuard(ctx.store, source.id, ctx.now);
  const secret = source.secret ?? '';
  // Secrets are read only by the commands that need them: a receiver built from a config whose
  // sources' secrets were not read would accept bodies signed with a key anyone can guess.
  if (secret === '' || ENV_REF.test(secret)) throw new Error(`webhook source ${source.id}: its secret was not read from the environment`);
  let running = false;
  const inFlight = new Set<Promise<PushResponse>>();
  const site = source.url;
  // Every connection a pushed URL leads to (the page, each redirect) is checked against the
  // network policy and, when the source names its site, against that site too.
  const pages = site === undefined ? ctx.network.dispatcher : ctx.network.restrictedTo(site, (host) => onSiteHost(host, site));

  async function receive(request: PushRequest): Promise<PushResponse> {
    const check = verifyWebhookSignature(
      header(request, 'x-crier-timestamp'),
      header(request, 'x-crier-signature'),
      request.body,
      secret,
      ctx.now(),
    );
    if (!check.ok) {
      log.warn({ reason: check.reason, bytes: request.body.length }, 'webhook rejected');
      return json(401, { error: check.reason });
    }
    if (!(await replays.firstSeen(check.signature, check.timestampMs))) {
      log.warn('webhook rejected: a replayed signature');
      return json(401, { error: 'this signature was already used: sign every request anew' });
    }
    try {
      const response = await accept(request);
      if (response.status >= 500) await replays.forget(check.signature);
      return response;
    } catch (error) {
      await replays.forget(check.signature);
      throw error;
    }
  }

  /** An authenticated request: read, check and ingest its article. */
  async function accept(request: PushRequest): Promise<PushResponse> {
    const body = readWebhookBody(request.body, source.id, ctx.now());
    if (body.kind === 'invalid') return json(400, { error: body.message });
    if (body.kind === 'unpublish') {
      if (body.ref.url !== undefined && !onSite(body.ref.url, source.url)) {
        return json(400, { error: `url: ${body.ref.url} is not on ${source.url ?? ''}, the site of this webhook` });
      }
      const pulled = await ctx.pull({ key: body.ref.key, canonicalUrl: body.ref.canonicalUrl });
      log.info({ article: pulled.article, cancelled: pulled.cancelled.length }, 'webhook unpublish');
      // Only ids and states: never the article's text.
      return json(202, {
        article: pulled.article ?? null,
        outcome: pulled.article === undefined ? 'unknown' : 'pulled',
        cancelled: pulled.cancelled,
        untouched: pulled.untouched,
      });
    }
    const link = body.kind === 'url' ? body.url : body.article.url;
    if (!onSite(link, site)) return json(400, { error: `url: ${link} is not on ${site ?? ''}, the site of this webhook` });
    let article: Article;
    if (body.kind === 'url') {
      try {
        const warn = (message: string): void => log.warn({ url: body.url }, message);
        article = { ...(await articleFromPage(body.url, source.id, ctx.now(), { dispatcher: pages, warn })), sourceId: source.id };
      } catch (error) {
        const refused = policyRefusal(error);
        const message = refused ? `url: ${body.url}: ${refused.message}` : error instanceof Error ? error.message : String(error);
        log.warn({ url: body.url }, message);
        // Refused by policy: the request is at fault, and sending it again changes nothing.
        return json(refused ? 400 : 502, { error: message });
      }
    } else {
      article = body.article;
    }
    const offSite = offSiteField(article, body.kind === 'url', site);
    if (offSite) {
      log.warn({ url: link, field: offSite.field }, 'webhook article refused: a URL off the site');
      return json(400, { error: `${offSite.field}: ${offSite.url} is not on ${site ?? ''}, the site of this webhook` });
    }
    const result = await ctx.ingest([article]);
    const stored = await ctx.store.findArticleByUrl(article.canonicalUrl);
    const outcome = outcomeOf(result);
    log.info({ article: stored?.id, outcome, url: article.url }, 'webhook article');
    // Ids and states only: nothing read from the page goes back to the sender.
    return json(202, {
      article: stored?.id ?? null,
      outcome,
      deliveries: result.counts.deliveriesCreated,
      ...(outcome === 'recorded' && result.items[0] ? { reason: result.items[0].ifNew.reason } : {}),
    });
  }

  return {
    methods: ['POST'],
    async handle(request) {
      if (!running) return json(503, { error: 'not running' });
      const response = receive(request);
      inFlight.add(response);
      try {
        return await response;
      } finally {
        inFlight.delete(response);
      }
    },
    async start() {
      // A webhook has no backlog to hold back: the first article it receives is new, so the
      // source is past its "first poll" from the start.
      const state = await ctx.store.getSourceState(source.id);
      if (!state?.initializedAt) {
        await ctx.store.saveSourceState({ ...(state ?? { sourceId: source.id, consecutiveFailures: 0 }), initializedAt: ctx.now() });
      }
      running = true;
    },
    async stop() {
      running = false;
      await Promise.allSettled(inFlight);
      if (pages !== ctx.network.dispatcher) await pages.close();
    },
  };
}

/** The site's host or a subdomain of it (www. aside); any URL when no site is configured. */
function onSite(link: string, site: string | undefined): boolean {
  return site === undefined || onSiteHost(new URL(link).hostname, site);
}

function onSiteHost(host: string, site: string): boolean {
  const siteHost = new URL(site).hostname.replace(/^www\./, '');
  return host === siteHost || host.endsWith(`.${siteHost}`);
}

/**
 * The first URL of the article that leaves the site: what a page said (its canonical link, its
 * og:image) or what the sender gave (image.url). Named as the sender or the page knows it.
 */
function offSiteField(article: Article, fromPage: boolean, site: string | undefined): { field: string; url: string } | undefined {
  if (site === undefined) return undefined;
  if (article.url !== '' && !onSite(article.url, site)) return { field: fromPage ? 'canonical (the page\'s canonical link)' : 'url', url: article.url };
  if (article.image && !onSite(article.image.url, site)) return { field: fromPage ? 'image (the page\'s og:image)' : 'image.url', url: article.image.url };
  return undefined;
}

/** The network policy's refusal somewhere in an error's causes (fetch wraps it twice). */
function policyRefusal(error: unknown): NetworkPolicyError | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof NetworkPolicyError) return e;
  return undefined;
}

function outcomeOf({ counts }: PushIngest): Outcome {
  if (counts.deliveriesCreated > 0 && counts.recorded > 0) return 'queued';
  if (counts.recorded > 0) return 'recorded';
  if (counts.duplicates > 0) return 'duplicate';
  if (counts.updated > 0) return 'updated';
  return 'known';
}

function header(request: PushRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function json(status: number, value: unknown): PushResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(value)}\n` };
}
