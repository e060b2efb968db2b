export interface AtomEntry {
  id: string;
  title: string;
  link: string;
  updated: Date;
  summary?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A minimal Atom 1.0 feed, optionally advertising a WebSub hub and its self URL in the body. */
export function atom(title: string, links: { hub?: string; self?: string }, entries: readonly AtomEntry[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>${esc(title)}</title>
  <id>urn:test:${esc(title)}</id>
  <updated>${new Date().toISOString()}</updated>
  ${links.hub ? `<link rel="hub" href="${esc(links.hub)}"/>` : ''}
  ${links.self ? `<link rel="self" href="${esc(links.self)}"/>` : ''}
${entries
  .map(
    (e) => `  <entry>
    <id>${esc(e.id)}</id>
    <title>${esc(e.title)}</title>
    <link href="${esc(e.link)}"/>
    <updated>${e.updated.toISOString()}</updated>
    <published>${e.updated.toISOString()}</published>
    <summary>${esc(e.summary ?? '')}</summary>
  </entry>`,
  )
  .join('\n')}
</feed>`;
}
