import { z } from 'zod';

/**
 * A title pattern is a JavaScript regular expression, written bare (`^Live:`) or as a literal
 * with flags (`/^live:/i`). `g` and `y` are refused: they make RegExp.test stateful, so the same
 * title would match on one article and not on the next.
 */
export function compileTitlePattern(pattern: string): RegExp {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  if (!literal) return new RegExp(pattern);
  const [, source = '', flags = ''] = literal;
  if (/[gy]/.test(flags)) throw new SyntaxError(`flags g and y are not allowed (got /${flags}); use i, m, s, u or v`);
  return new RegExp(source, flags);
}

const values = z.array(z.string().trim().min(1)).optional();

/**
 * One `include` or `exclude` block of a route. Every field is a list; a field matches when any
 * of its values does. Names are compared case-insensitively and exactly; keywords are
 * case-insensitive substrings of the title or the summary.
 */
export const routeFilterSchema = z
  .object({
    categories: values,
    tags: values,
    authors: values,
    /** Case-insensitive substrings of the title or the summary. */
    keywords: values,
    /** A JavaScript regular expression tested against the title: `^Live:` or `/^live:/i`. */
    titleMatches: z
      .string()
      .min(1)
      .superRefine((pattern, ctx) => {
        try {
          compileTitlePattern(pattern);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${error instanceof Error ? error.message : String(error)}` });
        }
      })
      .optional(),
    /** BCP 47 language ranges: `en` matches en, en-GB and en-US; `en-GB` matches only en-GB (RFC 4647 §3.3.1). */
    languages: z.array(z.string().regex(/^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/, 'a language tag such as en or pt-BR')).optional(),
  })
  .strict();

export type RouteFilter = z.output<typeof routeFilterSchema>;
