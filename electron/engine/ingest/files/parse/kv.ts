// key=value text: logfmt (double quotes, backslash escapes) and Python-repr pairs (structlog's
// KeyValueRenderer: 'single' or "double" quoted reprs).
import { coerceScalar } from './fields.js';

export interface KvPair {
  key: string;
  value: string;
  quoted: boolean;
}

function isKeyChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 46 ||
    c === 45 ||
    c === 64 ||
    c === 47 ||
    c === 91 ||
    c === 93
  );
}

/**
 * Parse `key=value key2="quoted value" flag` pairs. Quoted values may contain newlines (a folded
 * record re-read whole). Returns undefined when some token is neither a pair nor a bare key.
 * Python-repr mode accepts 'single' quotes and unescapes Python's repr escapes.
 */
export function parseKv(text: string, pythonRepr = false): KvPair[] | undefined {
  const pairs: KvPair[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && isKeyChar(text.charCodeAt(i))) i++;
    if (i === keyStart) return undefined;
    const key = text.slice(keyStart, i);
    const c = text.charCodeAt(i);
    if (i >= n || c === 32 || c === 9) {
      // logfmt bare key means true
      pairs.push({ key, value: 'true', quoted: false });
      continue;
    }
    if (c !== 61 /* = */) return undefined;
    i++;
    const q = text.charCodeAt(i);
    if (q === 34 || (pythonRepr && q === 39)) {
      let value = '';
      let j = i + 1;
      let segStart = j;
      let closed = false;
      while (j < n) {
        const cj = text.charCodeAt(j);
        if (cj === 92 /* \ */ && j + 1 < n) {
          value += text.slice(segStart, j) + unescapeChar(text.charCodeAt(j + 1));
          j += 2;
          segStart = j;
          continue;
        }
        if (cj === q) {
          closed = true;
          break;
        }
        j++;
      }
      value += text.slice(segStart, j);
      pairs.push({ key, value, quoted: true });
      i = closed ? j + 1 : n;
      continue;
    }
    if (pythonRepr && (q === 123 /* { */ || q === 91 /* [ */ || q === 40) /* ( */) {
      // A repr of a dict/list/tuple: take up to the matching bracket, quotes respected.
      const end = matchBracket(text, i);
      pairs.push({ key, value: text.slice(i, end), quoted: false });
      i = end;
      continue;
    }
    const valStart = i;
    while (i < n && text.charCodeAt(i) !== 32 && text.charCodeAt(i) !== 9) i++;
    pairs.push({ key, value: text.slice(valStart, i), quoted: false });
  }
  return pairs;
}

function unescapeChar(c: number): string {
  switch (c) {
    case 110:
      return '\n';
    case 116:
      return '\t';
    case 114:
      return '\r';
    default:
      return String.fromCharCode(c);
  }
}

function matchBracket(text: string, start: number): number {
  let depth = 0;
  let quote = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === 92) i++;
      else if (c === quote) quote = 0;
      continue;
    }
    if (c === 39 || c === 34) quote = c;
    else if (c === 123 || c === 91 || c === 40) depth++;
    else if (c === 125 || c === 93 || c === 41) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

/** A pair's value as an attribute: numbers and Python/logfmt booleans typed, None/empty as null. */
export function kvValue(p: KvPair): unknown {
  if (p.quoted) return p.value;
  const v = p.value;
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  if (v === 'None' || v === 'null' || v === '') return null;
  return coerceScalar(v);
}
