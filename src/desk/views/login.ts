import { html, type Html } from '../html.js';

export function loginView(error?: string): Html {
  return html`<h1>Sign in to the desk</h1>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    <form method="post" action="/desk/login" class="stack">
      <label>Your desk token <input type="password" name="token" required autocomplete="current-password"></label>
      <button type="submit">Sign in</button>
    </form>
    <p><small>Ask whoever runs Crier for a token (<code>crier desk token --name you --role editor</code>), or sign in through the newsroom's single sign-on if it is set up.</small></p>`;
}
