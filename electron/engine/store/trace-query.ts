// The `q` of a trace search: space-separated terms, all of which a span of the trace must match.
//   http.route:/users/{id}             an attribute of the span (or of its resource) equals the text
//   http.response.status_code:>=500    numeric comparison (>, >=, <, <=, =)
//   db.system:*                        the attribute is present
//   service:checkout  operation:"GET /"  kind:server  status:error   built-in fields
//   checkout                           a bare word: the span name contains it (any case)
// Values with spaces go in double quotes. Terms compile to SQL over `spans s LEFT JOIN resources r`.
import { BadRequestError } from '../core/errors.js';

export interface SqlCondition {
  sql: string;
  params: unknown[];
  /** The condition reads resource attributes (needs the join). */
  needsResource: boolean;
}

const KINDS: Record<string, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUSES: Record<string, number> = { unset: 0, ok: 1, error: 2 };
const COMPARISON = /^(>=|<=|>|<|=)(.*)$/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export function tokenize(q: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < q.length) {
    while (i < q.length && /\s/.test(q[i]!)) i++;
    if (i >= q.length) break;
    let token = '';
    while (i < q.length && !/\s/.test(q[i]!)) {
      if (q[i] === '"') {
        const close = q.indexOf('"', i + 1);
        if (close < 0) throw new BadRequestError('q: a quote is not closed');
        token += q.slice(i + 1, close);
        i = close + 1;
      } else token += q[i++];
    }
    out.push(token);
  }
  return out;
}

export function compileTraceQuery(q: string): SqlCondition[] {
  return tokenize(q).map(compileTerm);
}

function compileTerm(term: string): SqlCondition {
  const colon = term.indexOf(':');
  if (colon <= 0) return { sql: 's.name LIKE ? ESCAPE \'\\\'', params: [`%${likeEscape(term)}%`], needsResource: false };
  const key = term.slice(0, colon);
  const value = term.slice(colon + 1);
  switch (key.toLowerCase()) {
    case 'service':
      return { sql: 's.service = ?', params: [value], needsResource: false };
    case 'operation':
    case 'name':
      return { sql: 's.name = ?', params: [value], needsResource: false };
    case 'kind': {
      const kind = KINDS[value.toLowerCase()];
      if (kind === undefined) throw new BadRequestError(`q: kind "${value}" is not one of ${Object.keys(KINDS).join(', ')}`);
      return { sql: 's.kind = ?', params: [kind], needsResource: false };
    }
    case 'status': {
      const code = STATUSES[value.toLowerCase()];
      if (code === undefined) throw new BadRequestError(`q: status "${value}" is not one of unset, ok, error`);
      return { sql: 's.status_code = ?', params: [code], needsResource: false };
    }
  }
  if (key.includes('"')) throw new BadRequestError('q: an attribute name cannot contain a quote');
  const path = `$."${key}"`;
  // The span's own attribute wins over its resource's of the same name.
  const expr = 'coalesce(json_extract(s.attributes, ?), json_extract(r.attributes, ?))';
  if (value === '*') return { sql: `${expr} IS NOT NULL`, params: [path, path], needsResource: true };
  const cmp = COMPARISON.exec(value);
  if (cmp) {
    const op = cmp[1]!;
    const operand = cmp[2]!;
    if (!NUMBER.test(operand)) throw new BadRequestError(`q: "${term}": ${op} needs a number`);
    return {
      sql: `(CASE WHEN typeof(${expr}) IN ('integer', 'real') OR ${expr} GLOB '*[0-9]*' THEN CAST(${expr} AS REAL) ${op} ? ELSE 0 END)`,
      params: [path, path, path, path, path, path, Number(operand)],
      needsResource: true,
    };
  }
  // 42 finds the number 42 and the text "42", as in the logs' search.
  if (NUMBER.test(value)) return { sql: `${expr} IN (?, ?)`, params: [path, path, Number(value), value], needsResource: true };
  if (value === 'true' || value === 'false') return { sql: `${expr} IN (?, ?)`, params: [path, path, value === 'true' ? 1 : 0, value], needsResource: true };
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
