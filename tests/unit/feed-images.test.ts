import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseImage } from '../../src/sources/choose-image.js';
import { parseFeed } from '../../src/sources/feed/parse-feed.js';

const NOW = new Date('2026-12-02T12:00:00Z');

function images(name: string, feedUrl: string): Record<string, unknown> {
  const body = readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url), 'utf8');
  const feed = parseFeed(body, { sourceId: 'news', feedUrl, now: NOW });
  return Object.fromEntries(feed.articles.map((article) => [article.title, article.image]));
}

describe('feed images: the largest one an item offers', () => {
  const rss = images('images-rss.xml', 'https://www.example.com/world/rss');

  it('takes the 460 px media:content over the 140 px one listed first (issue 12)', () => {
    expect(rss['Flood defences hold as river peaks']).toEqual({
      url: 'https://i.example.com/img/media/0a1b/master/3000.jpg?width=460&quality=85&auto=format&fit=max&s=9c4',
      width: 460,
    });
  });

  it('takes the largest image of a media:group, never its video, with that content’s alt text', () => {
    expect(rss['Markets open higher']).toEqual({
      url: 'https://cdn.example.com/markets-1280.jpg',
      alt: 'Traders watch screens on the floor of the exchange',
      width: 1280,
      height: 720,
    });
  });

  it('prefers an image enclosure of unknown size to a thumbnail known to be under 200 px', () => {
    expect(rss['Thumbnail and an enclosure of unknown size']).toEqual({ url: 'https://cdn.example.com/museum.jpg' });
  });

  it('skips a 1×1 FeedBurner pixel and takes the itunes:image artwork', () => {
    expect(rss['Episode 12: the budget explained']).toEqual({ url: 'https://media.example.com/artwork/episode-12.jpg' });
  });

  it('keeps a small thumbnail when nothing larger exists', () => {
    expect(rss['Only a small thumbnail']).toEqual({ url: 'https://cdn.example.com/late-winner-150.jpg', width: 150, height: 150 });
  });

  it('has no image when the only one is a tracking pixel', () => {
    expect(rss['Only a tracking pixel']).toBeUndefined();
  });

  it('reads WordPress sizes from enclosure file names and takes the larger', () => {
    expect(rss['WordPress enclosures named by size']).toEqual({
      url: 'https://blog.example.org/wp-content/uploads/2026/12/bridge-1024x576.jpg',
      width: 1024,
      height: 576,
    });
  });

  const json = images('images-feed.json', 'https://radio.example.net/feed.json');

  it('JSON Feed: the main image before the banner when neither says its size', () => {
    expect(json['Night trains return to the northern line']).toEqual({ url: 'https://radio.example.net/images/night-train.jpg' });
    expect(json['Only a banner']).toEqual({ url: 'https://radio.example.net/images/banner-only.jpg' });
  });

  it('JSON Feed: a larger banner wins over a small main image', () => {
    expect(json['A small image and a large banner']).toEqual({
      url: 'https://radio.example.net/images/mayor-1600x400.jpg',
      width: 1600,
      height: 400,
    });
  });

  it('Atom: a media:thumbnail of known large size beats an enclosure link of unknown size', () => {
    const body = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
  <title>Example</title><id>urn:example</id><updated>2026-12-02T10:00:00Z</updated>
  <entry>
    <title>Atom entry</title><id>urn:example:1</id><updated>2026-12-02T10:00:00Z</updated>
    <link rel="alternate" href="https://atom.example.org/1"/>
    <link rel="enclosure" type="image/png" href="https://atom.example.org/img/small.png" length="9000"/>
    <media:thumbnail url="https://atom.example.org/img/large.jpg" width="1200" height="675"/>
  </entry>
</feed>`;
    const [entry] = parseFeed(body, { sourceId: 'a', feedUrl: 'https://atom.example.org/feed', now: NOW }).articles;
    expect(entry?.image).toEqual({ url: 'https://atom.example.org/img/large.jpg', width: 1200, height: 675 });
  });
});

describe('chooseImage on its own', () => {
  it('reads sizes from a URL only when they are plausible pixels, and skips pixels by name, not by word', () => {
    expect(chooseImage([{ url: 'https://cdn.example.org/a.jpg?h=20261202' }, { url: 'https://cdn.example.org/b.jpg?w=640' }])?.url).toBe(
      'https://cdn.example.org/b.jpg?w=640',
    );
    expect(chooseImage([{ url: 'https://cdn.example.org/spacer.gif' }])).toBeUndefined();
    expect(chooseImage([{ url: 'https://cdn.example.org/pixel-8-review.jpg' }])?.url).toBe('https://cdn.example.org/pixel-8-review.jpg');
  });
});
