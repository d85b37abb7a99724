// Retention of log records: the oldest go a chunk at a time (ids follow time), with their
// full-text rows and their share of the per-minute counts, in one short transaction per chunk. The
// full-text index's parts (fts-parts.ts) whose records are all gone are dropped whole.
import type { Pruner } from '../../core/module.js';
import type { Db } from '../../core/database.js';
import { CountSubtractor } from './rollup.js';
import { ftsRowidRange } from './fts-index.js';
import { FTS_PART, ftsPartsOf } from './fts-parts.js';
import { RETENTION_CHUNK, rowsToFree } from '../../core/retention.js';
import { wordMinuteCountsOf, type WordMinuteCounts } from './word-minute-counts.js';

// (The range as INTEGERs, or FTS5 looks at every row: 5,000 of 10M deleted in 1.2–2.3 s, not 40 ms.)
const DELETE_FTS_SQL = `DELETE FROM fts.${FTS_PART} WHERE ${ftsRowidRange('rowid')}`;
const AUTOMERGE_NOW_SQL = `SELECT v FROM fts.${FTS_PART}_config WHERE k = 'automerge'`;
const SET_AUTOMERGE_SQL = `INSERT INTO fts.${FTS_PART} (${FTS_PART}, rank) VALUES ('automerge', CAST(? AS INTEGER))`;

/** FTS5's automerge when none was set. */
const FTS5_DEFAULT_AUTOMERGE = 4;

export class LogPruner implements Pruner {
  readonly name = 'logs';
  private readonly oldestId;
  private readonly oldestIds;
  private readonly deleteChunk;
  private readonly mergeSome: () => void;
  private readonly mergeMore: () => void;
  /** Rows deleted since the full-text index last folded its deletions in. */
  private unmerged = 0;
  /** The word counts kept for this connection: the minutes of the records deleted are stale. */
  private readonly minuteCounts: WordMinuteCounts;

  constructor(
    db: Db,
    /** Told of each chunk deleted (the log rules' kept counts). */
    private readonly onDeleted: (fromId: number, toId: number) => void = () => undefined,
  ) {
    this.oldestId = db.prepare('SELECT min(id) FROM logs').pluck();
    this.minuteCounts = wordMinuteCountsOf(db);
    this.oldestIds = db.prepare('SELECT id FROM logs WHERE id < ? ORDER BY id LIMIT ?').pluck();
    const subtractCounts = new CountSubtractor(db, 'id >= ? AND id <= ?');
    const parts = ftsPartsOf(db);
    const deleteLogs = db.prepare('DELETE FROM logs WHERE id >= ? AND id <= ?');
    const oldestAbove = db.prepare('SELECT min(id) FROM logs WHERE id > ?').pluck();
    // FTS5 counts each deleted row as a page written when it decides how much merging a commit
    // does (times the number of levels): deleting a chunk of the oldest rows merged whole levels in
    // retention's transaction, megabytes of new segment pages and journal at once, above the size
    // limit. The deletions are written with FTS5's automerge off (the indexer's setting put back
    // in the same transaction); the indexer's own commits and the bounded merge below fold them in.
    const lockFts = db.prepare("UPDATE fts.fts_state SET value = value WHERE key = 'through_seq'");
    this.deleteChunk = db.transaction((lo: number, hi: number): number => {
      subtractCounts.run(lo, hi);
      // The FTS file's write lock first (as the indexer takes it): its parts and settings are read at the newest state.
      lockFts.run();
      const deleted = deleteLogs.run(lo, hi).changes;
      // A part below the oldest record left (never the newest) goes whole: no tombstones, its pages freed.
      const kept = (oldestAbove.get(hi) as number | null) ?? Number.MAX_SAFE_INTEGER;
      const list = parts.current();
      for (const part of list.slice(0, -1).filter((p) => p.lastId < kept)) {
        db.prepare(`DROP TABLE fts.${part.table}`).run();
        db.prepare('DELETE FROM fts.fts_parts WHERE part = ?').run(part.part);
      }
      // The rest of the chunk's rows are deleted row by row (FTS5 keeps tombstones for them: in the oldest part left only).
      for (const [part, a, b] of [...parts.within(lo, hi)]) {
        const automerge = (parts.statement(part, AUTOMERGE_NOW_SQL).pluck().get() as number | undefined) ?? FTS5_DEFAULT_AUTOMERGE;
        const setAutomerge = parts.statement(part, SET_AUTOMERGE_SQL);
        setAutomerge.run(0);
        parts.statement(part, DELETE_FTS_SQL).run(a, b);
        setAutomerge.run(automerge);
      }
      return deleted;
    });
    const merge = (pages: number): void => {
      const oldest = parts.current()[0]!;
      parts.statement(oldest, `INSERT INTO fts.${FTS_PART} (${FTS_PART}, rank) VALUES ('merge', ${pages})`).run();
    };
    this.mergeSome = () => merge(64);
    this.mergeMore = () => merge(256);
  }

  oldestUs(): number | null {
    return this.oldestId.get() as number | null;
  }

  pruneOlderThan(cutoffUs: number): number {
    const n = this.deleteOldest(cutoffUs, RETENTION_CHUNK);
    if (n === 0 && this.unmerged > 0) {
      // The sweep is over: let FTS5 fold the deletions into its segments now, a bounded amount of work.
      this.mergeMore();
      this.unmerged = 0;
    }
    return n;
  }

  pruneOldest(bytesToFree: number): number {
    const n = this.deleteOldest(Number.MAX_SAFE_INTEGER, rowsToFree(bytesToFree));
    // The full-text index keeps deleted entries in its segments until they merge: a bounded merge
    // with each chunk gives their pages back too, so retention's next measure sees them go
    // (otherwise it would take more and more of the newest records).
    if (n > 0) this.mergeSome();
    return n;
  }

  /** Delete up to `limit` of the oldest records with id < cutoff; returns how many went. */
  private deleteOldest(cutoff: number, limit: number): number {
    const ids = this.oldestIds.all(cutoff, limit) as number[];
    if (ids.length === 0) return 0;
    const n = this.deleteChunk(ids[0]!, ids[ids.length - 1]!);
    this.minuteCounts.deleted(ids[0]!, ids[ids.length - 1]!, n);
    this.onDeleted(ids[0]!, ids[ids.length - 1]!);
    this.unmerged += n;
    return n;
  }
}
