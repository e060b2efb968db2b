import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fitThumbnail, MAX_THUMB_BYTES, ogImageFrom } from '../../src/platforms/bluesky/thumbnail.js';

describe('ogImageFrom', () => {
  const page = 'https://news.example.com/2025/06/story.html';

  it('reads og:image whatever the attribute order and quoting, resolving relative URLs', () => {
    const html = `<html><head>
      <meta name="twitter:image" content="https://cdn.example.com/tw.jpg">
      <meta content='/img/lead.jpg?w=1200&amp;h=630' property='og:image' />
    </head><body></body></html>`;
    expect(ogImageFrom(html, page)).toBe('https://news.example.com/img/lead.jpg?w=1200&h=630');
  });

  it('falls back to twitter:image and ignores non-http schemes', () => {
    const html = `<meta property="og:image" content="data:image/png;base64,AAAA"><meta name=twitter:image content=https://cdn.example.com/tw.jpg>`;
    expect(ogImageFrom(html, page)).toBe('https://cdn.example.com/tw.jpg');
    expect(ogImageFrom('<meta property="og:title" content="x">', page)).toBeUndefined();
  });
});

describe('fitThumbnail', () => {
  it('keeps a small PNG byte for byte', async () => {
    const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#336699' } }).png().toBuffer();
    const thumb = await fitThumbnail(png);
    expect(thumb.mimeType).toBe('image/png');
    expect(thumb.bytes.equals(png)).toBe(true);
  });

  it('re-encodes formats cards may not show (GIF) as JPEG', async () => {
    const gif = await sharp({ create: { width: 40, height: 20, channels: 4, background: '#ff000080' } }).gif().toBuffer();
    const thumb = await fitThumbnail(gif);
    expect(thumb.mimeType).toBe('image/jpeg');
    expect((await sharp(thumb.bytes).metadata()).format).toBe('jpeg');
  });

  it('shrinks a noisy ~3 MB PNG under the limit, at most 1200 px wide, the same way every time', async () => {
    const width = 1600;
    const height = 640;
    const raw = randomBytes(width * height * 3);
    const png = await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
    expect(png.length).toBeGreaterThan(2_500_000);
    const thumb = await fitThumbnail(png);
    expect(thumb.mimeType).toBe('image/jpeg');
    expect(thumb.bytes.length).toBeLessThanOrEqual(MAX_THUMB_BYTES);
    expect((await sharp(thumb.bytes).metadata()).width).toBe(1200);
    // Deterministic output is what lets a lost blob be rebuilt with the same CID.
    expect((await fitThumbnail(png)).bytes.equals(thumb.bytes)).toBe(true);
  });

  it('throws on bytes that are not an image', async () => {
    await expect(fitThumbnail(Buffer.from('<html>not found</html>'))).rejects.toThrow();
  });
});
