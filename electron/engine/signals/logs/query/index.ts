// The search language of the Logs view: text → QueryAst → SQL (history) or a JS predicate (live
// tail), which agree on every row. The language is described in README.md beside this file.
export type { CompareOp, QueryAst, ValueMatch } from './ast.js';
export { QuerySyntaxError } from './errors.js';
export { parseQuery } from './parser.js';
export { compileToSql, withoutText, type CompiledSql, type CompileSqlOptions, type PrefixExpander } from './compile-sql.js';
export {
  compileToPredicate,
  compileToViewTest,
  readsAnalysis,
  readsFullText,
  RowView,
  type AnalysisLookup,
  type PredicateRow,
  type RowPredicate,
  type ViewTest,
} from './compile-predicate.js';
export { registerQueryFunctions, sqlAnalysisLookup } from './sql-functions.js';
export {
  levelsKept,
  narrowingFilters,
  simpleFilters,
  rollupCondition,
  rowCondition,
  NO_SOURCE_ID,
  type SimpleFilters,
  type SourceCatalog,
} from './simple-filters.js';
export { attributesSearchText, tokenize } from './text.js';
export {
  deadlineSql,
  checkSearchDeadline,
  noteReached,
  timePassed,
  walkUntil,
  withSearchDeadline,
  SearchTimeoutError,
  SEARCH_DEADLINE_MS,
} from './deadline.js';
