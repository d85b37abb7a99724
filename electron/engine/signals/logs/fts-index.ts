// The full-text index as a derived index that may lag behind the records (migration 15). The
// records' writer queues each batch's ids in `fts_pending`; an FtsIndexer — on the FTS worker
// thread with its own connection, or on the engine's connection when a search needs the index
// complete — indexes the queued batches in order. Its mark (the last batch indexed, and how far
// into the next one) is in the FTS file and committed with the index rows, so after a crash
// indexing goes on from there: no record left out, none indexed twice.
import type { Db } from '../../core/database.js';
import { attributesSearchText } from './query/index.js';
import { FTS_PART_MODULE } from '../../core/migrations/015-fts-own-file.js';
import { FTS_PART, ftsPartsOf, ftsPartTable, type FtsPart, type FtsParts } from './fts-parts.js';

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

/**
 * Records a part of the index holds before the indexer starts the next (see fts-parts.ts): a
 * retention deletion leaves tombstones in the oldest part only, and a part is dropped whole once its
 * records are gone. Smaller parts free space sooner and cost a range search one more FTS5 query
 * each; chosen by measurement (see the README's Speed section).
 */
export const FTS_PART_RECORDS = 2_000_000;

export class FtsIndexer {
  private readonly takeLock;
  private readonly state;
  private readonly setState;
  private readonly nextBatches;
  private readonly totalChanges;
  private readonly mergeTx;
  private readonly parts: FtsParts;
  /** The FTS5 automerge this indexer last set, by part (see indexSome). */
  private readonly automerge = new Map<number, number>();
  /** The automerge the current chunk wants for the newest part. */
  private wantedAutomerge = FTS_AUTOMERGE;
  /** Whether segments written since the last merge may want merging (see mergeSome). */
  private unmerged = true;
  /** Parts no longer written whose segments are to be merged down to one (see mergeSome). */
  private readonly sealed: number[] = [];
  private readonly lagRow;
  private readonly firstPendingFrom;
  private readonly chunkTx;

  constructor(
    db: Db,
    /** The queue length above which it is a backlog (see FTS_BACKLOG_RECORDS). */
    private readonly backlogRecords = FTS_BACKLOG_RECORDS,
    /** Records a part holds before the next starts (FTS_PART_RECORDS; tests make tiny parts). */
    readonly partRecords = FTS_PART_RECORDS,
  ) {
    this.parts = ftsPartsOf(db);
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
      this.wantedAutomerge = automerge;
      return this.indexChunk(maxRecords);
    });
    this.mergeTx = db.transaction((part: FtsPart, pages: number) => {
      const before = this.totalChanges.get() as number;
      this.parts.statement(part, MERGE_SQL).run(pages);
      return (this.totalChanges.get() as number) - before;
    });
    // Parts sealed before this start may be left unmerged (a stop mid-merge); the oldest is left
    // alone (retention's tombstones are there: merging would rewrite it, soon to be dropped).
    const list = this.parts.current();
    for (let i = 1; i < list.length - 1; i++) this.sealed.push(list[i]!.part);
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
   * backlog indexed without FTS5's merging at each commit left unmerged (see FTS_BACKLOG_RECORDS),
   * then the parts sealed since, each down to one segment (a range search reads each part's
   * segments). Returns the work done (0 when there was nothing to merge: no write transaction
   * until indexing writes again).
   */
  mergeSome(): number {
    const list = this.parts.current();
    if (this.unmerged) {
      // FTS5 tells a merge that did nothing by a change count below 2.
      const changes = this.mergeTx(list[list.length - 1]!, FTS_MERGE_PAGES);
      if (changes >= 2) return changes;
      this.unmerged = false;
    }
    while (this.sealed.length > 0) {
      const part = list.find((p) => p.part === this.sealed[0]);
      // A negative page count merges even fewer segments than automerge asks for, down to one.
      const changes = part && part !== list[list.length - 1] ? this.mergeTx(part, -FTS_MERGE_PAGES) : 0;
      if (changes >= 2) return changes;
      this.sealed.shift();
    }
    return 0;
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
    const state = new Map(this.state.all() as [string, number][]);
    const s: ChunkState = {
      // The last id indexed of batch throughSeq + 1, when it was left part-way (a big batch).
      partialId: state.get('partial_id') ?? -1,
      // A file from before the parts: its one part counts as full, a new one starts above every record.
      partRows: state.get('part_rows') ?? this.partRecords,
      maxId: state.get('max_id') ?? this.largestIndexed(),
      oldPartRows: state.get('old_part_rows') ?? 0,
      fromBeforeParts: !state.has('part_rows'),
      done: 0,
    };
    let throughSeq = state.get('through_seq') ?? 0;
    let finishedBatches = 0;
    for (const batch of this.nextBatches.all(throughSeq) as PendingBatch[]) {
      const after = Math.max(batch.from_id - 1, s.partialId);
      // Ids of this range written by other batches are theirs to index.
      const last = this.indexRange(s, after, batch.to_id, batch.ids ? idsJson(batch.ids) : null, maxRecords);
      if (last !== null) {
        this.setState.run('partial_id', last);
        break;
      }
      finishedBatches++;
      throughSeq = batch.seq;
      s.partialId = -1;
      this.setState.run('through_seq', throughSeq);
      this.setState.run('partial_id', -1);
      if (s.done >= maxRecords) break;
    }
    this.setState.run('part_rows', s.partRows);
    this.setState.run('max_id', s.maxId);
    this.setState.run('old_part_rows', s.oldPartRows);
    // A batch whose records were all deleted since is work done too: the caller goes on.
    return s.done + finishedBatches;
  }

  /**
   * Indexes the records of (after, to] (those of `idsJson` only, when given) into the parts that own
   * their ids, until `maxRecords` are done in the chunk. Returns null when the range is done, else
   * the last id indexed.
   */
  private indexRange(s: ChunkState, after: number, to: number, idsJson: string | null, maxRecords: number): number | null {
    let last = after;
    for (;;) {
      let part = this.parts.partOf(last + 1);
      let newest = part === this.parts.newest();
      // The newest part is full: the next starts above every id indexed (records below it that come
      // later, backfilled history, go to the part that owns their ids).
      if (newest && s.partRows >= this.partRecords && last >= s.maxId) {
        part = this.newPart(part, last + 1, !s.fromBeforeParts);
        s.partRows = 0;
        newest = true;
      }
      if (newest) this.setAutomerge(part, this.wantedAutomerge);
      let room = maxRecords - s.done;
      if (newest && s.partRows < this.partRecords) room = Math.min(room, this.partRecords - s.partRows);
      const hi = Math.min(to, part.lastId);
      const { changes, lastInsertRowid } = idsJson
        ? this.parts.statement(part, INSERT_LISTED_SQL).run(last, hi, idsJson, room)
        : this.parts.statement(part, INSERT_RANGE_SQL).run(last, hi, room);
      s.done += changes;
      if (newest) s.partRows += changes;
      else s.oldPartRows += changes;
      if (changes > 0) {
        last = Number(lastInsertRowid);
        s.maxId = Math.max(s.maxId, last);
      }
      if (changes < room) {
        // Every record of the part's share is in: on to the next part, or done.
        if (hi >= to) return null;
        last = hi;
      } else if (last >= to) return null;
      else if (s.done >= maxRecords) return last;
    }
  }

  /** The largest id in the index (a file from before the parts has one part, and no max_id kept). */
  private largestIndexed(): number {
    const newest = this.parts.newest();
    return (
      (this.parts.statement(newest, `SELECT rowid FROM fts.${FTS_PART} ORDER BY rowid DESC LIMIT 1`).pluck().get() as number | undefined) ??
      0
    );
  }

  /**
   * Starts part k + 1 at `firstId`, in the indexer's transaction (see fts-parts.ts); the full part
   * is merged down to one segment after (`mergeFull`), but the one table of a file from before the
   * parts: it holds every record indexed until then (at 100M records 8.7 GB), so that merge would
   * rewrite all of it, for a part whose segments were merged as it grew and that retention drops.
   */
  private newPart(full: FtsPart, firstId: number, mergeFull: boolean): FtsPart {
    const part = this.parts.current().reduce((k, p) => Math.max(k, p.part), 0) + 1;
    this.parts.statement(null, `CREATE VIRTUAL TABLE fts.${ftsPartTable(part)} USING ${FTS_PART_MODULE}`).run();
    this.parts.statement(null, 'INSERT INTO fts.fts_parts (part, first_id) VALUES (?, ?)').run(part, firstId);
    if (mergeFull && !this.sealed.includes(full.part)) this.sealed.push(full.part);
    return this.parts.newest();
  }

  /** FTS5 keeps the setting in the file: written only when this indexer changes it. */
  private setAutomerge(part: FtsPart, automerge: number): void {
    if (this.automerge.get(part.part) === automerge) return;
    this.parts.statement(part, SET_AUTOMERGE_SQL).run(automerge);
    this.automerge.set(part.part, automerge);
  }
}

/** What a chunk of indexing changes in the FTS file's state (see FTS_FILE_SCHEMA's fts_state). */
interface ChunkState {
  partialId: number;
  partRows: number;
  maxId: number;
  oldPartRows: number;
  /** The file was made before the parts (no part_rows kept yet): its one table is its newest part. */
  fromBeforeParts: boolean;
  /** Records indexed in this chunk. */
  done: number;
}

const insertSql = (where: string): string =>
  `INSERT INTO fts.${FTS_PART} (rowid, message, attrs, tags)
   SELECT id, message, iif(attributes IS NULL, '', ${ATTRIBUTES_TEXT_FN}(attributes)), ${FTS_TAGS_SQL} FROM logs
   WHERE id > ? AND id <= ? ${where} ORDER BY id LIMIT ?`;
const INSERT_RANGE_SQL = insertSql('');
/** A batch with its own id list (its range holds other batches' records too): the ids as a JSON array. */
const INSERT_LISTED_SQL = insertSql('AND id IN (SELECT value FROM json_each(?))');
const MERGE_SQL = `INSERT INTO fts.${FTS_PART} (${FTS_PART}, rank) VALUES ('merge', ?)`;
/** FTS5 takes only an integer there, and a JS number binds as a REAL. */
const SET_AUTOMERGE_SQL = `INSERT INTO fts.${FTS_PART} (${FTS_PART}, rank) VALUES ('automerge', CAST(? AS INTEGER))`;

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
