import type { DeskUser } from './auth.js';
import { html, type Html } from './html.js';

/** Every page: the same header and navigation, readable without the script, which only refreshes. */
export function layout(title: string, body: Html, user?: DeskUser, csrf?: string, notice?: string): string {
  const nav = user
    ? html`<nav aria-label="Desk"><a href="/desk">Now</a> <a href="/desk/channels">Channels</a>${user.role === 'editor' ? html` <a href="/desk/post">Post a URL</a>` : ''}
        <span class="who">${user.name} · ${user.role}</span>${
          user.via === 'token' && csrf
            ? html`<form method="post" action="/desk/logout" class="inline"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Sign out</button></form>`
            : ''
        }</nav>`
    : html``;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Crier desk</title><link rel="stylesheet" href="/desk/assets/desk.css"><script src="/desk/assets/desk.js" defer></script></head>
<body><header><a href="/desk" class="brand">Crier desk</a>${nav}</header>
<main id="main">${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}${body}</main></body></html>`.text;
}
