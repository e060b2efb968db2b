import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { correctionTexts } from '../../src/delivery/correction-text.js';
import { platformFor } from '../../src/platforms/registry.js';
import type { ChannelRuntime } from '../../src/runtime/channels.js';
import { BUILTIN_TEMPLATES_DIR } from '../../src/runtime/templates.js';
import type { Delivery } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';
import { memoryChannelState } from '../support/channel-state.js';
import { tempDir } from '../support/temp-dir.js';

/** The words of a correction per channel, measured and fitted by each platform's real rules. */
const x: ChannelConfig = { id: 'x-main', platform: 'x', dryRun: false, images: true };
const mastodon: ChannelConfig = { id: 'mastodon-main', platform: 'mastodon', dryRun: false, images: true, instance: 'https://m.example', visibility: 'public', maxCharacters: 500 };
const runtime = (config: ChannelConfig): ChannelRuntime => ({
  config,
  platform: platformFor(config),
  adapter: { verify: async () => ({ account: '@desk' }), publish: async () => ({ remoteId: '1' }) },
  textRules: () => platformFor(config).textRules(config, { logger: pino({ level: 'silent' }), now: () => new Date(), channelState: memoryChannelState(instanceLimits()) }),
});
/** Mastodon's limits as cached from /api/v2/instance, so nothing leaves the machine. */
const instanceLimits = () => new Map([['instance-limits', JSON.stringify({ maxCharacters: 500, charactersReservedPerUrl: 23, fetchedAt: Date.now() })]]);
const channels = new Map([x, mastodon].map((c) => [c.id, runtime(c)]));
const post = (channelId: string, text = 'Council approves the harbour plan\n\nhttps://news.example.org/2026/11/29/harbour'): Delivery =>
  ({ id: 7, channelId, text, kind: 'post' }) as Delivery;
const article = makeArticle({ key: 'harbour', title: 'Council approves the harbour plan' });
const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

function texts(options: { text?: string; edit?: boolean; configDir?: string }) {
  return correctionTexts(article, { text: options.text, edit: options.edit ?? false, channels, configDir: options.configDir ?? '/nonexistent', builtinDir: BUILTIN_TEMPLATES_DIR, defaultLanguage: 'en' });
}

describe('correction texts', () => {
  it('takes the editor words as written, and refuses (never cuts) words the platform cannot take', async () => {
    expect(await texts({ text: ' Correction: the vote was 7 to 2. ' })(post('x-main'))).toEqual({ text: 'Correction: the vote was 7 to 2.' });
    // 150 CJK characters weigh 300 on X (twitter-text), over its 280; Mastodon counts 150 of 500.
    const long = `更正${'港'.repeat(148)}`;
    expect(await texts({ text: long })(post('x-main'))).toEqual({ refused: expect.stringMatching(/^the correction is 300\/280 weighted characters on x-main.*: shorten --text$/) });
    expect(await texts({ text: long })(post('mastodon-main'))).toEqual({ text: long });
  });

  it('renders the platform correction template without --text, a newsroom template beside the config first', async () => {
    const built = await texts({})(post('mastodon-main'));
    expect(built).toEqual({ text: `Correction: this story has been updated since we posted it.\n\nCouncil approves the harbour plan\n\n${article.url}` });
    const dir = tempDir('crier-correction-');
    dirs.push(dir);
    mkdirSync(join(dir.path, 'templates'));
    writeFileSync(join(dir.path, 'templates', 'x-correction.hbs'), 'Korrektur: {{title}} {{url}}\n');
    expect(await texts({ configDir: dir.path })(post('x-main'))).toEqual({ text: `Korrektur: Council approves the harbour plan ${article.url}` });
  });

  it('--edit appends the words to the Mastodon post; X shows no edit history, so it gets the reply only', async () => {
    const mastodonText = await texts({ text: 'Correction: 7 to 2.', edit: true })(post('mastodon-main'));
    expect(mastodonText).toEqual({ text: 'Correction: 7 to 2.', edit: 'Council approves the harbour plan\n\nhttps://news.example.org/2026/11/29/harbour\n\nCorrection: 7 to 2.' });
    expect(await texts({ text: 'Correction: 7 to 2.', edit: true })(post('x-main'))).toEqual({ text: 'Correction: 7 to 2.', edit: { refused: 'X shows no edit history: the correction is a reply only' } });
    const full = post('mastodon-main', 'a'.repeat(495));
    expect(await texts({ text: 'Correction: 7 to 2.', edit: true })(full)).toMatchObject({ edit: { refused: expect.stringMatching(/would be 516 characters, over mastodon-main's limit/) } });
  });
});
