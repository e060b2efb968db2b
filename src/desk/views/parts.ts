import type { Delivery } from '../../delivery/editor-actions.js';
import { html, when, type Html } from '../html.js';

/** A state as a word with a colour class: people scan the colour, read the word. */
export function stateBadge(state: string): Html {
  return html`<span class="state state-${state}">${state}</span>`;
}

/** A form that changes something: POST, with the CSRF token, one button. */
export function actionForm(action: string, csrf: string, label: string, extra: Html | string = '', danger = false): Html {
  return html`<form method="post" action="${action}" class="inline"><input type="hidden" name="csrf" value="${csrf}">${
    typeof extra === 'string' ? '' : extra
  }<button type="submit"${danger ? html` class="danger"` : ''}>${label}</button></form>`;
}

/** One delivery as a row: its channel, state, time, link on the platform, and the last error. */
export function deliveryRow(delivery: Delivery, title: string | undefined, now: Date, actions: Html = html``): Html {
  const time = delivery.postedAt ?? delivery.nextAttemptAt;
  const link = delivery.remoteUrl?.startsWith('https://') || delivery.remoteUrl?.startsWith('http://') ? delivery.remoteUrl : undefined;
  return html`<tr>
    <td>${stateBadge(delivery.state)}${delivery.kind !== 'post' ? html` <small>${delivery.kind}</small>` : ''}</td>
    <td><a href="/desk/articles/${delivery.articleId}">${title ?? `article ${delivery.articleId}`}</a></td>
    <td>${delivery.channelId}</td>
    <td><time datetime="${time.toISOString()}">${when(time, now)}</time></td>
    <td>${link ? html`<a href="${link}" rel="noreferrer noopener">on the platform</a>` : ''}${delivery.lastError ? html` <small class="error">${delivery.lastError}</small>` : ''}</td>
    <td>${actions}</td>
  </tr>`;
}

export function deliveryTable(rows: Html[], empty: string): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<table><thead><tr><th>State</th><th>Article</th><th>Channel</th><th>When</th><th>Where</th><th><span class="sr-only">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`;
}
