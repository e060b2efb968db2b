import { describe, expect, it } from 'vitest';
import { toPlainText } from '../../src/articles/plain-text.js';

describe('toPlainText', () => {
  it('unwraps CDATA and strips nested tags, joining inline text and spacing blocks', () => {
    expect(toPlainText('<![CDATA[<div><p>Hello <b>wo<i>r</i>ld</b></p><p>Next</p></div>]]>')).toBe('Hello world Next');
  });

  it('turns <br> and block boundaries into single spaces', () => {
    expect(toPlainText('one<br>two<br/>three<BR />four<li>five</li><h2>six</h2>')).toBe('one two three four five six');
  });

  it('drops script, style and comment contents, closed or not', () => {
    expect(toPlainText('Keep<script type="text/javascript">var a = "<b>x</b>";</script> this')).toBe('Keep this');
    expect(toPlainText('<style>.x { color: red }</style>Styled<!-- hidden -->!')).toBe('Styled!');
    expect(toPlainText('Before<script>never closed')).toBe('Before');
  });

  it('decodes entities, and text escaped twice once more, so no post shows "&amp;"', () => {
    expect(toPlainText('AT&amp;T')).toBe('AT&T');
    expect(toPlainText('Tom &amp;amp; Jerry')).toBe('Tom & Jerry');
    expect(toPlainText('l&#8217;été &#x2014; d&rsquo;accord')).toBe('l’été — d’accord');
    expect(toPlainText('l&amp;#8217;été')).toBe('l’été');
  });

  it('strips markup that is still markup after one decoding (double-escaped HTML), never posting a tag', () => {
    // As a feed's <description> arrives from the XML parser when the CMS escaped it twice.
    const summary = '&lt;p&gt;The council voted &lt;strong&gt;7 to 2&lt;/strong&gt;.&lt;/p&gt;&lt;p&gt;Work starts in spring.&lt;/p&gt;';
    expect(toPlainText(summary)).toBe('The council voted 7 to 2. Work starts in spring.');
    expect(toPlainText('&lt;b&gt;bold&lt;/b&gt; &lt;a href="https://example.org/x"&gt;link&lt;/a&gt;')).toBe('bold link');
    expect(toPlainText('&lt;img src="https://example.org/pixel.gif" width="1"&gt;Text')).toBe('Text');
    expect(toPlainText('&lt;script&gt;track()&lt;/script&gt;Text')).toBe('Text');
    // Escaped three times (an export of an export): still no tag, no entity.
    expect(toPlainText('&amp;lt;p&amp;gt;Tom &amp;amp;amp; Jerry&amp;lt;/p&amp;gt;')).toBe('Tom & Jerry');
  });

  it('leaves comparison signs and angle-bracketed words that are not HTML elements as text', () => {
    expect(toPlainText('x &lt; 5 and y &gt; 2')).toBe('x < 5 and y > 2');
    expect(toPlainText('Fill in &lt;Name&gt; and send')).toBe('Fill in <Name> and send');
  });

  it('folds &nbsp;, tabs and newlines into single spaces and trims', () => {
    expect(toPlainText('  a&nbsp;&nbsp;b\t\n c\u00a0 ')).toBe('a b c');
  });

  it('keeps emoji (including ZWJ sequences) and composes accents to NFC', () => {
    expect(toPlainText('Bravo 👏🏽 à la famille 👨‍👩‍👧')).toBe('Bravo 👏🏽 à la famille 👨‍👩‍👧');
    const decomposed = 'Cafe\u0301 e\u0301te\u0301';
    expect(toPlainText(decomposed)).toBe('Café été');
    expect(toPlainText(decomposed)).toHaveLength(8);
  });

  it('keeps a lone < and tag-like text inside quoted attributes intact', () => {
    expect(toPlainText('3 < 5 and 7 > 2')).toBe('3 < 5 and 7 > 2');
    expect(toPlainText('<a href="/x" title="a > b">link</a> text')).toBe('link text');
  });

  it('removes invisible characters that would break matching and counting', () => {
    expect(toPlainText('soft\u00adhyphen zero\u200bwidth\u0007')).toBe('softhyphen zerowidth');
  });

  it('stays linear on hostile markup', () => {
    const hostile = '<a'.repeat(100_000) + '<![CDATA['.repeat(50_000) + '<!x'.repeat(50_000);
    expect(toPlainText(hostile).length).toBeGreaterThan(0);
  });

  it('returns an empty string for markup with no text', () => {
    expect(toPlainText('<p> <br/> </p>')).toBe('');
  });
});
