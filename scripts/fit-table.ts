// Prints how each platform fits the hard cases of tests/fixtures/fit-cases.ts:
//   npx tsx scripts/fit-table.ts
import { blueskyTextRules } from '../src/platforms/bluesky/text-rules.js';
import { mastodonTextRules } from '../src/platforms/mastodon/text-rules.js';
import { xTextRules } from '../src/platforms/x/text-rules.js';
import { templateContext } from '../src/render/context.js';
import { fitPost } from '../src/render/fit.js';
import { createTemplateEngine } from '../src/render/templates.js';
import { BUILTIN_TEMPLATES_DIR } from '../src/runtime/templates.js';
import { FIT_CASES } from '../tests/fixtures/fit-cases.js';
import { makeArticle } from '../tests/support/articles.js';

const engine = createTemplateEngine();
const platforms = [
  ['x', xTextRules()],
  ['bluesky', blueskyTextRules()],
  ['mastodon', mastodonTextRules({ maxCharacters: 500, charactersReservedPerUrl: 23 })],
] as const;

const rows: string[][] = [['case', 'platform', 'length', 'adjustments', 'first line', 'last line']];
for (const c of FIT_CASES) {
  for (const [platform, rules] of platforms) {
    const render = engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/${platform}.hbs`);
    const article = makeArticle({ key: c.name, title: c.title, summary: c.summary, tags: c.tags ?? ['news'], ...(c.url ? { url: c.url } : {}) });
    const fitted = fitPost(render, templateContext(article, { channelId: platform, platform, language: 'en' }), rules);
    const lines = fitted.text.split('\n').filter(Boolean);
    const clip = (t: string) => (t.length > 38 ? `${t.slice(0, 37)}…` : t);
    rows.push([c.name, platform, `${fitted.length}/${fitted.limit}`, fitted.adjustments.join(', ') || '—', clip(lines[0] ?? ''), clip(lines.at(-1) ?? '')]);
  }
}
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
