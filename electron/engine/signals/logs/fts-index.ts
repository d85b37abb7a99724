// The full-text index as a derived index that may lag behind the records (migration 15). The
// records' writer queues each batch's ids in `fts_pending`; an FtsIndexer — on the FTS worker
// thread with its own connection, or on the engine's connection when a search needs the index
// complete — indexes the queued batches in order. Its mark (the last batch indexed, and how far
// into the next one) is in the FTS file and committed with the index rows, so after a crash
// indexing goes on from there: no record left out, none indexed twice.
import type { Db } from '../../core/database.js';
import { attributesSearchText } from './query/index.js';

/** Records indexed per transaction (FTS5 writes its pending terms at each commit: ~10k is the sweet spot). */
export const FTS_CHUNK_RECORDS = 10_000;

/** What the full-text index has not covered yet. */
export interface FtsLag {
  /**
   * Every stored record with an id at or below this is in the full-text index; records above it
   * may or may not be yet (Number.MAX_SAFE_INTEGER: the index covers every record).
   */
  indexedThrough: number;
  /** Records written and not yet indexed, and their message + attribute text (UTF-16 code units). */
  records: number;
  bytes: number;
}

interface PendingBatch {
  seq: number;
  from_id: number;
  to_id: number;
  ids: Buffer | null;
}

export class FtsIndexer {
  private readonly takeLock;
  private readonly state;
  private readonly setState;
  private readonly nextBatches;
  private readonly readRows;
  private readonly insert;
  private readonly lagRow;
  private readonly firstPendingFrom;
  private readonly chunkTx;

  constructor(db: Db) {
    // A no-op write first: the transaction holds the FTS file's write lock, and reads its newest
    // mark, before anything else (two indexers on two connections never index a batch twice).
    this.takeLock = db.prepare("UPDATE fts.fts_state SET value = value WHERE key = 'through_seq'");
    this.state = db.prepare('SELECT key, value FROM fts.fts_state').raw();
    this.setState = db.prepare(
      'INSERT INTO fts.fts_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.nextBatches = db.prepare('SELECT seq, from_id, to_id, ids FROM fts_pending WHERE seq > ? ORDER BY seq LIMIT 16');
    this.readRows = db.prepare('SELECT id, message, attributes FROM logs WHERE id > ? AND id <= ? ORDER BY id LIMIT ?').raw();
    this.insert = db.prepare('INSERT INTO fts.logs_fts (rowid, message, attrs) VALUES (?, ?, ?)');
    this.lagRow = db
      .prepare(
        `SELECT count(*), coalesce(sum(records), 0), coalesce(sum(bytes), 0) FROM fts_pending
       WHERE seq > (SELECT value FROM fts.fts_state WHERE key = 'through_seq')`,
      )
      .raw();
    this.firstPendingFrom = db
      .prepare(
        `SELECT min(CASE WHEN seq = s.value + 1 THEN max(from_id, coalesce(p.value + 1, from_id)) ELSE from_id END)
         FROM fts_pending, (SELECT value FROM fts.fts_state WHERE key = 'through_seq') s
           LEFT JOIN (SELECT value FROM fts.fts_state WHERE key = 'partial_id') p
         WHERE seq > s.value`,
      )
      .pluck();
    this.chunkTx = db.transaction((maxRecords: number) => this.indexChunk(maxRecords));
  }

  /**
   * Index the next queued records (whole batches while they fit, else part of one) in one
   * transaction. Returns the work done (records indexed + batches finished), 0 when nothing was pending.
   */
  indexSome(maxRecords = FTS_CHUNK_RECORDS): number {
    // Nothing queued: no write transaction at all (an idle indexer looks every few ms).
    if ((this.lagRow.get() as [number, number, number])[0] === 0) return 0;
    return this.chunkTx(maxRecords);
  }

  /** Index everything queued (a search that needs the index complete). */
  catchUp(): number {
    let total = 0;
    for (let n = this.indexSome(); n > 0; n = this.indexSome()) total += n;
    return total;
  }

  /** Every stored record with an id at or below this is in the index (see FtsLag.indexedThrough). */
  indexedThrough(): number {
    return this.lag().indexedThrough;
  }

  lag(): FtsLag {
    const [batches, records, bytes] = this.lagRow.get() as [number, number, number];
    if (batches === 0) return { indexedThrough: Number.MAX_SAFE_INTEGER, records: 0, bytes: 0 };
    return { indexedThrough: (this.firstPendingFrom.get() as number) - 1, records, bytes };
  }

  private indexChunk(maxRecords: number): number {
    this.takeLock.run();
    let throughSeq = 0;
    // The last id indexed of batch throughSeq + 1, when it was left part-way (a big batch).
    let partialId = -1;
    for (const [key, value] of this.state.all() as [string, number][]) {
      if (key === 'through_seq') throughSeq = value;
      else if (key === 'partial_id') partialId = value;
    }
    let done = 0;
    let finishedBatches = 0;
    for (const batch of this.nextBatches.all(throughSeq) as PendingBatch[]) {
      const wanted = batch.ids ? idSet(batch.ids) : null;
      let after = Math.max(batch.from_id - 1, partialId);
      let finished = false;
      for (let room = maxRecords - done; room > 0; room = maxRecords - done) {
        const rows = this.readRows.all(after, batch.to_id, room) as [number, string, string | null][];
        for (const [id, message, attributes] of rows) {
          after = id;
          // Ids of this range written by other batches are theirs to index.
          if (wanted && !wanted.has(id)) continue;
          this.insert.run(id, message, attributes !== null ? attributesSearchText(JSON.parse(attributes)) : '');
          done++;
        }
        if (rows.length < room || after >= batch.to_id) {
          finished = true;
          break;
        }
      }
      if (!finished) {
        this.setState.run('partial_id', after);
        break;
      }
      finishedBatches++;
      throughSeq = batch.seq;
      partialId = -1;
      this.setState.run('through_seq', throughSeq);
      this.setState.run('partial_id', -1);
      if (done >= maxRecords) break;
    }
    // A batch whose records were all deleted since is work done too: the caller goes on.
    return done + finishedBatches;
  }
}

/** The ids of a batch as the writer packed them (little-endian float64s). */
export function packIds(ids: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(ids.length * 8);
  for (let i = 0; i < ids.length; i++) buf.writeDoubleLE(ids[i]!, i * 8);
  return buf;
}

function idSet(packed: Buffer): Set<number> {
  const set = new Set<number>();
  for (let off = 0; off + 8 <= packed.length; off += 8) set.add(packed.readDoubleLE(off));
  return set;
}
