// Facet clicks edit the query text (so what is shown is always what is typed): add a field term,
// its negation, or take it away again.
import { regexTermAt } from '../../../shared/query-regex.js';

const BUILTIN_FIELDS = new Set(['level', 'logger', 'service', 'source', 'trace', 'span']);

/** A value as the query language reads it: quoted when it has spaces, parentheses or quotes. */
export function quoteValue(value: string): string {
  if (value !== '' && !/[\s()"\\]/.test(value) && !/^[<>=]/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `field:value` for a built-in field, `key:value` (or `@key:value`) for an attribute. */
export function fieldTerm(field: string, value: string, attribute = false): string {
  const name = attribute && BUILTIN_FIELDS.has(field.toLowerCase()) ? `@${field}` : field;
  const safeName = /^[@\w.-]+$/.test(name) ? name : quoteValue(name);
  return `${safeName}:${quoteValue(value)}`;
}

/** Whether a term starts at `i` (after whitespace or a parenthesis, or the `-` that excludes it). */
function termStarts(query: string, i: number): boolean {
  const before = (k: number): boolean => k < 0 || /[\s()]/.test(query[k]!);
  return before(i - 1) || (query[i - 1] === '-' && before(i - 2));
}

/** Split a query into its top-level terms, keeping quoted text, regexes and parentheses whole. */
export function splitTerms(query: string): string[] {
  const terms: string[] = [];
  let cur = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < query.length; i++) {
    const ch = query[i]!;
    if (quoted) {
      cur += ch;
      if (ch === '\\' && i + 1 < query.length) cur += query[++i];
      else if (ch === '"') quoted = false;
      continue;
    }
    // A regex is one term, its spaces and parentheses its own (read as the engine's lexer reads it).
    const regex = ch === '/' && termStarts(query, i) ? regexTermAt(query, i) : undefined;
    if (regex) {
      cur += query.slice(i, regex.end);
      i = regex.end - 1;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    if (/\s/.test(ch) && depth === 0) {
      if (cur) terms.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) terms.push(cur);
  return terms;
}

/**
 * Include (or with `exclude`, exclude) records with this term. Clicking the same facet again
 * takes the term away; clicking the opposite one swaps it. A query with a top-level OR is
 * wrapped in parentheses first so the new term applies to all of it.
 */
export function toggleTerm(query: string, term: string, exclude = false): string {
  const wanted = exclude ? `-${term}` : term;
  const opposite = exclude ? term : `-${term}`;
  const terms = splitTerms(query.trim());
  if (terms.includes(wanted)) return terms.filter((t) => t !== wanted).join(' ');
  if (terms.includes(opposite)) return terms.map((t) => (t === opposite ? wanted : t)).join(' ');
  if (terms.length === 0) return wanted;
  const base = terms.includes('OR') ? `(${terms.join(' ')})` : terms.join(' ');
  return `${base} ${wanted}`;
}

/** Whether the query has this term included (1), excluded (-1) or not at all (0). */
export function termState(query: string, term: string): 1 | -1 | 0 {
  const terms = splitTerms(query);
  if (terms.includes(term)) return 1;
  if (terms.includes(`-${term}`)) return -1;
  return 0;
}
