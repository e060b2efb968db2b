import type { Delivery } from '../../delivery/editor-actions.js';
import type { App } from '../../runtime/app.js';
import type { DeskUser } from '../auth.js';
import { html, when, type Html } from '../html.js';
import { actionForm, deliveryRow, deliveryTable } from './parts.js';

const RECENT_STATES = ['posted', 'verified', 'missing', 'uncertain', 'failed', 'retracted', 'cancelled', 'skipped'] as const;

/** Titles of the articles behind some deliveries, read once each. */
export async function titlesOf(app: App, deliveries: readonly Delivery[]): Promise<Map<number, string>> {
  const titles = new Map<number, string>();
  for (const id of new Set(deliveries.map((d) => d.articleId))) {
    const article = await app.store.getArticle(id);
    if (article) titles.set(id, article.title);
  }
  return titles;
}

/** "Now": per channel, what holds it and until when, what waits in its queue, and its last posts. */
export async function nowView(app: App, user: DeskUser, csrf: string): Promise<Html> {
  const now = app.now();
  const editor = user.role === 'editor';
  const sections: Html[] = [];
  const allHolds = await app.store.listHolds(now);
  for (const [id, channel] of app.channels) {
    const holds = allHolds.filter((hold) => hold.channelId === id);
    const queue = await app.store.listDeliveries({ channelId: id, states: ['pending', 'sending'], limit: 50 });
    const recent = await app.store.listDeliveries({ channelId: id, states: [...RECENT_STATES], newestFirst: true, limit: 10 });
    const titles = await titlesOf(app, [...queue, ...recent]);
    const paused = holds.some((hold) => hold.kind === 'paused');
    const cancel = (d: Delivery) => (editor && d.state === 'pending' ? actionForm(`/desk/deliveries/${d.id}/cancel`, csrf, 'Cancel') : html``);
    const retry = (d: Delivery) =>
      editor && ['failed', 'uncertain', 'missing'].includes(d.state) ? actionForm(`/desk/deliveries/${d.id}/retry`, csrf, 'Retry') : html``;
    sections.push(html`<section class="channel" aria-labelledby="ch-${id}">
      <h2 id="ch-${id}">${id} <small>${channel.platform.label}${channel.config.dryRun ? ' · dry run' : ''}</small></h2>
      ${holds.length === 0 ? html`<p class="ok">Sending</p>` : html`<ul class="holds">${holds.map(
        (hold) => html`<li><strong>${hold.kind}</strong>: ${hold.reason}${hold.until ? html` · until <time datetime="${hold.until.toISOString()}">${when(hold.until, now)}</time>` : ''} · by ${hold.by}</li>`,
      )}</ul>`}
      ${editor ? (paused ? actionForm(`/desk/channels/${id}/resume`, csrf, `Resume ${id}`) : actionForm(`/desk/channels/${id}/pause`, csrf, `Pause ${id}`)) : ''}
      <h3>Queue</h3>
      ${deliveryTable(queue.map((d) => deliveryRow(d, titles.get(d.articleId), now, cancel(d))), 'Nothing waiting.')}
      <h3>Last posts</h3>
      ${deliveryTable(recent.map((d) => deliveryRow(d, titles.get(d.articleId), now, retry(d))), 'Nothing posted yet.')}
    </section>`);
  }
  const anyRunning = [...app.channels.keys()].some((id) => !allHolds.some((hold) => hold.channelId === id && hold.kind === 'paused'));
  const killSwitch = editor
    ? html`<details class="kill"><summary>${anyRunning ? 'Stop everything' : 'Resume everything'}</summary>
        <form method="post" action="/desk/${anyRunning ? 'pause-all' : 'resume-all'}">
          <input type="hidden" name="csrf" value="${csrf}">
          <label><input type="checkbox" name="confirm" value="yes" required> ${anyRunning ? 'Yes, pause every channel now' : 'Yes, resume every channel'}</label>
          <label>Why <input name="reason" autocomplete="off"></label>
          <button type="submit" class="danger">${anyRunning ? 'Pause all channels' : 'Resume all channels'}</button>
        </form></details>`
    : html``;
  return html`<h1>Now</h1>${killSwitch}${sections}`;
}
