import type { Command } from 'commander';
import { withCli } from '../context.js';
import { colour, parseTime, printJson, relativeTime, table, UsageError } from '../output.js';
import { parseArticleRef } from '../resolve-article.js';

export async function historyAction(program: Command, ref: string | undefined, options: { channel?: string; since?: string; limit: string; json?: boolean }): Promise<void> {
  await withCli(program, undefined, async ({ app, out }) => {
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit takes a positive whole number');
    const since = options.since ? parseTime(options.since, app.now(), 'past') : undefined;
    const article = ref ? await app.editor.findArticle(parseArticleRef(ref)) : undefined;
    if (ref && !article) throw new UsageError(`no article ${ref} in the store (it may not have been polled yet; try crier preview)`);

    const deliveries = article ? await app.store.listDeliveries({ articleId: article.id, ...(options.channel ? { channelId: options.channel } : {}) }) : [];
    const events = await app.store.listEvents({
      articleId: article?.id,
      channelId: options.channel,
      since,
      newestFirst: !article,
      limit,
    });
    // Without an article, each event says which article it is about: its id and headline.
    const titles = new Map<number, string>();
    if (!article) {
      for (const id of new Set(events.flatMap((e) => (e.articleId === undefined ? [] : [e.articleId])))) {
        const found = await app.editor.findArticle({ kind: 'id', id });
        if (found) titles.set(id, found.title);
      }
    }
    if (options.json) {
      printJson(out, {
        article: article ?? null,
        deliveries,
        events: article ? events : events.map((e) => ({ ...e, articleTitle: e.articleId === undefined ? null : (titles.get(e.articleId) ?? null) })),
      });
      return;
    }
    const now = app.now();
    if (article) {
      out.write(`${colour(out, 'bold', article.title)}\n${article.url}\narticle ${article.id} · source ${article.sourceId} · published ${relativeTime(article.publishedAt, now)} · first seen ${relativeTime(article.firstSeenAt, now)}${article.duplicateOf ? ` · same story as article ${article.duplicateOf}` : ''}\n\n`);
      if (deliveries.length > 0) {
        out.write(
          table(
            ['DELIVERY', 'CHANNEL', 'STATE', 'ATTEMPTS', 'WHEN', 'WHERE / WHY'],
            deliveries.map((d) => [
              String(d.id),
              d.channelId,
              stateText(out, d.state),
              String(d.attempts),
              relativeTime(d.postedAt ?? d.updatedAt, now),
              d.remoteUrl ?? d.lastError ?? (d.state === 'pending' ? `due ${relativeTime(d.nextAttemptAt, now)}` : ''),
            ]),
          ),
        );
        out.write('\n');
      } else {
        out.write('no deliveries (not routed, present at a first poll, too old, or a duplicate: see the events)\n\n');
      }
    }
    out.write(
      article
        ? table(
            ['WHEN', 'EVENT', 'CHANNEL', 'BY', 'WHAT'],
            events.map((e) => [relativeTime(e.at, now), e.kind, e.channelId ?? '', e.actor, e.message]),
          )
        : table(
            ['WHEN', 'ARTICLE', 'TITLE', 'EVENT', 'CHANNEL', 'BY', 'WHAT'],
            events.map((e) => [
              relativeTime(e.at, now),
              e.articleId === undefined ? '' : String(e.articleId),
              e.articleId === undefined ? '' : shorten(titles.get(e.articleId) ?? '', TITLE_WIDTH),
              e.kind,
              e.channelId ?? '',
              e.actor,
              e.message,
            ]),
          ),
    );
  });
}

/** Headlines are long: the table shows their start; `crier history <id>` shows the rest. */
const TITLE_WIDTH = 40;

function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

function stateText(out: Parameters<typeof colour>[0], state: string): string {
  if (state === 'posted') return colour(out, 'green', state);
  if (state === 'failed' || state === 'uncertain') return colour(out, 'red', state);
  return state;
}
