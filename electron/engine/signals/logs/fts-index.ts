// The full-text index as a derived index that may lag behind the records (migration 15). The
// records' writer queues each batch's ids in `fts_pending`; an FtsIndexer — on the FTS worker
// thread with its own connection, or on the engine's connection when a search needs the index
// complete — indexes the queued batches in order. Its mark (the last batch indexed, and how far
// into the next one) is in the FTS file and committed with the index rows, so after a crash
// indexing goes on from there: no record left out, none indexed twice.
import type { Db } from '../../core/database.js';
import { attributesSearchText } from './query/index.js';

/** The tag word of level index i in the index's `tags` column is FTS_LEVEL_TAG + i. */
export const FTS_LEVEL_TAG = 'loupelevel';

/** Records indexed per transaction (FTS5 writes its pending terms at each commit: ~10k is the sweet spot). */
export const FTS_CHUNK_RECORDS = 10_000;
/**
 * A queue longer than this is a backlog (a big folder read faster than it is indexed, an index
 * made again): FTS5's merging at each commit is turned off (automerge 0) while it lasts — it cost
 * a fifth of the indexing time — and the segments are merged after, when the indexer is idle
 * (mergeSome). An indexer that keeps up merges as it goes (FTS5's default, 4): searches meanwhile
 * read few segments (30 unmerged segments made a common word's newest page 15 ms instead of 0.2).
 */
const FTS_BACKLOG_RECORDS = 10 * FTS_CHUNK_RECORDS;
const FTS_AUTOMERGE = 4;
/** Pages a merge step may write (~4 MB: tens of milliseconds, so a new batch waits little). */
const FTS_MERGE_PAGES = 1000;
/** The SQL function that gives a record's attributes' search text (registered on the indexer's connection). */
const ATTRIBUTES_TEXT_FN = 'fts_attributes_text';

/**
 * The words of a record's `tags` column, over a `logs` row: its level index (rollup.ts's
 * levelIndexOf) as `loupelevel<0..5>`. Searches read only the message and attrs columns
 * (USER_COLUMNS in query/compile-sql.ts): a user's word never matches a tag.
 */
const FTS_TAGS_SQL = `'${FTS_LEVEL_TAG}' || CASE WHEN severity BETWEEN 1 AND 24 THEN (severity - 1) / 4 ELSE 2 END`;

/**
 * An FTS5 expression true for the records of levels min..max (level indexes, rollup.ts's
 * levelIndexOf) by their tag words: ANDed with a search's words, FTS5 finds `timeout level:error`
 * in the index alone, where reading each `timeout` record's row for its level read ~23 rows a match.
 */
export function ftsLevelTags(min: number, max: number): string {
  const words: string[] = [];
  for (let level = min; level <= max; level++) words.push(`${FTS_LEVEL_TAG}${level}`);
  return `tags : (${words.join(' OR ')})`;
}

/**
 * `column >= ? AND column <= ?` over logs_fts's rowids. FTS5 narrows a word's doclist to a rowid
 * range only when the bounds are INTEGER values, and a JS number binds as a REAL: without the casts
 * it reads the word's whole doclist and filters after (a common word's count over the last hour of
 * 10M records: 170–320 ms, against 19–23 ms with them).
 */
export function ftsRowidRange(column: string): string {
  return `${column} >= CAST(? AS INTEGER) AND ${column} <= CAST(? AS INTEGER)`;
}

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
  private readonly insertRange;
  private readonly insertListed;
  private readonly merge;
  private readonly totalChanges;
  private readonly mergeTx;
  private readonly setAutomerge;
  /** The FTS5 automerge this indexer last set (see indexSome), null before its first chunk. */
  private automerge: number | null = null;
  /** Whether segments written since the last merge may want merging (see mergeSome). */
  private unmerged = true;
  private readonly lagRow;
  private readonly firstPendingFrom;
  private readonly chunkTx;

  constructor(
    db: Db,
    /** The queue length above which it is a backlog (see FTS_BACKLOG_RECORDS). */
    private readonly backlogRecords = FTS_BACKLOG_RECORDS,
  ) {
    // A no-op write first: the transaction holds the FTS file's write lock, and reads its newest
    // mark, before anything else (two indexers on two connections never index a batch twice).
    this.takeLock = db.prepare("UPDATE fts.fts_state SET value = value WHERE key = 'through_seq'");
    this.state = db.prepare('SELECT key, value FROM fts.fts_state').raw();
    this.setState = db.prepare(
      'INSERT INTO fts.fts_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.nextBatches = db.prepare('SELECT seq, from_id, to_id, ids FROM fts_pending WHERE seq > ? ORDER BY seq LIMIT 16');
    // The rows go from the records to the index inside SQLite: handing each one to JavaScript and
    // back cost a fifth of the indexer's time. Only a record's attributes need JavaScript (their
    // search text is the query code's, so that the index and the row-by-row match agree).
    db.function(ATTRIBUTES_TEXT_FN, { deterministic: true }, (json: unknown) => attributesSearchText(JSON.parse(String(json))));
    const insertSql = (where: string): string =>
      `INSERT INTO fts.logs_fts (rowid, message, attrs, tags)
       SELECT id, message, iif(attributes IS NULL, '', ${ATTRIBUTES_TEXT_FN}(attributes)), ${FTS_TAGS_SQL} FROM logs
       WHERE id > ? AND id <= ? ${where} ORDER BY id LIMIT ?`;
    this.insertRange = db.prepare(insertSql(''));
    // A batch with its own id list (its range holds other batches' records too): the ids as a JSON array.
    this.insertListed = db.prepare(insertSql('AND id IN (SELECT value FROM json_each(?))'));
    this.merge = db.prepare("INSERT INTO fts.logs_fts (logs_fts, rank) VALUES ('merge', ?)");
    // FTS5 takes only an integer there, and a JS number binds as a REAL.
    this.setAutomerge = db.prepare("INSERT INTO fts.logs_fts (logs_fts, rank) VALUES ('automerge', CAST(? AS INTEGER))");
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
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
    this.chunkTx = db.transaction((maxRecords: number, automerge: number) => {
      // FTS5 keeps the setting in the file: written only when this indexer changes it.
      if (automerge !== this.automerge) this.setAutomerge.run(automerge);
      this.automerge = automerge;
      return this.indexChunk(maxRecords);
    });
    this.mergeTx = db.transaction(() => {
      const before = this.totalChanges.get() as number;
      this.merge.run(FTS_MERGE_PAGES);
      return (this.totalChanges.get() as number) - before;
    });
  }

  /**
   * Index the next queued records (whole batches while they fit, else part of one) in one
   * transaction. Returns the work done (records indexed + batches finished), 0 when nothing was pending.
   */
  indexSome(maxRecords = FTS_CHUNK_RECORDS): number {
    // Nothing queued: no write transaction at all (an idle indexer looks every few ms).
    const [batches, records] = this.lagRow.get() as [number, number, number];
    if (batches === 0) return 0;
    this.unmerged = true;
    return this.chunkTx(maxRecords, records > this.backlogRecords ? 0 : FTS_AUTOMERGE);
  }

  /**
   * One bounded step of merging the index's segments, when indexing has nothing to do: what a
   * backlog indexed without FTS5's merging at each commit left unmerged (see FTS_BACKLOG_RECORDS).
   * Returns the work done (0 when there was nothing to merge: no write transaction until indexing
   * writes again).
   */
  mergeSome(): number {
    if (!this.unmerged) return 0;
    // FTS5 tells a merge that did nothing by a change count below 2.
    const changes = this.mergeTx();
    if (changes < 2) this.unmerged = false;
    return changes < 2 ? 0 : changes;
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
      const after = Math.max(batch.from_id - 1, partialId);
      const room = maxRecords - done;
      // Ids of this range written by other batches are theirs to index.
      const { changes, lastInsertRowid } = batch.ids
        ? this.insertListed.run(after, batch.to_id, idsJson(batch.ids), room)
        : this.insertRange.run(after, batch.to_id, room);
      done += changes;
      const last = Number(lastInsertRowid);
      const finished = changes < room || last >= batch.to_id;
      if (!finished) {
        this.setState.run('partial_id', last);
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

function idsJson(packed: Buffer): string {
  const ids: number[] = [];
  for (let off = 0; off + 8 <= packed.length; off += 8) ids.push(packed.readDoubleLE(off));
  return JSON.stringify(ids);
}
