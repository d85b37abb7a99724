// The parsed form of a search. Values are already decoded (quotes removed, level names resolved,
// text split into index tokens), so the SQL compiler and the JS predicate read the same facts.

/** How a text value of a built-in field or attribute is matched. */
export type ValueMatch =
  | { kind: 'exists' }
  /** Equality; for `logger` also the logger's children (`app.db` matches `app.db.pool`). */
  | { kind: 'equals'; value: string }
  /** The whole value matches a pattern where `*` stands for any run of characters. */
  | { kind: 'glob'; value: string };

export type CompareOp = '>' | '<' | '>=' | '<=' | '=';

export type QueryAst =
  | { kind: 'all' }
  | { kind: 'and'; children: QueryAst[] }
  | { kind: 'or'; children: QueryAst[] }
  | { kind: 'not'; child: QueryAst }
  /**
   * Full text: consecutive index tokens in the message or in the attribute values. `prefix`: the
   * last token may be the start of a longer one (bare words); phrases match whole tokens.
   */
  | { kind: 'text'; tokens: string[]; prefix: boolean }
  /** Text with no letter or digit in it (`->`, `==`): a case-sensitive substring of the message. */
  | { kind: 'substring'; value: string }
  | { kind: 'regex'; source: string; flags: string }
  /** Level indexes into LEVELS (0 = trace … 5 = fatal), inclusive. */
  | { kind: 'level'; min: number; max: number }
  | { kind: 'field'; field: 'logger' | 'service' | 'trace' | 'span'; match: ValueMatch }
  /** A substring of the source's or the file's path, or a glob over the whole path. */
  | { kind: 'source'; match: { kind: 'substring' | 'glob'; value: string } }
  | { kind: 'attr'; key: string; match: ValueMatch | { kind: 'compare'; op: CompareOp; value: number } }
  /** The records of an error group (`group:<id>`, analysis/error-groups), following merges. */
  | { kind: 'group'; id: number }
  /** The records whose first line fits a mined template (`pattern:<id>`, analysis/patterns). */
  | { kind: 'pattern'; id: number };

export const MATCH_ALL: QueryAst = { kind: 'all' };
