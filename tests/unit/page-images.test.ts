import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { articleFromHtml } from '../../src/sources/page/page-article.js';
import { readPageMetadata } from '../../src/sources/page/page-metadata.js';

const NOW = new Date('2026-12-02T12:00:00Z');
const page = (name: string): string => readFileSync(new URL(`../fixtures/pages/${name}`, import.meta.url), 'utf8');

describe('page images: og:image, og:image:alt and the largest of several', () => {
  it('takes the largest og:image (its https secure_url) with its own og:image:alt, skipping the pixel', () => {
    const meta = readPageMetadata(page('og-images.html'));
    expect(meta).toMatchObject({
      image: 'https://img.example.co.uk/bridge/wide-1200.jpg',
      imageAlt: 'An artist’s impression of the harbour bridge at dusk',
      imageWidth: 1200,
      imageHeight: 630,
    });
  });

  it('puts the chosen image on the article', () => {
    const article = articleFromHtml(page('og-images.html'), 'https://gazette.example.co.uk/news/harbour-bridge-approved', 'manual', NOW);
    expect(article.image).toMatchObject({
      url: 'https://img.example.co.uk/bridge/wide-1200.jpg',
      alt: 'An artist’s impression of the harbour bridge at dusk',
    });
  });

  it('a single og:image without sizes is used as it is, with its alt text', () => {
    const meta = readPageMetadata(
      '<meta property="og:image" content="/img/lead.jpg"><meta property="og:image:alt" content="Lead photo"><meta name="twitter:image" content="/img/tw.jpg">',
    );
    expect(meta).toMatchObject({ image: '/img/lead.jpg', imageAlt: 'Lead photo' });
  });

  it('falls back to a JSON-LD ImageObject, then twitter:image, and takes a larger JSON-LD image over a small og:image', () => {
    const ld = {
      '@context': 'https://schema.org',
      '@type': 'NewsArticle',
      headline: 'Budget passes',
      image: [{ '@type': 'ImageObject', url: 'https://cdn.example.org/budget-1600.jpg', width: '1600', height: { '@type': 'QuantitativeValue', value: 900 } }],
    };
    const html = `<meta property="og:image" content="https://cdn.example.org/budget-120.jpg"><meta property="og:image:width" content="120">
<script type="application/ld+json">${JSON.stringify(ld)}</script>`;
    expect(readPageMetadata(html)).toMatchObject({ image: 'https://cdn.example.org/budget-1600.jpg', imageWidth: 1600, imageHeight: 900 });
    expect(readPageMetadata('<meta name="twitter:image" content="https://cdn.example.org/tw.jpg">').image).toBe('https://cdn.example.org/tw.jpg');
  });
});
