export interface RssItem {
  guid: string;
  title: string;
  link: string;
  description?: string;
  pubDate?: Date;
  categories?: string[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A minimal, valid RSS 2.0 document for feed servers in tests. */
export function rss(title: string, items: readonly RssItem[]): string {
  const body = items
    .map(
      (item) => `    <item>
      <title>${esc(item.title)}</title>
      <link>${esc(item.link)}</link>
      <guid isPermaLink="false">${esc(item.guid)}</guid>
      ${item.pubDate ? `<pubDate>${item.pubDate.toUTCString()}</pubDate>` : ''}
      ${(item.categories ?? []).map((c) => `<category>${esc(c)}</category>`).join('')}
      <description>${esc(item.description ?? '')}</description>
    </item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>${esc(title)}</title><link>https://news.example.org/</link><description>test</description>
${body}
</channel></rss>`;
}
