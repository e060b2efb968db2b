import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import { hashtagsFrom, type HashtagOptions } from './hashtags.js';
import { truncateGraphemes } from './cut-text.js';
import type { TemplateContext } from './context.js';

/** Knobs the fitter turns when a post is too long; templates never see them as fields. */
export interface RenderControls {
  dropHashtags: boolean;
  /** The channel's `hashtags:` options (map, stop list, maximum length), applied by {{hashtags}}. */
  hashtags?: HashtagOptions | undefined;
}

export type RenderPost = (context: TemplateContext, controls?: RenderControls) => string;

export class TemplateError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`template ${file}: ${message}`);
    this.name = 'TemplateError';
  }
}

/**
 * One Handlebars environment per Crier instance (no global helper registry), plain-text output
 * (noEscape: posts are not HTML), and strict lookups so a misspelt field is an error.
 */
export function createTemplateEngine(): { compileFile(file: string): RenderPost; compile(source: string, file: string): RenderPost } {
  // Loaded by the first engine, not by every module that reaches this one (a command that renders nothing never pays for it).
  const hbs = (createRequire(import.meta.url)('handlebars') as typeof Handlebars).create();

  hbs.registerHelper('hashtags', function (this: unknown, ...args: unknown[]) {
    const options = args.pop() as Handlebars.HelperOptions;
    const data = options.data as Partial<RenderControls> | undefined;
    if (data?.dropHashtags) return '';
    const max = typeof options.hash.max === 'number' ? options.hash.max : 3;
    const lists = args.filter((a): a is string[] => Array.isArray(a));
    const tags = hashtagsFrom(lists, max, data?.hashtags).join(' ');
    // `after=" "` separates the tags from what follows on their line only when there are tags,
    // so "{{hashtags … after=" "}}{{url}}" never starts a line with a space.
    const after = typeof options.hash.after === 'string' ? options.hash.after : '';
    return tags === '' ? '' : `${tags}${after}`;
  });
  hbs.registerHelper('truncate', (text: unknown, max: unknown) =>
    typeof text === 'string' && typeof max === 'number' ? truncateGraphemes(text, max) : '',
  );
  hbs.registerHelper('join', (list: unknown, separator: unknown) =>
    Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ', ') : '',
  );

  function compile(source: string, file: string): RenderPost {
    try {
      hbs.parse(source); // compile() is lazy; parse now so syntax errors surface at load time
    } catch (error) {
      throw new TemplateError(file, firstLine(error));
    }
    const template = hbs.compile<TemplateContext>(source, { noEscape: true, strict: true });
    return (context, controls = { dropHashtags: false }) => {
      try {
        return tidy(template(context, { data: controls }));
      } catch (error) {
        throw new TemplateError(file, firstLine(error));
      }
    };
  }

  return {
    compile,
    compileFile(file) {
      let source: string;
      try {
        source = readFileSync(file, 'utf8');
      } catch {
        throw new TemplateError(file, 'file not found or unreadable');
      }
      return compile(source, file);
    },
  };
}

/**
 * Empty optional parts (no summary, no hashtags) must not leave blank lines or stray spaces: no
 * line of a post starts or ends with whitespace, two spaces are one, and blank lines left by
 * empty blocks collapse to one. Tabs and carriage returns (a template saved on Windows) are
 * folded, so the only control character a post carries is its line feeds (unpostable.ts).
 */
function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * What went wrong, with the template's line when Handlebars knows it, in words an admin can act
 * on: Handlebars' own strict-mode message names the context as `[object Object]`.
 */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const undefinedField = /^"([^"]+)" not defined in .* - (\d+):(\d+)$/.exec(message);
  if (undefinedField) {
    return `line ${undefinedField[2]}, column ${Number(undefinedField[3]) + 1}: {{${undefinedField[1]}}} is not a field a template can use (misspelt? see README "Templates")`;
  }
  const parse = /^Parse error on line (\d+):/.exec(message);
  if (parse) {
    const expecting = message.split('\n').find((l) => l.startsWith('Expecting'));
    return `line ${parse[1]}: syntax error${expecting ? ` (${expecting.replace(/\s+/g, ' ')})` : ''}`;
  }
  const lookupIn = /Cannot use 'in' operator to search for '([^']+)'/.exec(message) ?? /Cannot read properties of \w+ \(reading '([^']+)'\)/.exec(message);
  if (lookupIn) return `{{…${lookupIn[1]}}} looks inside something that is not an object (misspelt path? see README "Templates")`;
  return message
    .split('\n')
    .filter((l) => l.trim() && !/^[-^\s.]+$/.test(l))
    .slice(0, 2)
    .join(': ')
    .replace(/\s+/g, ' ')
    .replace(/\[object Object\]/g, 'the template context');
}
