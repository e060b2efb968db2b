import { describe, expect, it } from 'vitest';
import { decodeBytes, guessedCharsetWarning } from '../../src/sources/charset.js';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('decodeBytes: a declared charset wins, in RFC 7303 / WHATWG order', () => {
  it('byte-order mark, then HTTP charset, then XML declaration', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><t>é</t>', 'utf8')]);
    expect(decodeBytes(bom, 'text/xml; charset=koi8-r')).toMatchObject({ origin: 'bom', encoding: 'utf-8' });
    expect(decodeBytes(bom, 'text/xml; charset=koi8-r').text).toContain('<t>é</t>');

    const declared = latin1('<?xml version="1.0" encoding="KOI8-R"?><t>\xf0\xd2\xc9\xd7\xc5\xd4</t>');
    expect(decodeBytes(declared, 'application/xml; charset="windows-1251"')).toMatchObject({ origin: 'http', encoding: 'windows-1251' });
    expect(decodeBytes(declared, 'application/xml')).toMatchObject({ origin: 'xml', encoding: 'koi8-r', text: '<?xml version="1.0" encoding="KOI8-R"?><t>Привет</t>' });
  });

  it('reads <meta charset> and http-equiv in an HTML head, never in a feed', () => {
    const page = latin1('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15"><title>\xa4</title>');
    expect(decodeBytes(page, 'text/html')).toMatchObject({ origin: 'html-meta', encoding: 'iso-8859-15' });
    expect(decodeBytes(page, 'text/html').text).toContain('<title>€</title>');
    // A feed quoting HTML in CDATA says nothing about its own encoding.
    const feed = latin1('<rss><channel><item><description><![CDATA[<meta charset="koi8-r">]]> Caf\xe9 au lait, cr\xe8me br\xfbl\xe9e et g\xe2teaux</description></item></channel></rss>');
    expect(decodeBytes(feed, 'application/rss+xml').origin).toBe('detected');
  });

  it('an unknown declared label is ignored, not trusted: the body is decoded as if undeclared', () => {
    const body = latin1('<t>M\xfcnchen und Z\xfcrich im Schnee, K\xf6ln im Regen</t>');
    expect(decodeBytes(body, 'text/xml; charset=x-no-such-charset')).toMatchObject({ origin: 'detected', encoding: 'windows-1252' });
  });

  it('an undeclared body that is valid UTF-8 is UTF-8, with no warning', () => {
    const decoded = decodeBytes(Buffer.from('Zürich “quoted” 東京', 'utf8'), undefined);
    expect(decoded).toMatchObject({ origin: 'utf-8', text: 'Zürich “quoted” 東京' });
    expect(guessedCharsetWarning(decoded, 'feed https://news.example.org/rss')).toBeUndefined();
  });

  it('falls back to windows-1252 (its real table, not Latin-1) when too little text to detect, and says so', () => {
    const decoded = decodeBytes(latin1('caf\xe9 \x80\x93'), undefined);
    expect(decoded).toMatchObject({ origin: 'fallback', encoding: 'windows-1252', text: 'café €“' });
    expect(guessedCharsetWarning(decoded, 'feed https://news.example.org/rss')).toMatch(
      /^feed https:\/\/news\.example\.org\/rss declares no charset, is not UTF-8 and no encoding could be detected; decoded as windows-1252/,
    );
  });

  it('passes over a UTF-8 declaration the bytes contradict: the next declaration, else detection, with a warning', () => {
    // A web server's default "charset=utf-8" on a CMS's Latin-1 output, which declares itself.
    const declared = latin1('<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>Caf\xe9 cr\xe8me</title></rss>');
    const byXml = decodeBytes(declared, 'text/xml; charset=utf-8');
    expect(byXml).toMatchObject({ origin: 'xml', encoding: 'windows-1252', contradicted: { origin: 'http', label: 'utf-8' } });
    expect(byXml.text).toContain('<title>Café crème</title>');
    expect(guessedCharsetWarning(byXml, 'feed https://news.example.org/rss')).toBe(
      'feed https://news.example.org/rss declares utf-8 in its HTTP Content-Type but is not valid UTF-8; decoded as windows-1252 as its XML declaration says. Ask its publisher to fix the declared charset',
    );

    const undeclared = latin1('<rss><title>M\xfcnchen und Z\xfcrich im Schnee, K\xf6ln im Regen, D\xfcsseldorf im Nebel</title></rss>');
    const byDetection = decodeBytes(undeclared, 'application/rss+xml; charset=UTF-8');
    expect(byDetection).toMatchObject({ origin: 'detected', encoding: 'windows-1252', contradicted: { origin: 'http', label: 'UTF-8' } });
    expect(guessedCharsetWarning(byDetection, 'feed https://news.example.org/rss')).toContain('but is not valid UTF-8; decoded as windows-1252 by detection');
  });

  it('a true UTF-8 declaration is used as it is, without a warning', () => {
    const decoded = decodeBytes(Buffer.from('<t>Zürich</t>', 'utf8'), 'text/xml; charset=utf-8');
    expect(decoded).toEqual({ text: '<t>Zürich</t>', encoding: 'utf-8', origin: 'http' });
    expect(guessedCharsetWarning(decoded, 'feed x')).toBeUndefined();
  });
});
