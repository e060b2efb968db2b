// Prints how each platform fits the hard cases of tests/fixtures/fit-cases.ts and the golden
// articles of tests/golden, through the same renderPost the worker and `crier preview` use:
//   npx tsx scripts/fit-table.ts
// The last lines count what an editor would delete by hand: stubs, lines starting or ending with
// whitespace, and bare domains turned into Bluesky links. All three must be 0.
import { buildPostRecord } from '../src/platforms/bluesky/record.js';
import { FitError } from '../src/render/fit.js';
import { FIT_CASES } from '../tests/fixtures/fit-cases.js';
import { makeArticle } from '../tests/support/articles.js';
import { goldenArticle, goldenCases, goldenPost, GOLDEN_PLATFORMS, type GoldenCase } from '../tests/support/golden-posts.js';

const fitCases: GoldenCase[] = FIT_CASES.map((c) => ({
  file: 'fit-cases',
  name: c.name,
  article: { title: c.title, summary: c.summary, url: c.url ?? makeArticle({ key: c.name }).url, tags: c.tags ?? ['news'], categories: ['Local'] },
}));
const cases = [...fitCases, ...goldenCases()];

const rows: string[][] = [['case', 'platform', 'length', 'lang', 'adjustments', 'first line', 'last line', 'links (Bluesky facets)']];
let stubs = 0;
let padded = 0;
let bareDomainFacets = 0;
const clip = (t: string) => (t.length > 36 ? `${t.slice(0, 35)}…` : t);
for (const c of cases) {
  for (const platform of GOLDEN_PLATFORMS) {
    let post;
    try {
      post = await goldenPost(c, platform);
    } catch (error) {
      if (!(error instanceof FitError)) throw error;
      rows.push([c.name, platform, 'refused', '', error.message.slice(0, 60), '', '', '']);
      continue;
    }
    const lines = post.text.split('\n').filter(Boolean);
    padded += post.text.split('\n').filter((line) => line !== line.trim()).length;
    const bullet = lines.find((line) => line.startsWith('• '));
    if (bullet && [...new Intl.Segmenter(post.language, { granularity: 'word' }).segment(bullet)].filter((s) => s.isWordLike).length < 5) stubs += 1;
    let links = '';
    if (platform === 'bluesky') {
      const record = buildPostRecord({ text: post.text, article: goldenArticle(c), language: post.language, linkUrl: post.link.url, createdAt: new Date(0) });
      const shown = (record.facets ?? []).flatMap((f) =>
        f.features.some((x) => x.$type === 'app.bsky.richtext.facet#link') ? [Buffer.from(record.text).subarray(f.index.byteStart, f.index.byteEnd).toString()] : [],
      );
      bareDomainFacets += shown.filter((s) => s !== post.link.text && !/^https?:\/\//.test(s)).length;
      links = shown.map(clip).join(' ');
    }
    rows.push([clip(c.name), platform, `${post.length}/${post.limit}`, post.language, post.adjustments.join(', ') || '—', clip(lines[0] ?? ''), clip(lines.at(-1) ?? ''), links]);
  }
}
const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length))) ?? [];
for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...cell].length))).join('  ').trimEnd()}\n`);
process.stdout.write(`\nstub summaries: ${stubs}\nlines starting or ending with whitespace: ${padded}\nbare-domain link facets on Bluesky: ${bareDomainFacets}\n`);
