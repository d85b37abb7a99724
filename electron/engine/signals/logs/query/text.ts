// The JS twin of the logs_fts tokenizer (`unicode61 remove_diacritics 2 tokenchars '_'`), so the
// live tail's predicate finds exactly what the full-text index finds. SQLite's Unicode tables are
// older than Node's and fold differently (ς → σ, but ǡ stays), so instead of \p{…} classes the
// rules come from tables generated from SQLite itself (unicode61-tables.ts):
// - token characters: ASCII letters, digits and '_', and the non-ASCII ones in TOKEN_RANGES;
// - a character of CONTINUE_RANGES (combining diacritics) continues a token and is dropped, but
//   cannot start one;
// - each token character is folded (lower case, Latin diacritics removed) by FOLDS.
import { CONTINUE_RANGES, FOLDS, TOKEN_RANGES } from './unicode61-tables.js';

function decodeRanges(text: string): Uint32Array {
  const parts = text === '' ? [] : text.split(',');
  const out = new Uint32Array(parts.length * 2);
  parts.forEach((part, i) => {
    const [from, to] = part.split('-');
    const start = parseInt(from as string, 36);
    out[2 * i] = start;
    out[2 * i + 1] = to === undefined ? start : parseInt(to, 36);
  });
  return out;
}

function inRanges(ranges: Uint32Array, cp: number): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < (ranges[2 * mid] as number)) hi = mid - 1;
    else if (cp > (ranges[2 * mid + 1] as number)) lo = mid + 1;
    else return true;
  }
  return false;
}

let tables: { token: Uint32Array; cont: Uint32Array; folds: Map<number, string> } | undefined;

/** Decoded on first use: the renderer imports this module's siblings without needing the tables. */
function unicodeTables(): NonNullable<typeof tables> {
  if (!tables) {
    const folds = new Map<number, string>();
    for (const pair of FOLDS.split(',')) {
      const [cp, folded] = pair.split(':');
      folds.set(parseInt(cp as string, 36), String.fromCodePoint(...(folded as string).split('.').map((c) => parseInt(c, 36))));
    }
    tables = { token: decodeRanges(TOKEN_RANGES), cont: decodeRanges(CONTINUE_RANGES), folds };
  }
  return tables;
}

const enum CharClass {
  Separator,
  Token,
  Continue,
}

function isAsciiTokenChar(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
}

/** The index tokens of a text, as logs_fts stores them. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  const end = (): void => {
    if (inToken && current !== '') tokens.push(current);
    current = '';
    inToken = false;
  };
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    if (cp < 0x80) {
      if (isAsciiTokenChar(cp)) {
        current += cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : String.fromCharCode(cp);
        inToken = true;
      } else end();
      continue;
    }
    const t = unicodeTables();
    const cls = inRanges(t.token, cp) ? CharClass.Token : inRanges(t.cont, cp) ? CharClass.Continue : CharClass.Separator;
    if (cls === CharClass.Token) {
      current += t.folds.get(cp) ?? String.fromCodePoint(cp);
      inToken = true;
    } else if (cls === CharClass.Separator || !inToken) end();
  }
  end();
  return tokens;
}

function collectLeaves(value: unknown, out: string[]): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) collectLeaves(v, out);
  else if (typeof value === 'object') for (const v of Object.values(value)) collectLeaves(v, out);
}

/**
 * The text the writer puts in logs_fts.attrs for a record's attributes: every leaf value (nested
 * objects and arrays flattened in order; keys and nulls left out) joined by single spaces. The
 * live-tail predicate rebuilds it from the JSON column, so writer and predicate must share this.
 */
export function attributesSearchText(attributes: unknown): string {
  if (!attributes) return '';
  const leaves: string[] = [];
  collectLeaves(attributes, leaves);
  return leaves.join(' ');
}

/** True when `tokens` occur consecutively in `haystack`, the last one possibly as a prefix. */
export function containsTokenRun(haystack: readonly string[], tokens: readonly string[], prefix: boolean): boolean {
  const n = tokens.length;
  if (n === 0) return true;
  const last = n - 1;
  outer: for (let i = 0; i + n <= haystack.length; i++) {
    for (let j = 0; j < n; j++) {
      const have = haystack[i + j] as string;
      const want = tokens[j] as string;
      if (j === last && prefix ? !have.startsWith(want) : have !== want) continue outer;
    }
    return true;
  }
  return false;
}

/** Lower-case A–Z only, as SQLite's lower() and NOCASE do without ICU. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}
