// Can the histogram answer a search from the per-minute rollup `log_counts(minute, source_id,
// level 0..5, n)` instead of the logs? Yes when the search only speaks of levels and sources and
// every source term is decided per source: then the matching (level, source) cells are computed
// by evaluating the query over the finite grid of levels × sources.
import type { QueryAst } from './ast.js';
import { globMatches } from './glob.js';
import { MAX_LEVEL_INDEX, levelRangeSql } from './levels.js';

export interface SourceCatalog {
  sources: ReadonlyArray<{ id: number; path: string }>;
  files: ReadonlyArray<{ id: number; path: string; source_id: number }>;
}

export interface SimpleFilters {
  /** log_counts.level values (0 = trace … 5 = fatal) to add up; null = all levels. */
  levels: number[] | null;
  /** log_counts.source_id values to add up (0 = records without a source); null = all. */
  sourceIds: number[] | null;
  /** The severity span of `levels` when they are contiguous (for the logs table), else undefined. */
  minSeverity?: number;
  maxSeverity?: number;
}

/** The rollup rows' source_id for records without a source (OTLP). */
export const NO_SOURCE_ID = 0;

function onlyLevelsAndSources(ast: QueryAst): boolean {
  switch (ast.kind) {
    case 'all':
    case 'level':
    case 'source':
      return true;
    case 'and':
    case 'or':
      return ast.children.every(onlyLevelsAndSources);
    case 'not':
      return onlyLevelsAndSources(ast.child);
    default:
      return false;
  }
}

function hasSourceTerm(ast: QueryAst): boolean {
  if (ast.kind === 'source') return true;
  if (ast.kind === 'and' || ast.kind === 'or') return ast.children.some(hasSourceTerm);
  return ast.kind === 'not' && hasSourceTerm(ast.child);
}

class Undecided extends Error {}

/**
 * For one source id, whether a source term matches all its records (true), none (false), or
 * some files of it only (throws Undecided: the rollup does not split sources by file).
 */
function sourceTermDecider(term: Extract<QueryAst, { kind: 'source' }>, catalog: SourceCatalog): (sourceId: number) => boolean {
  const { kind, value } = term.match;
  const matches = (path: string): boolean => (kind === 'glob' ? globMatches(value, path) : path.includes(value));
  return (sourceId) => {
    if (sourceId === NO_SOURCE_ID) return false;
    const source = catalog.sources.find((s) => s.id === sourceId);
    if (source && matches(source.path)) return true;
    const files = catalog.files.filter((f) => f.source_id === sourceId);
    const matching = files.filter((f) => matches(f.path)).length;
    if (matching === 0) return false;
    if (matching === files.length) return true;
    throw new Undecided();
  };
}

function evaluate(ast: QueryAst, level: number, sourceId: number, catalog: SourceCatalog | undefined): boolean {
  switch (ast.kind) {
    case 'all':
      return true;
    case 'level':
      return level >= ast.min && level <= ast.max;
    case 'source':
      if (!catalog) throw new Undecided();
      return sourceTermDecider(ast, catalog)(sourceId);
    case 'and':
      return ast.children.every((c) => evaluate(c, level, sourceId, catalog));
    case 'or':
      return ast.children.some((c) => evaluate(c, level, sourceId, catalog));
    case 'not':
      return !evaluate(ast.child, level, sourceId, catalog);
    default:
      throw new Undecided();
  }
}

const ALL_LEVELS = Array.from({ length: MAX_LEVEL_INDEX + 1 }, (_, i) => i);

/**
 * The rollup cells a search selects, as levels × sources, or null when the histogram must count
 * the logs themselves (text, attributes, a source term that splits a source's files, or a mix like
 * `level:error OR source:api` that is not a product). `catalog` is needed when there are source terms.
 */
export function simpleFilters(ast: QueryAst, catalog?: SourceCatalog): SimpleFilters | null {
  if (!onlyLevelsAndSources(ast)) return null;
  const withSources = hasSourceTerm(ast);
  const sourceIds = withSources && catalog ? [NO_SOURCE_ID, ...catalog.sources.map((s) => s.id)] : [NO_SOURCE_ID];
  const cells = new Set<string>();
  const levelSet = new Set<number>();
  const sourceSet = new Set<number>();
  try {
    for (const level of ALL_LEVELS) {
      for (const sourceId of sourceIds) {
        if (evaluate(ast, level, sourceId, catalog)) {
          cells.add(`${level}/${sourceId}`);
          levelSet.add(level);
          sourceSet.add(sourceId);
        }
      }
    }
  } catch (e) {
    if (e instanceof Undecided) return null;
    throw e;
  }
  // A product of a level set and a source set is what a `level IN … AND source_id IN …` reads.
  if (cells.size !== levelSet.size * sourceSet.size) return null;
  const levels = ALL_LEVELS.filter((l) => levelSet.has(l));
  const result: SimpleFilters = {
    levels: levels.length === ALL_LEVELS.length ? null : levels,
    sourceIds: withSources ? sourceIds.filter((id) => sourceSet.has(id)) : null,
  };
  const first = levels[0];
  const last = levels[levels.length - 1];
  if (first !== undefined && last !== undefined && last - first + 1 === levels.length && result.levels !== null) {
    result.minSeverity = first * 4 + 1;
    result.maxSeverity = last * 4 + 4;
  }
  return result;
}

/** The WHERE condition over log_counts for these filters ('1' when they select everything). */
export function rollupCondition(filters: SimpleFilters): { where: string; params: number[] } {
  const parts: string[] = [];
  const params: number[] = [];
  for (const [column, values] of [
    ['level', filters.levels],
    ['source_id', filters.sourceIds],
  ] as const) {
    if (values === null) continue;
    parts.push(values.length === 0 ? '0' : `${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  }
  return { where: parts.length === 0 ? '1' : parts.join(' AND '), params };
}

/**
 * The same condition over a row of `logs` (alias `l`), keyed as log_counts keys it (rollup.ts): a
 * record without a source is source 0, and one of an unspecified severity is info.
 */
export function rowCondition(filters: SimpleFilters): { where: string; params: number[] } {
  const parts: string[] = [];
  if (filters.levels !== null)
    parts.push(`(${filters.levels.map((level) => levelRangeSql('l.severity', level, level)).join(' OR ') || '0'})`);
  if (filters.sourceIds !== null)
    parts.push(
      filters.sourceIds.length === 0 ? '0' : `coalesce(l.source_id, ${NO_SOURCE_ID}) IN (${filters.sourceIds.map(() => '?').join(', ')})`,
    );
  return { where: parts.length === 0 ? '1' : parts.join(' AND '), params: filters.sourceIds ?? [] };
}

/**
 * The level and source terms of a search's top-level AND (or the whole search, when it is only
 * such terms), as rollup cells: every match of the search lies in a minute where these cells count
 * records, so the per-minute counts can skip the minutes without any. Null when the search has no
 * such terms.
 */
export function narrowingFilters(ast: QueryAst, catalog?: SourceCatalog): SimpleFilters | null {
  const parts = ast.kind === 'and' ? ast.children.filter(onlyLevelsAndSources) : onlyLevelsAndSources(ast) ? [ast] : [];
  if (parts.length === 0) return null;
  const filters = simpleFilters(parts.length === 1 ? parts[0]! : { kind: 'and', children: parts }, catalog);
  return filters && (filters.levels !== null || filters.sourceIds !== null) ? filters : null;
}

/** The levels a search's top-level `level:` terms keep (every level when it has none). */
export function levelsKept(ast: QueryAst): { min: number; max: number } {
  let min = 0;
  let max = MAX_LEVEL_INDEX;
  for (const c of ast.kind === 'and' ? ast.children : [ast]) {
    if (c.kind !== 'level') continue;
    min = Math.max(min, c.min);
    max = Math.min(max, c.max);
  }
  return { min, max };
}
