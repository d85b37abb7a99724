// Splits a search into tokens with their positions: parentheses, OR/AND, the '-' or NOT of an
// exclusion, and terms (words, "phrases", /regexes/, field:values). Only this file knows the
// surface syntax; the parser sees decoded values.
import type { CompareOp } from './ast.js';
import { QuerySyntaxError } from './errors.js';
import { cachedRegex, RegexRefusal } from './regex.js';
import { regexTermAt } from '../../../../../shared/query-regex.js';

export type RawTerm =
  | { kind: 'word'; text: string }
  | { kind: 'phrase'; text: string }
  | { kind: 'regex'; source: string; flags: string }
  | { kind: 'field'; name: string; op: CompareOp | null; value: string; quoted: boolean; valuePos: number; valueLength: number };

export type Token =
  | { type: 'lparen' | 'rparen' | 'or' | 'and' | 'neg'; pos: number; length: number }
  | { type: 'term'; term: RawTerm; pos: number; length: number };

/** Attribute keys and built-in names: `user_id`, `http.route`, `x-request-id`, `@level`. */
const FIELD_NAME_RE = /^@?[\p{L}_][\p{L}\p{N}_.-]*$/u;
const WHITESPACE_RE = /\s/;
const SUPPORTED_REGEX_FLAGS = 'imsu';
const COMPARE_OPS: readonly CompareOp[] = ['>=', '<=', '>', '<', '='];

function isSpace(ch: string | undefined): boolean {
  return ch !== undefined && WHITESPACE_RE.test(ch);
}

/** A word ends at whitespace or a parenthesis. */
function isWordEnd(ch: string | undefined): boolean {
  return ch === undefined || ch === '(' || ch === ')' || isSpace(ch);
}

/** Reads "…" starting at the quote; `\"` and `\\` are the only escapes (so C:\Users stays as typed). */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
      value += text[i + 1];
      i += 2;
    } else if (ch === '"') {
      return { value, end: i + 1 };
    } else {
      value += ch;
      i++;
    }
  }
  throw new QuerySyntaxError('This quote is never closed: add a " at the end of the text.', start, text.length - start);
}

/**
 * A `/regex/flags` at `start`, or undefined when the slashes do not make one (`/api/users` is a
 * word: a regex must end at its closing slash and flags, before whitespace, ')' or the end).
 */
function readRegex(text: string, start: number): { term: RawTerm; end: number } | undefined {
  const at = regexTermAt(text, start);
  if (!at) return undefined;
  const { close: i, end } = at;
  const source = text.slice(start + 1, i);
  const flags = text.slice(i + 1, end);
  for (let f = 0; f < flags.length; f++) {
    const flag = flags[f] as string;
    if (!SUPPORTED_REGEX_FLAGS.includes(flag) || flags.indexOf(flag) !== f) {
      throw new QuerySyntaxError(
        `The regex flag "${flag}" is not supported here: use i (ignore case), m, s or u, each once.`,
        i + 1 + f,
        1,
      );
    }
  }
  try {
    cachedRegex(source, flags);
  } catch (e) {
    if (!(e instanceof RegexRefusal)) throw e;
    // Underline the construct itself when there is one, else the whole regex.
    const whole = e.length >= source.length;
    throw new QuerySyntaxError(e.message, whole ? start : start + 1 + e.offset, whole ? end - start : Math.max(1, e.length));
  }
  return { term: { kind: 'regex', source, flags }, end };
}

function readField(text: string, start: number, colon: number): { term: RawTerm; end: number } {
  const name = text.slice(start, colon);
  let i = colon + 1;
  let op: CompareOp | null = null;
  for (const candidate of COMPARE_OPS) {
    if (text.startsWith(candidate, i)) {
      op = candidate;
      i += candidate.length;
      break;
    }
  }
  if (text[i] === '"') {
    const { value, end } = readQuoted(text, i);
    return { term: { kind: 'field', name, op, value, quoted: true, valuePos: i, valueLength: end - i }, end };
  }
  let end = i;
  while (!isWordEnd(text[end])) end++;
  if (end === i) {
    throw new QuerySyntaxError(
      `"${text.slice(start, i)}" needs a value right after it, e.g. ${name}:something (or ${name}:* for "has ${name}").`,
      start,
      i - start,
    );
  }
  return { term: { kind: 'field', name, op, value: text.slice(i, end), quoted: false, valuePos: i, valueLength: end - i }, end };
}

/** A word, or a field:value when the text before the first ':' is a field name. */
function readWordOrField(text: string, start: number): { term: RawTerm | 'or' | 'and' | 'neg'; end: number } {
  let end = start;
  while (!isWordEnd(text[end])) {
    if (text[end] === ':') {
      const name = text.slice(start, end);
      // `https://…` is a URL, not the field "https".
      if (FIELD_NAME_RE.test(name) && !name.endsWith('.') && !text.startsWith('//', end + 1)) {
        return readField(text, start, end);
      }
      while (!isWordEnd(text[end])) end++;
      break;
    }
    end++;
  }
  const word = text.slice(start, end);
  if (word === 'OR') return { term: 'or', end };
  if (word === 'AND') return { term: 'and', end };
  // `NOT x` is `-x`, as in Lucene, Kibana and Datadog; lower-case `not` stays a word.
  if (word === 'NOT') return { term: 'neg', end };
  return { term: { kind: 'word', text: word }, end };
}

export function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (isSpace(ch)) {
      i++;
      continue;
    }
    if (ch === '(' || ch === ')') {
      tokens.push({ type: ch === '(' ? 'lparen' : 'rparen', pos: i, length: 1 });
      i++;
      continue;
    }
    // '-' right before a term or '(' excludes it; a lone '-' is just a word.
    const next = text[i + 1];
    if (ch === '-' && next !== undefined && next !== ')' && !isSpace(next)) {
      tokens.push({ type: 'neg', pos: i, length: 1 });
      i++;
      continue;
    }
    if (ch === '"') {
      const { value, end } = readQuoted(text, i);
      tokens.push({ type: 'term', term: { kind: 'phrase', text: value }, pos: i, length: end - i });
      i = end;
      continue;
    }
    if (ch === '/') {
      const regex = readRegex(text, i);
      if (regex) {
        tokens.push({ type: 'term', term: regex.term, pos: i, length: regex.end - i });
        i = regex.end;
        continue;
      }
    }
    const { term, end } = readWordOrField(text, i);
    if (term === 'or' || term === 'and' || term === 'neg') tokens.push({ type: term, pos: i, length: end - i });
    else tokens.push({ type: 'term', term, pos: i, length: end - i });
    i = end;
  }
  return tokens;
}
