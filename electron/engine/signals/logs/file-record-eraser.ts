// Erases the records of files that are read again from the start (a user forced another format).
// A window of the primary key per transaction, between the file's first and last record ids, with
// a yield between windows: ingest, OTLP and the API keep going while a big file is erased.
// Crash-safe with SourceStore.rereadWithFormat: the rows to erase are marked first, and the start-up
// finishes an erase that a stop interrupted, before any file is read again.
import type { Db } from '../../core/database.js';
import { CountSubtractor } from './rollup.js';
import { FTS_PART, ftsPartsOf } from './fts-parts.js';
import { wordMinuteCountsOf, type WordMinuteCounts } from './word-minute-counts.js';

/** Rows of `logs` looked at per transaction (a few milliseconds each). */
export const ERASE_WINDOW_ROWS = 20_000;

/** The part of a `files` row the eraser needs (the row itself is the sources' business, in ingest/). */
export interface ErasedFile {
  id: number;
  /** The file's first and last record ids, null when written before the range was kept. */
  first_id: number | null;
  last_id: number | null;
}

export class FileRecordEraser {
  private readonly windowEnd;
  private readonly idsOf;
  private readonly deleteFts: (id: number) => void;
  private readonly deleteLogs;
  private readonly subtractCounts;
  private readonly eraseWindow;
  /** The word counts kept for this connection: the minutes of the records erased are stale. */
  private readonly minuteCounts: WordMinuteCounts;

  constructor(
    db: Db,
    /** Told of each window erased (the log rules' kept counts). */
    private readonly onDeleted: (fromId: number, toId: number) => void = () => undefined,
  ) {
    this.minuteCounts = wordMinuteCountsOf(db);
    this.windowEnd = db.prepare('SELECT max(id) FROM (SELECT id FROM logs WHERE id >= ? AND id <= ? ORDER BY id LIMIT ?)').pluck();
    this.idsOf = db.prepare('SELECT id FROM logs WHERE id >= ? AND id <= ? AND file_id = ?').pluck();
    const parts = ftsPartsOf(db);
    // Each id from the index's part that holds it (fts-parts.ts).
    this.deleteFts = (id: number) => parts.statement(parts.partOf(id), `DELETE FROM fts.${FTS_PART} WHERE rowid = ?`).run(id);
    this.deleteLogs = db.prepare('DELETE FROM logs WHERE id >= ? AND id <= ? AND file_id = ?');
    this.subtractCounts = new CountSubtractor(db, 'id >= ? AND id <= ? AND file_id = ?');
    this.eraseWindow = db.transaction((lo: number, hi: number, fileId: number): number => {
      this.subtractCounts.run(lo, hi, fileId);
      for (const id of this.idsOf.all(lo, hi, fileId) as number[]) this.deleteFts(id);
      return this.deleteLogs.run(lo, hi, fileId).changes;
    });
  }

  /**
   * Deletes every record of the file (its full-text rows and counts with them). Returns true when
   * done, false when `stop` said to stop between two windows (the rest is erased another time).
   */
  async erase(file: ErasedFile, stop: () => boolean = () => false): Promise<boolean> {
    // Rows written before the id range was kept (first_id NULL) are looked for everywhere.
    let lo = file.first_id ?? 0;
    const hi = file.last_id ?? Number.MAX_SAFE_INTEGER;
    for (;;) {
      const end = this.windowEnd.get(lo, hi, ERASE_WINDOW_ROWS) as number | null;
      if (end === null) return true;
      this.minuteCounts.deleted(lo, end, this.eraseWindow(lo, end, file.id));
      this.onDeleted(lo, end);
      lo = end + 1;
      await new Promise((resolve) => setImmediate(resolve));
      if (stop()) return false;
    }
  }
}
