import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Article } from '../articles/article.js';
import { FitError } from '../render/fit.js';
import { createTemplateEngine, type RenderPost } from '../render/templates.js';
import { unpostableReason } from '../render/unpostable.js';
import type { ChannelRuntime } from '../runtime/channels.js';
import type { TemplateSet } from '../runtime/templates.js';
import type { Delivery } from '../store/store.js';
import type { CorrectionTexts } from './queue-follow-ups.js';
import { renderPost } from './render-post.js';

/** Platforms whose edits keep the history visible to readers (Mastodon shows "Edited" and the versions). */
const EDITABLE_PLATFORMS: ReadonlySet<string> = new Set(['mastodon']);

export interface CorrectionTextOptions {
  /** The editor's words (`--text`); absent: the channel's correction template. */
  text?: string | undefined;
  /** `--edit`: the original post's text gets the correction appended (where the platform shows edits). */
  edit: boolean;
  channels: ReadonlyMap<string, ChannelRuntime>;
  /** The config's folder: `templates/<platform>-correction.hbs` there wins over the built-in one. */
  configDir: string;
  builtinDir: string;
  defaultLanguage: string;
}

/**
 * The words of a correction per post, fitted to its platform: the editor's `--text` as written
 * (measured by the platform's own rules and refused, not cut, when too long: a cut correction can
 * mislead), or `templates/<platform>-correction.hbs` rendered and fitted like a post (the
 * headline shortened before anything is refused).
 */
export function correctionTexts(article: Article, options: CorrectionTextOptions): CorrectionTexts {
  const engine = createTemplateEngine();
  const compiled = new Map<string, { file: string; render: RenderPost }>();
  const templateFor = (platform: string) => {
    const known = compiled.get(platform);
    if (known) return known;
    const name = `${platform}-correction.hbs`;
    const own = resolve(options.configDir, 'templates', name);
    const file = existsSync(own) ? own : resolve(options.builtinDir, name);
    const entry = { file, render: engine.compileFile(file) };
    compiled.set(platform, entry);
    return entry;
  };
  const text = options.text?.normalize('NFC').trim();

  return async (post: Delivery) => {
    const channel = options.channels.get(post.channelId);
    if (!channel) return { refused: `channel ${post.channelId} is no longer in the config` };
    const rules = await channel.textRules();
    let words: string;
    if (text !== undefined) {
      const bad = unpostableReason('correction', text);
      if (bad) return { refused: bad };
      const measure = rules.measure(text);
      if (!measure.fits) return { refused: `the correction is ${measure.length}/${rules.limit} ${rules.unit} on ${post.channelId}${measure.note ? ` (${measure.note})` : ''}: shorten --text` };
      words = text;
    } else {
      const template = templateFor(channel.platform.id);
      const set: TemplateSet = { forDelivery: () => template.render, pathFor: () => template.file };
      try {
        words = (await renderPost(article, channel, set, undefined, options.defaultLanguage)).text;
      } catch (error) {
        if (error instanceof FitError) return { refused: `${template.file}: ${error.message}` };
        throw error;
      }
    }
    if (!options.edit) return { text: words };
    return { text: words, edit: editedText(post, channel, rules.measure.bind(rules), text) };
  };
}

/** The original post's text with the correction appended, or why it cannot be edited. */
function editedText(post: Delivery, channel: ChannelRuntime, measure: (text: string) => { fits: boolean; length: number }, text: string | undefined): string | { refused: string } {
  if (!EDITABLE_PLATFORMS.has(channel.platform.id)) return { refused: `${channel.platform.label} shows no edit history: the correction is a reply only` };
  if (text === undefined) return { refused: '--edit appends the --text words to the post: give --text' };
  if (post.text === undefined) return { refused: `post ${post.id} has no recorded text to edit` };
  const edited = `${post.text}\n\n${text}`;
  const fits = measure(edited);
  return fits.fits ? edited : { refused: `the post with the correction appended would be ${fits.length} characters, over ${channel.config.id}'s limit: the correction is a reply only` };
}
