import { describe, expect, it } from 'vitest';
import { graphemeLength } from '../../src/render/graphemes.js';
import { FIT_CASES } from '../fixtures/fit-cases.js';

function segmenterCount(text: string): number {
  return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].length;
}

describe('graphemeLength', () => {
  it('agrees with Intl.Segmenter on every BMP code point next to itself and to letters', () => {
    const disagreements: string[] = [];
    for (let code = 0x20; code <= 0xffff; code += 1) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const c = String.fromCharCode(code);
      for (const text of [c + c, `a${c}`, `${c}a`, `${c} `, `\n${c}`, `${c}\u0915`]) {
        if (graphemeLength(text) !== segmenterCount(text)) disagreements.push(`U+${code.toString(16).padStart(4, '0')} in ${JSON.stringify(text)}`);
      }
    }
    expect(disagreements.slice(0, 20)).toEqual([]);
  });

  it('agrees with Intl.Segmenter on the hard cases and real posts', () => {
    const texts = FIT_CASES.flatMap((c) => [c.title, c.summary, `${c.title}\n\n• ${c.summary}…`]);
    texts.push('a\r\nb', '👨‍👩‍👧‍👦 🇧🇷 Cafe\u0301', 'ｶﾞ', '한국어 각', 'ก่ำ', '؀١٢');
    for (const text of texts) expect(graphemeLength(text), text).toBe(segmenterCount(text));
  });
});
