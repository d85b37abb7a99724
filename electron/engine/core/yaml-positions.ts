// YAML a user edits by hand (probes.yml, alertmanager.yml), parsed so that every mistake can be
// pointed at by line:column: the first syntax error's place, and the place of any path in the
// document (the deepest node of the path that exists: a missing field is reported where its
// parent is).
import { LineCounter, parseDocument, type Document } from 'yaml';

export type YamlPath = (string | number)[];

export interface YamlPosition {
  line: number;
  col: number;
}

export interface PositionedYaml {
  doc: Document.Parsed;
  /** The first syntax error (its message's first line), or null when the text parsed. */
  syntaxError: (YamlPosition & { message: string }) | null;
  positionOf(path: YamlPath): YamlPosition;
}

export function parseYamlWithPositions(text: string, options: { prettyErrors: boolean; uniqueKeys?: boolean }): PositionedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, ...options });
  const first = doc.errors[0];
  const at = first?.linePos?.[0] ?? { line: 1, col: 1 };
  return {
    doc,
    syntaxError: first ? { line: at.line, col: at.col, message: first.message.split('\n')[0]! } : null,
    positionOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node?.range) return lineCounter.linePos(node.range[0]);
      }
      return { line: 1, col: 1 };
    },
  };
}
