// QueryAst → SQL over `logs l` (and the full-text index's parts, FTS_PART: fts-parts.ts). The top-level full-text part becomes one
// FTS5 MATCH expression, so the caller can walk the index in rowid order (newest first without a
// sort: on 10M rows 0.3 ms, where ORDER BY ts took 2 s); every other condition lands in `where`.
//
// Agreement with compile-predicate.ts is the contract, so every condition here is written to be
// exact rather than clever: no LIKE deciding a match (ASCII case folding; a regex's prefilter only),
// no NULL-valued outcomes under NOT.
import { attributeJsonPaths, NUMBER_VALUE_RE, NUMERIC_TEXT_RE } from './attributes.js';
import type { QueryAst, ValueMatch } from './ast.js';
import { globContaining, toSqliteGlob } from './glob.js';
import { levelRangeSql } from './levels.js';
import { plainText, plainTextPrefilter } from './regex.js';
import { asciiLower } from './text.js';
import { FTS_PART } from '../fts-parts.js';

export interface CompiledSql {
  /**
   * An FTS5 expression for `<part> MATCH ?` (bound before `params`), or null when the query has
   * no top-level full-text part and the caller should scan `logs l` alone.
   */
  fts: string | null;
  /** A condition over `logs l`; '1' when there is nothing else to check. */
  where: string;
  /** Values for the `?` in `where`, in order. */
  params: unknown[];
}

export interface CompileSqlOptions {
  /** The alias of the logs table in the caller's statement (default 'l'). */
  alias?: string;
  /** The index's words for a prefix term (see PrefixExpander); without it, FTS5's prefix query. */
  expandPrefix?: PrefixExpander;
}

/**
 * The words of the full-text index, other than `word` itself, that start with `word` (`timeout` →
 * `timeouts`), or null to leave the prefix to FTS5. FTS5 answers `"timeout"*` by merging the
 * whole doclist of every such word before the first row (0.3 s for a word in 1 of 11 of 10M
 * records, whatever the time range), and `"timeout" OR "timeouts"` by walking them newest first
 * (~1 ms for a page).
 */
export type PrefixExpander = (word: string) => string[] | null;

const quote = (t: string): string => t.replace(/"/g, '""');

/**
 * The index's columns a search reads: its words are in a record's message and attribute values,
 * never in the `tags` column (the level words the histogram counts by: fts-index.ts).
 */
const USER_COLUMNS = '{message attrs}';

/** An FTS5 expression (ftsExpression's) read over the user's columns only. */
export function inUserColumns(expr: string): string {
  return `${USER_COLUMNS} : (${expr})`;
}

/** An FTS5 string: every token quoted (inner quotes doubled), the last one a prefix when asked. */
function ftsPhrase(tokens: readonly string[], prefix: boolean, expand: PrefixExpander | undefined): string {
  const phrase = `"${tokens.map(quote).join(' ')}"`;
  if (!prefix) return phrase;
  const last = tokens[tokens.length - 1];
  const others = expand && last !== undefined ? expand(last) : null;
  if (others === null) return `${phrase}*`;
  if (others.length === 0) return phrase;
  const head = tokens.slice(0, -1).map(quote);
  return `(${[phrase, ...others.map((w) => `"${[...head, quote(w)].join(' ')}"`)].join(' OR ')})`;
}

/**
 * The FTS5 expression of a subtree made only of full-text terms, or null. FTS5 has no unary NOT
 * (`a NOT b` only), so an exclusion fits only beside at least one positive term of the same AND.
 */
export function ftsExpression(ast: QueryAst, expand?: PrefixExpander): string | null {
  switch (ast.kind) {
    case 'text':
      return ftsPhrase(ast.tokens, ast.prefix, expand);
    case 'or': {
      const parts = ast.children.map((c) => ftsExpression(c, expand));
      return parts.every((p) => p !== null) ? `(${parts.join(' OR ')})` : null;
    }
    case 'and': {
      const positive: string[] = [];
      const negative: string[] = [];
      for (const child of ast.children) {
        const expr = ftsExpression(child, expand);
        const negated = child.kind === 'not' ? ftsExpression(child.child, expand) : null;
        if (expr !== null) positive.push(expr);
        else if (negated !== null) negative.push(negated);
        else return null;
      }
      if (positive.length === 0) return null;
      let expr = positive.length === 1 ? (positive[0] as string) : `(${positive.join(' AND ')})`;
      for (const n of negative) expr = `(${expr} NOT ${n})`;
      return expr;
    }
    default:
      return null;
  }
}

class SqlCompiler {
  readonly params: unknown[] = [];
  constructor(
    private readonly l: string,
    private readonly expand: PrefixExpander | undefined,
  ) {}

  private bind(value: unknown): string {
    this.params.push(value);
    return '?';
  }

  private ftsSubquery(expr: string, negate: boolean): string {
    // Over the index's part the caller reads (FtsParts: the caller's id range lies in that part).
    return `${this.l}.id ${negate ? 'NOT IN' : 'IN'} (SELECT rowid FROM ${FTS_PART} WHERE ${FTS_PART} MATCH ${this.bind(inUserColumns(expr))})`;
  }

  compile(ast: QueryAst): string {
    const fts = ast.kind === 'all' ? null : ftsExpression(ast, this.expand);
    if (fts !== null) return this.ftsSubquery(fts, false);
    switch (ast.kind) {
      case 'all':
        return '1';
      case 'and':
      case 'or':
        return `(${ast.children.map((c) => this.compile(c)).join(ast.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not': {
        const inner = ftsExpression(ast.child, this.expand);
        if (inner !== null) return this.ftsSubquery(inner, true);
        // SQL's NOT keeps NULL (a missing logger, a NULL file_id IN …) as NULL, which WHERE drops;
        // the predicate's ! would keep the row. coalesce makes the inner condition two-valued.
        return `NOT coalesce(${this.compile(ast.child)}, 0)`;
      }
      case 'text':
        return this.ftsSubquery(ftsPhrase(ast.tokens, ast.prefix, this.expand), false);
      case 'substring':
        return `${this.l}.message GLOB ${this.bind(globContaining(ast.value))}`;
      case 'regex': {
        // A plain-text pattern's text tested by SQLite first: the regex runs only where it is.
        const plain = plainText(ast.source, ast.flags);
        const first = plain && plainTextPrefilter(plain);
        const message = `${this.l}.message`;
        const test = first ? `${message} ${first.op} ${this.bind(first.pattern)}${first.op === 'LIKE' ? " ESCAPE '\\'" : ''} AND ` : '';
        return `(${test}regexp(${this.bind(ast.source)}, ${this.bind(ast.flags)}, ${message}))`;
      }
      case 'level':
        return levelRangeSql(`${this.l}.severity`, ast.min, ast.max);
      case 'field':
        return this.field(ast.field, ast.match);
      case 'source': {
        const cond = (): string =>
          ast.match.kind === 'glob'
            ? `path GLOB ${this.bind(toSqliteGlob(ast.match.value))}`
            : `instr(path, ${this.bind(ast.match.value)}) > 0`;
        return (
          `(${this.l}.file_id IN (SELECT id FROM files WHERE ${cond()})` +
          ` OR ${this.l}.source_id IN (SELECT id FROM sources WHERE ${cond()}))`
        );
      }
      case 'attr':
        return this.attribute(ast.key, ast.match);
      // The analysis tables (migration 009): a merged group's id leads to the group that took it
      // over; an unknown pattern's regex is one that matches nothing.
      case 'group':
        return (
          `${this.l}.id IN (SELECT log_id FROM error_occurrences WHERE group_id = ` +
          `coalesce((SELECT merged_into FROM error_groups WHERE id = ${this.bind(ast.id)}), ${this.bind(ast.id)}))`
        );
      case 'pattern':
        return `regexp(coalesce((SELECT regex FROM log_patterns WHERE id = ${this.bind(ast.id)}), '[^\\s\\S]'), '', ${this.l}.message)`;
    }
  }

  private field(field: 'logger' | 'service' | 'trace' | 'span', match: ValueMatch): string {
    const column = `${this.l}.${field === 'trace' ? 'trace_id' : field === 'span' ? 'span_id' : field}`;
    // Trace and span ids are hex: pasted upper-case ids still match. Names are case-sensitive.
    const caseless = field === 'trace' || field === 'span';
    switch (match.kind) {
      case 'exists':
        return `${column} IS NOT NULL`;
      case 'glob':
        return caseless
          ? `lower(${column}) GLOB ${this.bind(asciiLower(toSqliteGlob(match.value)))}`
          : `${column} GLOB ${this.bind(toSqliteGlob(match.value))}`;
      case 'equals':
        if (caseless) return `${column} = ${this.bind(match.value)} COLLATE NOCASE`;
        if (field === 'logger') {
          // The logger and its children, as Python's hierarchy goes: 'app.db' and 'app.db.*' but
          // not 'app.dbx'. A byte range ('/' follows '.') rather than LIKE, which folds case.
          const v = match.value;
          return `(${column} = ${this.bind(v)} OR (${column} >= ${this.bind(`${v}.`)} AND ${column} < ${this.bind(`${v}/`)}))`;
        }
        return `${column} = ${this.bind(match.value)}`;
    }
  }

  private attribute(key: string, match: ValueMatch | { kind: 'compare'; op: string; value: number }): string {
    const a = `${this.l}.attributes`;
    const paths = attributeJsonPaths(key).map((p) => `'${p.replace(/'/g, "''")}'`);
    const [first, second] = paths as [string, string | undefined];
    const type = second === undefined ? `json_type(${a}, ${first})` : `coalesce(json_type(${a}, ${first}), json_type(${a}, ${second}))`;
    const value =
      second === undefined
        ? `json_extract(${a}, ${first})`
        : `iif(json_type(${a}, ${first}) IS NULL, json_extract(${a}, ${second}), json_extract(${a}, ${first}))`;
    switch (match.kind) {
      case 'exists':
        return `${type} IS NOT NULL`;
      case 'glob':
        return `(${type} = 'text' AND ${value} GLOB ${this.bind(toSqliteGlob(match.value))})`;
      case 'equals': {
        const v = match.value;
        const alternatives = [`(${type} = 'text' AND ${value} = ${this.bind(v)})`];
        if (NUMBER_VALUE_RE.test(v)) alternatives.push(`(${type} IN ('integer', 'real') AND ${value} = ${this.bind(Number(v))})`);
        if (v === 'true' || v === 'false' || v === 'null') alternatives.push(`${type} = '${v}'`);
        return alternatives.length === 1 ? (alternatives[0] as string) : `(${alternatives.join(' OR ')})`;
      }
      case 'compare': {
        // Numbers, and strings that are plain decimals ("503"), compare numerically; anything
        // else (text, booleans, objects) never matches a comparison.
        const numeric =
          `CASE ${type} WHEN 'integer' THEN ${value} WHEN 'real' THEN ${value}` +
          ` WHEN 'text' THEN iif(regexp('${NUMERIC_TEXT_RE.source}', '', ${value}), CAST(${value} AS REAL), NULL) END`;
        return `${numeric} ${match.op} ${this.bind(match.value)}`;
      }
    }
  }
}

/**
 * Compiles a parsed search. Run it as
 *   fts === null: SELECT l.* FROM logs l WHERE <where> ORDER BY l.id DESC LIMIT ?
 *   otherwise:    SELECT l.* FROM __FTS_PART__ f JOIN logs l ON l.id = f.rowid
 *                 WHERE __FTS_PART__ MATCH ? AND <where> ORDER BY f.rowid DESC LIMIT ?
 * for each part of the index over the id range (FtsParts.over: `where` may read the part too),
 * with registerQueryFunctions(db) done once (for regexp()).
 */
export function compileToSql(ast: QueryAst, options: CompileSqlOptions = {}): CompiledSql {
  const compiler = new SqlCompiler(options.alias ?? 'l', options.expandPrefix);
  const { fts, rest } = splitText(ast, options.expandPrefix);
  const where = rest.filter((c) => c.kind !== 'all').map((c) => compiler.compile(c));
  return { fts, where: where.length === 0 ? '1' : where.join(' AND '), params: compiler.params };
}

/** The search without its top-level full-text part (what compileToSql leaves to `where`). */
export function withoutText(ast: QueryAst): QueryAst {
  const { rest } = splitText(ast, undefined);
  return rest.length === 0 ? { kind: 'all' } : rest.length === 1 ? rest[0]! : { kind: 'and', children: rest };
}

function splitText(ast: QueryAst, expandPrefix: PrefixExpander | undefined): { fts: string | null; rest: QueryAst[] } {
  const conjuncts = ast.kind === 'and' ? ast.children : [ast];
  // The top-level full-text part: positive text terms and text-only ORs, plus text exclusions
  // when there is a positive term for FTS5's binary NOT to hang on.
  const textual = conjuncts.filter(
    (c) => c.kind !== 'all' && (ftsExpression(c) !== null || (c.kind === 'not' && ftsExpression(c.child) !== null)),
  );
  const expr =
    textual.length > 0
      ? ftsExpression(textual.length === 1 ? (textual[0] as QueryAst) : { kind: 'and', children: textual }, expandPrefix)
      : null;
  const fts = expr === null ? null : inUserColumns(expr);
  return { fts, rest: fts === null ? conjuncts : conjuncts.filter((c) => !textual.includes(c)) };
}
