// What a search looks for, to mark it in the rows and the detail panel: its words (at the start
// of a word, as the search matches them), phrases, and field values. Excluded terms and regexes
// are not marked: a user's regex never runs in the renderer (it could backtrack for minutes); the
// marks come from one pattern built of escaped plain text, which cannot.
import { splitTerms } from './query-edit.js';

export interface SearchTerms {
  /** Bare words: marked where a word starts with them. */
  words: string[];
  /** Quoted phrases: marked wherever they occur. */
  phrases: string[];
  /** `key:value` terms (attributes and built-in fields), by key. */
  fields: Map<string, string[]>;
}

/** No more terms than this are marked (a pasted essay is not a search). */
const MAX_TERMS = 32;
const OPERATORS = new Set(['AND', 'OR', 'NOT']);
/** A field term as the query language reads it: `key:value`, `key:"quoted value"`, `@key:…`. */
const FIELD_RE = /^@?([\p{L}_][\p{L}\p{N}_.-]*):(.*)$/su;

function unquote(text: string): string | undefined {
  if (!text.startsWith('"')) return text;
  if (text.length < 2 || !text.endsWith('"')) return undefined;
  return text.slice(1, -1).replace(/\\(["\\])/g, '$1');
}

/** The plain terms a search includes (top level and inside its parentheses, not after `-` or NOT). */
export function searchTerms(query: string): SearchTerms {
  const out: SearchTerms = { words: [], phrases: [], fields: new Map() };
  let count = 0;
  const visit = (text: string): void => {
    let negated = false;
    for (const term of splitTerms(text)) {
      if (count >= MAX_TERMS) return;
      if (term === 'NOT') {
        negated = true;
        continue;
      }
      const skip = negated || term.startsWith('-');
      negated = false;
      if (skip || OPERATORS.has(term)) continue;
      if (term.startsWith('(') && term.endsWith(')')) {
        visit(term.slice(1, -1));
        continue;
      }
      // A regex is left alone (see above).
      if (/^\/.+\/[imsu]*$/.test(term)) continue;
      const field = FIELD_RE.exec(term);
      if (field && !field[2]!.startsWith('//')) {
        const value = unquote(field[2]!);
        // Comparisons, patterns and "has this field" say nothing to mark.
        if (value === undefined || value === '' || /^[<>=]/.test(value) || value.includes('*')) continue;
        const key = field[1]!;
        out.fields.set(key, [...(out.fields.get(key) ?? []), value]);
        count++;
        continue;
      }
      const phrase = term.startsWith('"') ? unquote(term) : undefined;
      if (phrase !== undefined) {
        if (phrase.trim()) out.phrases.push(phrase);
      } else if (/[\p{L}\p{N}]/u.test(term)) out.words.push(term);
      else continue;
      count++;
    }
  };
  visit(query);
  return out;
}

/**
 * Text as a literal in the `u` pattern below: only the characters with a meaning there are escaped
 * (`\-` is a syntax error with `u`: a word like `db-01` made the pattern, and the whole list, fail).
 */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** One pattern for the words and phrases (case-insensitive), or null when there is nothing to mark. */
export function textPattern(terms: SearchTerms): RegExp | null {
  const parts: string[] = [];
  const words = terms.words.map(escape).sort((a, b) => b.length - a.length);
  if (words.length) parts.push(`(?<![\\p{L}\\p{N}_])(?:${words.join('|')})`);
  for (const p of terms.phrases) parts.push(escape(p));
  return parts.length ? new RegExp(parts.join('|'), 'giu') : null;
}

export interface Piece {
  text: string;
  mark: boolean;
}

/** Text cut into marked and unmarked pieces. */
export function markPieces(text: string, pattern: RegExp | null): Piece[] {
  if (!pattern || text === '') return [{ text, mark: false }];
  const pieces: Piece[] = [];
  let at = 0;
  for (const m of text.matchAll(pattern)) {
    if (m[0] === '') continue;
    if (m.index > at) pieces.push({ text: text.slice(at, m.index), mark: false });
    pieces.push({ text: m[0], mark: true });
    at = m.index + m[0].length;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), mark: false });
  return pieces;
}

/** Whether a field's value is one the search names (`user_id:42` marks user_id=42). */
export function fieldMatches(terms: SearchTerms, key: string, value: unknown): boolean {
  const wanted = terms.fields.get(key) ?? terms.fields.get(key.toLowerCase());
  if (!wanted || value === null || typeof value === 'object') return false;
  const text = String(value);
  return wanted.some((w) => w === text || (typeof value === 'number' && Number(w) === value));
}
