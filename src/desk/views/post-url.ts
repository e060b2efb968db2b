import type { StoredArticle } from '../../delivery/editor-actions.js';
import type { App } from '../../runtime/app.js';
import type { Article } from '../../articles/article.js';
import { renderPost } from '../../delivery/render-post.js';
import { html, type Html } from '../html.js';

export function postUrlForm(csrf: string, url = '', error?: string): Html {
  return html`<h1>Post a URL</h1>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    <form method="post" action="/desk/post/preview" class="stack">
      <input type="hidden" name="csrf" value="${csrf}">
      <label>Article URL <input type="url" name="url" value="${url}" required placeholder="https://" autocomplete="off"></label>
      <button type="submit">Preview</button>
    </form>`;
}

/** The post per channel as it would go out, then the choice: channels, now or breaking or at a time. */
export async function postUrlPreview(app: App, article: Article | StoredArticle, url: string, csrf: string): Promise<Html> {
  const previews: Html[] = [];
  for (const [id, channel] of app.channels) {
    let body: Html;
    try {
      const rendered = await renderPost(article, channel, app.templates, undefined, app.config.defaults.language);
      const rules = await channel.textRules();
      body = html`<pre>${rendered.text}</pre><figcaption>${rules.measure(rendered.text).length}/${rules.limit} ${rules.unit} · language ${rendered.language}</figcaption>`;
    } catch (error) {
      body = html`<p class="error">cannot be built: ${error instanceof Error ? error.message : String(error)}</p>`;
    }
    previews.push(html`<figure class="post"><h3><label><input type="checkbox" name="channel" value="${id}" form="queue" checked> ${id}</label></h3>${body}</figure>`);
  }
  return html`<h1>Post a URL</h1>
    <p><strong>${article.title}</strong><br><a href="${article.url}" rel="noreferrer noopener">${article.url}</a></p>
    ${previews}
    <form method="post" action="/desk/post" id="queue" class="stack">
      <input type="hidden" name="csrf" value="${csrf}">
      <input type="hidden" name="url" value="${url}">
      <fieldset><legend>When</legend>
        <label><input type="radio" name="when" value="now" checked> Now</label>
        <label><input type="radio" name="when" value="breaking"> Now, breaking (through quiet hours and spacing)</label>
        <label><input type="radio" name="when" value="at"> At <input type="datetime-local" name="at"> UTC</label>
      </fieldset>
      <button type="submit">Post</button>
    </form>`;
}
