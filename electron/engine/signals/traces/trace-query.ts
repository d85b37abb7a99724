// The `q` of a trace search: space-separated terms, all of which a span of the trace must match.
//   http.route:/users/{id}             an attribute of the span (or of its resource) equals the text
//   http.response.status_code:>=500    numeric comparison (>, >=, <, <=, =)
//   db.system:*                        the attribute is present
//   service:checkout  operation:"GET /"  kind:server  status:error   built-in fields
//   checkout                           a bare word: the span name contains it (any case)
// Values with spaces go in double quotes. The text is split by the search language's lexer
// (signals/logs/query/lexer.ts: the same quotes, escapes, field names and comparisons as the Logs view);
// mistakes are QuerySyntaxErrors that point at the term. Terms compile to SQL over
// `spans s LEFT JOIN resources r`.
import { BadRequestError } from '../../core/errors.js';
import { lex, type RawTerm } from '../logs/query/lexer.js';
import { QuerySyntaxError } from '../logs/query/errors.js';

export interface SqlCondition {
  sql: string;
  params: unknown[];
  /** The condition reads resource attributes (needs the join). */
  needsResource: boolean;
}

const KINDS: Record<string, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUSES: Record<string, number> = { unset: 0, ok: 1, error: 2 };
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export function compileTraceQuery(q: string): SqlCondition[] {
  return lex(q).map((token) => {
    const text = q.slice(token.pos, token.pos + token.length);
    const unsupported = (what: string): QuerySyntaxError => new QuerySyntaxError(`"${text}": ${what}`, token.pos, token.length);
    if (token.type !== 'term') throw unsupported('a trace search has no OR, NOT, - or parentheses; every term must hold.');
    if (token.term.kind === 'regex') throw unsupported('a trace search has no regexes; put the text in quotes to find it in span names.');
    return compileTerm(token.term, token.pos, token.length);
  });
}

function compileTerm(term: Exclude<RawTerm, { kind: 'regex' }>, pos: number, length: number): SqlCondition {
  if (term.kind !== 'field') return { sql: "s.name LIKE ? ESCAPE '\\'", params: [`%${likeEscape(term.text)}%`], needsResource: false };
  const { name: key, op, value } = term;
  const badValue = (message: string): QuerySyntaxError => new QuerySyntaxError(message, term.valuePos, term.valueLength);
  switch (key.toLowerCase()) {
    case 'service':
      return { sql: 's.service = ?', params: [value], needsResource: false };
    case 'operation':
    case 'name':
      return { sql: 's.name = ?', params: [value], needsResource: false };
    case 'kind': {
      const kind = KINDS[value.toLowerCase()];
      if (kind === undefined) throw badValue(`kind "${value}" is not one of ${Object.keys(KINDS).join(', ')}`);
      return { sql: 's.kind = ?', params: [kind], needsResource: false };
    }
    case 'status': {
      const code = STATUSES[value.toLowerCase()];
      if (code === undefined) throw badValue(`status "${value}" is not one of unset, ok, error`);
      return { sql: 's.status_code = ?', params: [code], needsResource: false };
    }
  }
  const path = `$."${key}"`;
  // The span's own attribute wins over its resource's of the same name.
  const expr = 'coalesce(json_extract(s.attributes, ?), json_extract(r.attributes, ?))';
  if (op !== null) {
    if (!NUMBER.test(value)) throw new QuerySyntaxError(`${key}:${op} needs a number`, pos, length);
    return {
      sql: `(CASE WHEN typeof(${expr}) IN ('integer', 'real') OR ${expr} GLOB '*[0-9]*' THEN CAST(${expr} AS REAL) ${op} ? ELSE 0 END)`,
      params: [path, path, path, path, path, path, Number(value)],
      needsResource: true,
    };
  }
  if (value === '*' && !term.quoted) return { sql: `${expr} IS NOT NULL`, params: [path, path], needsResource: true };
  // 42 finds the number 42 and the text "42", as in the logs' search.
  if (NUMBER.test(value)) return { sql: `${expr} IN (?, ?)`, params: [path, path, Number(value), value], needsResource: true };
  if (value === 'true' || value === 'false')
    return { sql: `${expr} IN (?, ?)`, params: [path, path, value === 'true' ? 1 : 0, value], needsResource: true };
  return { sql: `${expr} = ?`, params: [path, path, value], needsResource: true };
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Durations of the search form: 250ms, 1.5s, 300us, 2m; a bare number is milliseconds. */
export function parseDurationUs(text: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new BadRequestError(`${name}: "${text}" is not a duration (e.g. 250ms, 1.5s)`);
  const scale: Record<string, number> = { us: 1, µs: 1, ms: 1000, s: 1e6, m: 6e7, h: 3.6e9 };
  return Math.round(Number(m[1]) * (scale[m[2] ?? 'ms'] ?? 1000));
}
