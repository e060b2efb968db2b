import { describe, expect, it } from 'vitest';
import { canonicalLanguage, detectLanguage, postLanguage } from '../../src/render/post-language.js';

/** Headline and summary as feeds in each language publish them (no language declared). */
const UNDECLARED: [string, string, string][] = [
  ['ar', 'افتتاح جسر جديد في المدينة بعد عام من النقاش', 'صوت المجلس البلدي بأغلبية سبعة أصوات مقابل صوتين على المشروع، ويبدأ البناء في الربيع.'],
  ['ja', '東京で新しい橋が開通、通勤時間が短縮へ', '新しい橋は三年の工事を経て完成し、市民は朝から渡り始めました。'],
  ['zh', '北京发布新的公共交通计划', '市政府宣布，地铁票价将在明年进行调整，并增加夜间公交线路。'],
  ['ru', 'Городской совет одобрил строительство нового моста', 'Работы начнутся весной и продлятся три года, сообщили в мэрии.'],
  ['de', 'Stadtrat stimmt für die neue Hafenbrücke', 'Der Bau beginnt im Frühjahr und soll drei Jahre dauern, teilte die Verwaltung mit.'],
  ['pt', 'Câmara aprova nova ponte sobre o rio', 'As obras começam na primavera e devem durar três anos, segundo a prefeitura.'],
  ['es', 'El ayuntamiento aprueba el nuevo puente del puerto', 'Las obras empezarán en primavera y durarán tres años, según el consistorio.'],
  ['en', 'Council approves the new harbour bridge', 'Construction starts in spring and should take three years, the city said.'],
];

describe('postLanguage', () => {
  it.each(UNDECLARED)('detects %s from headline and summary when the feed declares none', async (language, title, summary) => {
    expect(await postLanguage({ title, summary }, 'en')).toBe(language);
  });

  it("prefers the article's declared language to what the text looks like", async () => {
    const [, title, summary] = UNDECLARED[4] as [string, string, string];
    expect(await postLanguage({ title, summary, language: 'de_AT' }, 'en')).toBe('de-AT');
  });

  it("falls back to the channel's language (defaults.language folded in) below the confidence floor", async () => {
    expect(await postLanguage({ title: 'Brexit', summary: '' }, 'fr')).toBe('fr');
    expect(await postLanguage({ title: 'iPhone 17', summary: '' }, 'pt-BR')).toBe('pt-BR');
    expect(await detectLanguage('速報')).toBeUndefined();
    expect(await postLanguage({ title: '', summary: '' }, undefined)).toBe('en');
  });

  it('canonicalises what feeds write and ignores what is not a tag', async () => {
    expect(canonicalLanguage('EN-us')).toBe('en-US');
    expect(canonicalLanguage('pt_BR')).toBe('pt-BR');
    expect(canonicalLanguage('not a tag!')).toBeUndefined();
    expect(await postLanguage({ title: '', summary: '', language: 'not a tag!' }, 'nl')).toBe('nl');
  });
});
