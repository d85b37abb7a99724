// What a search's matches must contain as raw bytes: the literal words a scan of a file's bytes not
// yet read into the store looks for before parsing anything (ingest/files/unread-scan.ts). A record
// matches the search only if its text holds at least one of the needles, so the scan parses just
// the records around them; the search's own predicate then decides.
import type { QueryAst } from './ast.js';

/** A literal the record's raw text must hold: ASCII letters compared case-insensitively when `caseless`. */
export interface Needle {
  text: string;
  caseless: boolean;
}

/** An index token the raw bytes hold as is (case aside): ASCII letters, digits and '_'. */
const ASCII_TOKEN = /^[a-z0-9_]+$/;

/**
 * Needles of which every match of the search holds at least one, or null when the search can't be
 * narrowed so (no words, or only words with letters beyond ASCII: `ß` also matches `SS`, which raw
 * bytes don't show). One limit stays: the index drops accents, so `cafe` matches a `café` that
 * these needles miss (README, *Lines not read yet*).
 */
export function literalNeedles(ast: QueryAst): Needle[] | null {
  switch (ast.kind) {
    case 'text': {
      // Any one token of the phrase is in the text: the longest is the rarest guess.
      const ascii = ast.tokens.filter((t) => ASCII_TOKEN.test(t));
      if (ascii.length === 0) return null;
      const longest = ascii.reduce((a, b) => (b.length > a.length ? b : a));
      return [{ text: longest, caseless: true }];
    }
    case 'substring':
      return ast.value === '' ? null : [{ text: ast.value, caseless: false }];
    case 'and': {
      // Each child must match: any child's needles will do; the fewest, then the longest, narrow most.
      let best: Needle[] | null = null;
      for (const child of ast.children) {
        const n = literalNeedles(child);
        if (n && (!best || n.length < best.length || (n.length === best.length && shortest(n) > shortest(best)))) best = n;
      }
      return best;
    }
    case 'or': {
      // One of the children matches: each must have needles, and any of theirs may be the one.
      const all: Needle[] = [];
      for (const child of ast.children) {
        const n = literalNeedles(child);
        if (!n) return null;
        all.push(...n);
      }
      return all.length > 0 ? all : null;
    }
    default:
      return null;
  }
}

function shortest(needles: Needle[]): number {
  return Math.min(...needles.map((n) => n.text.length));
}
