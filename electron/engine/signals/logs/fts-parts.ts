// The full-text index in id (= time) partitions: several FTS5 tables in the FTS file, each over a
// contiguous id range (fts.fts_parts, FTS_FILE_SCHEMA in migration 15's file). Retention drops a
// part whose records are all gone whole (log-pruner.ts), so its deletions never leave FTS5
// tombstones in the index that recent searches read (at 100M records, 2M deletions made a word's
// histogram over the last hour 41 ms → 4.2 s: every match was probed in them). Every read of the
// index goes through here: the parts over an id range, newest first, and a statement per (part,
// SQL) kept until the FTS file's schema changes (a part made or dropped by another connection).
import type { Statement } from 'better-sqlite3';
import { perConnection, type Db } from '../../core/database.js';

/**
 * Stands for the part's FTS5 table in the SQL given to FtsParts (`FROM __FTS_PART__ f WHERE
 * __FTS_PART__ MATCH ?`, and query/compile-sql.ts's nested matches): replaced by each part's table.
 */
export const FTS_PART = '__FTS_PART__';

/** Statements kept at most (a search's SQL varies with its shape). */
const MAX_STATEMENTS = 500;

export interface FtsPart {
  part: number;
  /** Its FTS5 table (in the `fts` schema). */
  table: string;
  /** The id range it covers: the oldest part from 0, the newest to the largest id. */
  firstId: number;
  lastId: number;
}

/** The FTS5 table of part k (part 0 is the index made before the parts, still read as it is). */
export function ftsPartTable(part: number): string {
  return part === 0 ? 'logs_fts' : `logs_fts_${part}`;
}

/** The parts of the connection's FTS file (one FtsParts a connection: its statements and vocabularies are the connection's). */
export const ftsPartsOf = perConnection((db) => new FtsParts(db));

export class FtsParts {
  private readonly schemaVersion;
  private readonly rows;
  private version: number | null = null;
  /** Oldest first. */
  private list: FtsPart[] = [];
  private statements = new Map<string, Statement>();
  /** The fts5vocab tables made on this connection, by part. */
  private readonly vocabs = new Map<number, string>();

  constructor(private readonly db: Db) {
    this.schemaVersion = db.prepare('PRAGMA fts.schema_version').pluck();
    this.rows = db.prepare('SELECT part, first_id FROM fts.fts_parts ORDER BY first_id').raw();
  }

  /**
   * The parts as the FTS file has them now, oldest first. A changed schema (a part made or dropped,
   * here or by another connection) drops the statements and vocabularies of the old list.
   */
  current(): readonly FtsPart[] {
    const version = this.schemaVersion.get() as number;
    if (version === this.version) return this.list;
    const rows = this.rows.all() as [number, number][];
    this.list = rows.map(([part, firstId], i) => ({
      part,
      table: ftsPartTable(part),
      firstId: i === 0 ? 0 : firstId,
      lastId: i + 1 < rows.length ? rows[i + 1]![1] - 1 : Number.MAX_SAFE_INTEGER,
    }));
    this.statements = new Map();
    for (const [part, vocab] of this.vocabs) {
      if (this.list.some((p) => p.part === part)) continue;
      this.db.exec(`DROP TABLE IF EXISTS temp.${vocab}`);
      this.vocabs.delete(part);
    }
    this.version = version;
    return this.list;
  }

  /** The newest part (the one the indexer writes). */
  newest(): FtsPart {
    const list = this.current();
    return list[list.length - 1]!;
  }

  /** The part that holds (or is to hold) the index row of record `id`. */
  partOf(id: number): FtsPart {
    const list = this.current();
    for (let i = list.length - 1; i > 0; i--) if (id >= list[i]!.firstId) return list[i]!;
    return list[0]!;
  }

  /**
   * `sql` prepared for `part` (FTS_PART replaced by its table), kept until the schema changes.
   * SQL without FTS_PART reads no part and is prepared as it is.
   */
  statement(part: FtsPart | null, sql: string): Statement {
    const key = part && sql.includes(FTS_PART) ? `${part.part}\n${sql}` : `\n${sql}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      if (this.statements.size >= MAX_STATEMENTS) this.statements.clear();
      stmt = this.db.prepare(part ? sql.replaceAll(FTS_PART, part.table) : sql);
      this.statements.set(key, stmt);
    }
    return stmt;
  }

  /** [part, lo, hi] for each part with ids in [lo, hi], newest first, the range cut to the part. */
  *within(lo: number, hi: number): Generator<[FtsPart, number, number]> {
    const list = this.current();
    for (let i = list.length - 1; i >= 0 && lo <= hi; i--) {
      const part = list[i]!;
      if (part.lastId < lo) break;
      if (part.firstId <= hi) yield [part, Math.max(lo, part.firstId), Math.min(hi, part.lastId)];
    }
  }

  /**
   * [statement, lo, hi, part] for each part with ids in [lo, hi], newest first, the range cut to the
   * part (SQL without FTS_PART: itself over the whole range, once, part null). A caller stops when
   * it has enough.
   */
  *over(sql: string, lo: number, hi: number): Generator<[Statement, number, number, FtsPart | null]> {
    if (lo > hi) return;
    if (!sql.includes(FTS_PART)) {
      yield [this.statement(null, sql), lo, hi, null];
      return;
    }
    for (const [part, a, b] of this.within(lo, hi)) yield [this.statement(part, sql), a, b, part];
  }

  /** The fts5vocab table (in `temp`, rows by term) of a part's words, made on first use. */
  vocabulary(part: FtsPart): string {
    let vocab = this.vocabs.get(part.part);
    if (!vocab) {
      vocab = `${part.table}_words`;
      this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.${vocab} USING fts5vocab(fts, ${part.table}, row)`);
      this.vocabs.set(part.part, vocab);
    }
    return vocab;
  }
}
