// QueryAst → a JS test of one row, for the live tail: it must say yes to exactly the rows the SQL
// of compile-sql.ts returns. Text is tokenized with the twin of the logs_fts tokenizer, and the
// attribute text is rebuilt from the JSON the same way the writer builds logs_fts.attrs.
import type { LogRow } from '../rows.js';
import { lookupAttribute, NUMBER_VALUE_RE, NUMERIC_TEXT_RE } from './attributes.js';
import type { QueryAst, ValueMatch } from './ast.js';
import { globMatches } from './glob.js';
import { levelIndexOfSeverity } from './levels.js';
import { cachedRegex } from './regex.js';
import { asciiLower, attributesSearchText, containsTokenRun, tokenize } from './text.js';

/** A row with the paths `source:` matches: sources.path of source_id and files.path of file_id. */
export type PredicateRow = LogRow & { source_path?: string | null; file_path?: string | null };
export type RowPredicate = (row: PredicateRow) => boolean;

/**
 * What `group:` and `pattern:` need from the analysis tables, row by row (sql-functions.ts has the
 * one over SQLite). Without it those terms match nothing.
 */
export interface AnalysisLookup {
  /** Whether the record is an occurrence of the group (a merged group's id counts as its target's). */
  inGroup(logId: number, groupId: number): boolean;
  /** The RE2 source a pattern's template matches, or undefined when there is no such pattern. */
  patternRegex(patternId: number): string | undefined;
}

/**
 * What the terms of one query (or of several queries asked of the same row: the log rules' counts)
 * need from a row, computed at most once per row.
 */
export class RowView {
  private messageTokensCache: string[] | undefined;
  private attributeTokensCache: string[] | undefined;
  private attributesCache: { value: unknown } | undefined;
  constructor(readonly row: PredicateRow) {}

  get messageTokens(): string[] {
    return (this.messageTokensCache ??= tokenize(this.row.message));
  }

  get attributeTokens(): string[] {
    return (this.attributeTokensCache ??= tokenize(attributesSearchText(this.attributes)));
  }

  get attributes(): unknown {
    if (!this.attributesCache) {
      let value: unknown = null;
      if (this.row.attributes !== null) {
        try {
          value = JSON.parse(this.row.attributes);
        } catch {
          value = null;
        }
      }
      this.attributesCache = { value };
    }
    return this.attributesCache.value;
  }
}

export type ViewTest = (view: RowView) => boolean;

function matchValue(value: string | null, match: ValueMatch, test: (have: string, want: string) => boolean): boolean {
  if (value === null) return false;
  switch (match.kind) {
    case 'exists':
      return true;
    case 'glob':
      return globMatches(match.value, value);
    case 'equals':
      return test(value, match.value);
  }
}

function fieldTest(field: 'logger' | 'service' | 'trace' | 'span', match: ValueMatch): ViewTest {
  switch (field) {
    case 'logger':
      return (v) => matchValue(v.row.logger, match, (have, want) => have === want || have.startsWith(`${want}.`));
    case 'service':
      return (v) => matchValue(v.row.service, match, (have, want) => have === want);
    case 'trace':
    case 'span': {
      const caseless: ValueMatch = match.kind === 'glob' ? { kind: 'glob', value: asciiLower(match.value) } : match;
      const column = field === 'trace' ? 'trace_id' : 'span_id';
      return (v) => {
        const id = v.row[column];
        return matchValue(id === null ? null : asciiLower(id), caseless, (have, want) => have === asciiLower(want));
      };
    }
  }
}

function compare(have: number, op: string, want: number): boolean {
  switch (op) {
    case '>':
      return have > want;
    case '<':
      return have < want;
    case '>=':
      return have >= want;
    case '<=':
      return have <= want;
    default:
      return have === want;
  }
}

function attributeTest(key: string, match: Extract<QueryAst, { kind: 'attr' }>['match']): ViewTest {
  return (view) => {
    const found = lookupAttribute(view.attributes, key);
    if (!found.found) return false;
    const value = found.value;
    switch (match.kind) {
      case 'exists':
        return true;
      case 'glob':
        return typeof value === 'string' && globMatches(match.value, value);
      case 'equals': {
        const want = match.value;
        if (typeof value === 'string') return value === want;
        if (typeof value === 'number') return NUMBER_VALUE_RE.test(want) && value === Number(want);
        if (typeof value === 'boolean') return want === String(value);
        return value === null && want === 'null';
      }
      case 'compare': {
        let n: number | undefined;
        if (typeof value === 'number') n = value;
        else if (typeof value === 'string' && NUMERIC_TEXT_RE.test(value)) n = Number(value);
        return n !== undefined && compare(n, match.op, match.value);
      }
    }
  };
}

function compileNode(ast: QueryAst, lookup: AnalysisLookup | undefined): ViewTest {
  switch (ast.kind) {
    case 'all':
      return () => true;
    case 'and': {
      const tests = ast.children.map((c) => compileNode(c, lookup));
      return (v) => tests.every((t) => t(v));
    }
    case 'or': {
      const tests = ast.children.map((c) => compileNode(c, lookup));
      return (v) => tests.some((t) => t(v));
    }
    case 'not': {
      const test = compileNode(ast.child, lookup);
      return (v) => !test(v);
    }
    case 'text': {
      const { tokens, prefix } = ast;
      // FTS5 matches a phrase within one column: the message or the attribute values.
      return (v) => containsTokenRun(v.messageTokens, tokens, prefix) || containsTokenRun(v.attributeTokens, tokens, prefix);
    }
    case 'substring': {
      const needle = ast.value;
      return (v) => v.row.message.includes(needle);
    }
    case 'regex': {
      const re = cachedRegex(ast.source, ast.flags);
      return (v) => re.test(v.row.message);
    }
    case 'level': {
      const { min, max } = ast;
      return (v) => {
        const index = levelIndexOfSeverity(v.row.severity);
        return index >= min && index <= max;
      };
    }
    case 'field':
      return fieldTest(ast.field, ast.match);
    case 'source': {
      const { kind, value } = ast.match;
      const matches = (path: string | null | undefined): boolean =>
        path !== null && path !== undefined && (kind === 'glob' ? globMatches(value, path) : path.includes(value));
      return (v) => matches(v.row.file_path) || matches(v.row.source_path);
    }
    case 'attr':
      return attributeTest(ast.key, ast.match);
    case 'group': {
      const id = ast.id;
      return (v) => lookup?.inGroup(v.row.id, id) ?? false;
    }
    case 'pattern': {
      const id = ast.id;
      return (v) => {
        // Looked up per row: the template may widen while a live tail runs.
        const source = lookup?.patternRegex(id);
        return source !== undefined && cachedRegex(source, '').test(v.row.message);
      };
    }
  }
}

/** The JS twin of compileToSql for the live tail. `source:` needs source_path/file_path on rows. */
export function compileToPredicate(ast: QueryAst, lookup?: AnalysisLookup): RowPredicate {
  const test = compileToViewTest(ast, lookup);
  return (row) => test(new RowView(row));
}

/** compileToPredicate's test of a RowView: many queries asked of one row share its tokens. */
export function compileToViewTest(ast: QueryAst, lookup?: AnalysisLookup): ViewTest {
  return compileNode(ast, lookup);
}

/**
 * Whether the query reads the full-text index anywhere (a text term, even inside an OR or a NOT):
 * such a search must scan the text of the records the index does not cover yet (LogReader).
 */
export function readsFullText(ast: QueryAst): boolean {
  switch (ast.kind) {
    case 'and':
    case 'or':
      return ast.children.some(readsFullText);
    case 'not':
      return readsFullText(ast.child);
    case 'text':
      return true;
    default:
      return false;
  }
}

/** Whether the query has `group:` or `pattern:` terms: what they match changes after a record is stored (merges, templates widening). */
export function readsAnalysis(ast: QueryAst): boolean {
  switch (ast.kind) {
    case 'and':
    case 'or':
      return ast.children.some(readsAnalysis);
    case 'not':
      return readsAnalysis(ast.child);
    case 'group':
    case 'pattern':
      return true;
    default:
      return false;
  }
}
