import { isNode, LineCounter, parseDocument, type Document } from 'yaml';

/** A parsed YAML file that can say on which line a value stands, for error messages. */
export interface LocatedYaml {
  value: unknown;
  lineOf(path: readonly PropertyKey[]): number | undefined;
  errors: { message: string; line: number | undefined }[];
}

export function parseLocatedYaml(text: string): LocatedYaml {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false });
  return {
    value: doc.toJS(),
    errors: doc.errors.map((e) => ({
      message: e.message.split('\n')[0] ?? e.message,
      line: lineCounter.linePos(e.pos[0]).line,
    })),
    lineOf(path) {
      // Walk up until a node exists: a missing key is reported at its parent.
      for (let depth = path.length; depth >= 0; depth -= 1) {
        const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}
