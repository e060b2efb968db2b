import type { Delivery, StoredArticle } from '../../delivery/editor-actions.js';
import { renderPost } from '../../delivery/render-post.js';
import type { App } from '../../runtime/app.js';
import type { DeskUser } from '../auth.js';
import { html, when, type Html } from '../html.js';
import { actionForm, deliveryRow, deliveryTable, stateBadge } from './parts.js';

/** What goes out on one channel: the persisted text once claimed, else what would be built now. */
async function outgoing(app: App, article: StoredArticle, channelId: string, delivery: Delivery | undefined): Promise<Html> {
  const channel = app.channels.get(channelId);
  if (!channel) return html`<p class="error">channel ${channelId} is no longer configured</p>`;
  try {
    const rules = await channel.textRules();
    const rendered = delivery?.text === undefined ? await renderPost(article, channel, app.templates, delivery?.template, app.config.defaults.language) : undefined;
    const text = delivery?.text ?? rendered?.text ?? '';
    const measure = rules.measure(text);
    const image = article.image && channel.config.images !== false ? article.image : undefined;
    return html`<figure class="post">
      <pre>${text}</pre>
      <figcaption>${measure.length}/${rules.limit} ${rules.unit}${rendered ? html` · language ${rendered.language}` : ''}${
        image ? html` · image <a href="${image.url}" rel="noreferrer noopener">${image.url}</a>${image.alt ? ` (alt: ${image.alt})` : ''}` : ''
      }${delivery?.text !== undefined ? ' · as sent' : ' · as it would go out now'}</figcaption>
    </figure>`;
  } catch (error) {
    return html`<p class="error">cannot be built: ${error instanceof Error ? error.message : String(error)}</p>`;
  }
}

/** An article: its text per channel as it goes out, its deliveries, and who did what, when and why. */
export async function articleView(app: App, article: StoredArticle, user: DeskUser, csrf: string): Promise<Html> {
  const now = app.now();
  const editor = user.role === 'editor';
  const deliveries = await app.store.listDeliveries({ articleId: article.id, limit: 500 });
  const posts = deliveries.filter((d) => d.kind === 'post');
  const events = await app.store.listEvents({ articleId: article.id, newestFirst: true, limit: 200 });
  const perChannel: Html[] = [];
  for (const channelId of app.channels.keys()) {
    const delivery = posts.find((d) => d.channelId === channelId);
    perChannel.push(html`<section><h3>${channelId} ${delivery ? stateBadge(delivery.state) : html`<small>not queued</small>`}</h3>${await outgoing(app, article, channelId, delivery)}</section>`);
  }
  const unposted = [...app.channels.keys()].filter((id) => !posts.some((d) => d.channelId === id));
  const postForm =
    editor && unposted.length > 0
      ? html`<form method="post" action="/desk/articles/${article.id}/post" class="stack">
          <input type="hidden" name="csrf" value="${csrf}">
          <fieldset><legend>Post on</legend>${unposted.map((id) => html`<label><input type="checkbox" name="channel" value="${id}" checked> ${id}</label>`)}</fieldset>
          <label><input type="checkbox" name="breaking" value="yes"> Breaking (through quiet hours and spacing)</label>
          <button type="submit">Post now</button>
        </form>`
      : html``;
  const live = posts.filter((d) => ['posted', 'verified', 'missing'].includes(d.state));
  const retractForm =
    editor && live.length > 0
      ? html`<details class="kill"><summary>Retract this story</summary>
          <form method="post" action="/desk/articles/${article.id}/retract" class="stack">
            <input type="hidden" name="csrf" value="${csrf}">
            <label>Why <input name="reason" required autocomplete="off"></label>
            <label><input type="checkbox" name="confirm" value="yes" required> Yes, delete ${live.length} post${live.length === 1 ? '' : 's'} from the platforms</label>
            <button type="submit" class="danger">Retract</button>
          </form></details>`
      : html``;
  const correctForm =
    editor && live.length > 0
      ? html`<details><summary>Correct this story</summary>
          <form method="post" action="/desk/articles/${article.id}/correct" class="stack">
            <input type="hidden" name="csrf" value="${csrf}">
            <label>Correction (posted as a reply under each post; empty: the channel's correction template) <textarea name="text" rows="3"></textarea></label>
            <label><input type="checkbox" name="edit" value="yes"> Also edit the original where the platform shows the edit history (Mastodon)</label>
            <button type="submit">Post the correction</button>
          </form></details>`
      : html``;
  return html`<h1>${article.title}</h1>
    <p><a href="${article.url}" rel="noreferrer noopener">${article.url}</a> · article ${article.id} · published ${when(article.publishedAt, now)} · seen ${when(article.firstSeenAt, now)} · source ${article.sourceId}</p>
    ${postForm}${correctForm}${retractForm}
    <h2>Per channel</h2>${perChannel}
    <h2>Deliveries</h2>${deliveryTable(deliveries.map((d) => deliveryRow(d, article.title, now, editor && d.state === 'pending' ? actionForm(`/desk/deliveries/${d.id}/cancel`, csrf, 'Cancel') : html``)), 'None.')}
    <h2>Events</h2>
    <ol class="events">${events.map((e) => html`<li><time datetime="${e.at.toISOString()}">${when(e.at, now)}</time> <strong>${e.kind}</strong> ${e.channelId ? html`<small>${e.channelId}</small>` : ''} ${e.message} <small>by ${e.actor}</small></li>`)}</ol>`;
}
