/**
 * The desk's only assets, served by Crier itself (nothing from a CDN, nothing fetched at run
 * time). The page works without the script; the script refreshes the main region every 15 s
 * unless the person is typing in it.
 */
export const DESK_CSS = `
:root { color-scheme: light dark; --fg: #111; --bg: #fff; --muted: #666; --line: #ddd; --ok: #176b2c; --warn: #8a5300; --bad: #a1121b; }
@media (prefers-color-scheme: dark) { :root { --fg: #eee; --bg: #151515; --muted: #aaa; --line: #333; --ok: #5fd37a; --warn: #f0b055; --bad: #ff7b82; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; text-decoration: none; color: inherit; }
nav { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
nav .who { color: var(--muted); }
main { padding: 1rem; max-width: 72rem; }
a { color: inherit; }
a:focus, button:focus, input:focus, summary:focus { outline: 3px solid #2b6cd4; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.state { font-weight: 600; }
.state-posted, .state-verified { color: var(--ok); }
.state-pending, .state-sending, .state-uncertain { color: var(--warn); }
.state-failed, .state-missing, .state-cancelled, .state-retracted { color: var(--bad); }
.error { color: var(--bad); }
.ok { color: var(--ok); }
.notice { padding: .5rem .75rem; border: 1px solid var(--line); border-left: 4px solid var(--ok); }
.inline { display: inline; margin: 0 .25rem; }
.stack { display: grid; gap: .6rem; max-width: 36rem; margin: .75rem 0; }
button { font: inherit; padding: .35rem .8rem; min-height: 2.2rem; cursor: pointer; }
button.danger { border: 2px solid var(--bad); color: var(--bad); background: transparent; font-weight: 600; }
input[type=url], input[type=password], input:not([type]), textarea { font: inherit; padding: .35rem; width: 100%; }
pre { white-space: pre-wrap; word-break: break-word; padding: .6rem; border: 1px solid var(--line); margin: 0; }
figure.post { margin: .5rem 0 1rem; }
figcaption { color: var(--muted); font-size: .9rem; }
details.kill { margin: .75rem 0; padding: .5rem; border: 1px solid var(--bad); }
.events { padding-left: 1.25rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
@media (max-width: 40rem) {
  table, thead, tbody, tr, th, td { display: block; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  td, th { border: 0; padding: .1rem 0; }
}
`;

export const DESK_JS = `
(function () {
  var main = document.getElementById('main');
  if (!main || !window.fetch || !window.DOMParser) return;
  function busy() { var a = document.activeElement; return a && main.contains(a) && /INPUT|TEXTAREA|SELECT/.test(a.tagName); }
  setInterval(function () {
    if (document.hidden || busy() || document.querySelector('details[open]')) return;
    fetch(location.href, { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.text() : null; }).then(function (text) {
      if (!text) return;
      var next = new DOMParser().parseFromString(text, 'text/html').getElementById('main');
      if (next && !busy()) main.innerHTML = next.innerHTML;
    }).catch(function () {});
  }, 15000);
})();
`;
