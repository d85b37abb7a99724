// A search correct from the first second: the bytes of the watched files not read into the store
// yet — a big file's older part while its tail was read first (files.backfill_offset..end), and
// what a file holds past its committed checkpoint (files.offset..its size) — are scanned for the
// search's literal words (query/needles.ts) on the raw bytes, and only the records around a hit
// are parsed (from their record's start, with the file's detected format) for the search's
// predicate to judge. The checkpoints are committed with the records in one transaction and the
// scan is synchronous, so a byte is either stored or scanned, never both. Files that changed under
// the scan (rotated, truncated, rewritten) are skipped and named. A browse (no words: a page of
// the Logs view by time, level, source) reads those bytes as records instead, newest first from
// its page's time (bisected on the records' times), so that browsing back never jumps over them.
// A browse for some levels only (`level:error`) parses no chunk whose bytes hold none of those
// levels' words, in the formats that take a record's level from such a word on its first line
// (level-words.ts): a rare level over a big unread part answers within the caps.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { createAssembler, type Assembler } from './parse/assembler.js';
import { levelWords } from './level-words.js';
import { looksLikeContinuation } from './parse/continuation.js';
import type { AssembledRecord } from './parse/types.js';
import { LineSplitter } from './line-splitter.js';
import { hashBytes } from './fingerprint.js';
import { TRUNCATION_MARKER } from './pipeline/log-pipeline.js';
import type { Db } from '../../core/database.js';
import type { FileRow as SourceFileRow } from '../source-store.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { Needle } from '../../signals/logs/query/needles.js';
import type { KeepUnread, LevelsKept, UnreadAnswer, UnreadFiles, UnreadMatch } from '../../signals/logs/unread-files.js';
import { LOG_FLAG_INVALID_UTF8, LOG_FLAG_TRUNCATED, LOG_FLAG_TS_INFERRED, type LogRow } from '../../signals/logs/rows.js';
import type { UnreadPart, UnreadSearched } from '../../../../shared/model.js';

/** The most one search scans of the unread bytes… */
export const MAX_SCAN_BYTES = 1024 ** 3;
/**
 * …and for how long (then it says how much it did not look at): long enough for a 1 GB folder on a
 * busy 2-core machine (the scan runs ~0.7 GB/s on one idle core), short of the search's deadline.
 */
export const MAX_SCAN_MS = 4000;
/**
 * Stand-in ids remembered before the memory is let go (a new id is then given to a record seen
 * again: never one given before, so two records never share one).
 */
const MAX_STAND_INS = 100_000;
/** Read and searched at a time, from a range's end back to its start (the newest bytes first). */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** A browse's first read back from its page's time (a page of 200 records is ~30 KB), doubled up to CHUNK_BYTES. */
const BROWSE_FIRST_CHUNK = 64 * 1024;
/**
 * How far before a hit its record's start is looked for, and after it its end: first a few lines'
 * worth (most records are one line: a common word's page parses hundreds of them), then, when the
 * record reaches past that, as far as a long traceback goes.
 */
const NEAR_WINDOW = { back: 4 * 1024, ahead: 16 * 1024 };
const WIDE_WINDOW = { back: 64 * 1024, ahead: 256 * 1024 };

/** The checkpoint columns of a file the scan reads (the `files` row, as the source store keeps it). */
type FileRow = Pick<
  SourceFileRow,
  'id' | 'source_id' | 'path' | 'dev' | 'ino' | 'fp_len' | 'fp_hash' | 'offset' | 'backfill_offset' | 'backfill_end' | 'format'
>;

/** A byte range [start, end) of a file not stored yet; `start` is a record's start (a checkpoint). */
interface Range {
  file: FileRow;
  fd: number;
  start: number;
  end: number;
}

/** What one range answered: its records kept, the bytes read, `stopped` by the caps, `changed` under the read. */
interface RangeAnswer {
  matches: UnreadMatch[];
  scanned: number;
  stopped: boolean;
  changed: boolean;
}

export class UnreadFileScan implements UnreadFiles {
  private readonly chunk = Buffer.alloc(CHUNK_BYTES + 1024);
  /** The stand-in id of each record found so far, by file id and record start (see standInId). */
  private readonly standIns = new Map<string, number>();
  private lastStandIn = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The files being read (not gone, not superseded by a re-read), the newest records' first. */
  private files(): FileRow[] {
    return this.db
      .prepare(
        `SELECT id, source_id, path, dev, ino, fp_len, fp_hash, offset, backfill_offset, backfill_end, format
         FROM files WHERE gone = 0 AND superseded = 0 ORDER BY last_id DESC`,
      )
      .all() as FileRow[];
  }

  measure(): UnreadPart {
    let bytes = 0;
    let files = 0;
    for (const f of this.files()) {
      let size: number;
      try {
        const st = statSync(f.path);
        if (st.dev !== f.dev || st.ino !== f.ino) continue;
        size = st.size;
      } catch {
        continue;
      }
      const unread = unreadBytes(f, size);
      if (unread > 0) {
        bytes += unread;
        files++;
      }
    }
    return { bytes, files };
  }

  /**
   * The unread ranges of the files (opened: the caller closes `fds`), each file's tail first, then
   * the older parts; `bytes`/`files`: how much is unread; `changed`: files skipped.
   */
  private openRanges(): { ranges: Range[]; fds: number[]; changed: string[]; bytes: number; files: number } {
    const changed: string[] = [];
    const fds: number[] = [];
    const tails: Range[] = [];
    const older: Range[] = [];
    let bytes = 0;
    let files = 0;
    try {
      for (const f of this.files()) {
        // A stat first: most files are read to their end, and a search must not open them all.
        if (!mayHaveUnread(f)) continue;
        const opened = openChecked(f);
        if (opened === 'changed') changed.push(f.path);
        if (typeof opened !== 'object') continue;
        fds.push(opened.fd);
        if (opened.size < f.offset) {
          // Truncated (copytruncate) since its checkpoint: the reader recovers it; its bytes now are not the unread ones.
          changed.push(f.path);
          continue;
        }
        const unread = unreadBytes(f, opened.size);
        if (unread === 0) continue;
        bytes += unread;
        files++;
        if (opened.size > f.offset) tails.push({ file: f, fd: opened.fd, start: f.offset, end: opened.size });
        if (backfilling(f)) {
          older.push({ file: f, fd: opened.fd, start: f.backfill_offset!, end: f.backfill_end! });
        }
      }
    } catch (err) {
      for (const fd of fds) closeSync(fd);
      throw err;
    }
    // The tails hold each file's newest lines, the older parts come after.
    return { ranges: [...tails, ...older], fds, changed, bytes, files };
  }

  scan(needles: Needle[], keep: KeepUnread, want: number): UnreadAnswer {
    const pattern = needlePattern(needles);
    return this.eachRange((range, started, budget) => this.scanRange(range, pattern, keep, want, started, budget));
  }

  browse(from: number, to: number, keep: KeepUnread, want: number, levels?: LevelsKept): UnreadAnswer {
    const unordered: string[] = [];
    const answer = this.eachRange((range, started, budget) => {
      // Only the files still read tail first (their older part, and their tail): the bytes just
      // appended to a file read to its end are stored in moments, and shown then.
      if (!backfilling(range.file)) return { matches: [], scanned: 0, stopped: false, changed: false };
      const words = levels ? levelWords(range.file.format, levels) : null;
      const r = this.browseRange(range, from, to, keep, want, started, budget, words);
      if (r.unordered) unordered.push(range.file.path);
      return r;
    });
    answer.searched.browsed = true;
    if (unordered.length > 0) answer.searched.unordered = [...new Set(unordered)];
    return answer;
  }

  /** Runs `one` over the unread ranges, newest first, within the caps (bytes and time, shared by all ranges). */
  private eachRange(one: (range: Range, started: number, budget: number) => RangeAnswer): UnreadAnswer {
    const started = this.clock.nowMs();
    const matches: UnreadMatch[] = [];
    const { ranges, fds, changed, bytes, files } = this.openRanges();
    try {
      let scanned = 0;
      let cappedAt: number | null = null;
      for (const range of ranges) {
        if (cappedAt === null && (scanned >= MAX_SCAN_BYTES || this.clock.nowMs() - started >= MAX_SCAN_MS)) cappedAt = scanned;
        if (cappedAt !== null) continue;
        const r = one(range, started, MAX_SCAN_BYTES - scanned);
        matches.push(...r.matches);
        if (r.changed) changed.push(range.file.path);
        // A range left at `want` matches is answered (its older matches are past the page).
        scanned += r.stopped ? r.scanned : range.end - range.start;
        if (r.stopped) cappedAt = scanned;
      }
      const searched: UnreadSearched = { bytes, files, scannedBytes: Math.min(bytes, scanned) };
      if (changed.length > 0) searched.changed = [...new Set(changed)];
      return { matches, searched };
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }

  /**
   * A pending record's id: negative, so never a stored record's; one of its own for each file and
   * record start (the UI keys rows by id), and the same each time that record is found again. The
   * pair has no exact 53-bit encoding for every file id and offset, so they are numbered as found.
   */
  private standInId(fileId: number, start: number): number {
    const key = `${fileId}:${start}`;
    let id = this.standIns.get(key);
    if (id === undefined) {
      if (this.standIns.size >= MAX_STAND_INS) this.standIns.clear();
      id = --this.lastStandIn;
      this.standIns.set(key, id);
    }
    return id;
  }

  /**
   * The hits of one range, from its end back to its start: each hit's record parsed, the hits
   * inside a record already parsed skipped. `stopped`: the caps ended it before its start.
   */
  private scanRange(
    range: Range,
    pattern: { re: RegExp; longest: number },
    keep: KeepUnread,
    want: number,
    started: number,
    budget: number,
  ): RangeAnswer {
    const matches: UnreadMatch[] = [];
    let scanned = 0;
    let hi = range.end;
    /** Hits at or past this byte are inside a record already parsed. */
    let before = range.end;
    while (hi > range.start && matches.length < want) {
      if (scanned >= budget || this.clock.nowMs() - started >= MAX_SCAN_MS) return { matches, scanned, stopped: true, changed: false };
      const lo = Math.max(range.start, hi - CHUNK_BYTES);
      // A few bytes past `hi`, so a word across two chunks is seen (from the chunk it starts in).
      const readEnd = Math.min(range.end, hi + pattern.longest - 1);
      const n = readFully(range.fd, this.chunk, readEnd - lo, lo);
      if (n < readEnd - lo) return { matches, scanned, stopped: false, changed: true };
      const text = this.chunk.toString('latin1', 0, n);
      const hits: number[] = [];
      pattern.re.lastIndex = 0;
      for (let m = pattern.re.exec(text); m !== null && lo + m.index < hi; m = pattern.re.exec(text)) hits.push(lo + m.index);
      for (let i = hits.length - 1; i >= 0 && matches.length < want; i--) {
        const at = hits[i]!;
        if (at >= before) continue;
        const found = recordHolding(range, at, this.clock.nowUs());
        if (found === null) return { matches, scanned, stopped: false, changed: true };
        // A line past the wide window (longer than 256 KB) is left to the reader.
        if (found === undefined) continue;
        before = found.start;
        found.row.id = this.standInId(range.file.id, found.start);
        if (keep(found.row, found.start)) matches.push({ row: found.row, file: range.file.path, offset: found.start });
      }
      scanned += hi - lo;
      hi = lo;
    }
    return { matches, scanned, stopped: false, changed: false };
  }

  /**
   * The records of one range with times in [from, to] that pass `keep`, newest first, up to
   * `want`: read back in chunks from the start of the first record past `to` (bisected on the
   * records' times), each chunk from a record's start so that a traceback is parsed whole, until
   * a record older than `from`. A record newer than the one after it means the range is not in
   * time order: it is then read whole from its end (`unordered`) and its newest `want` kept.
   */
  private browseRange(
    range: Range,
    from: number,
    to: number,
    keep: KeepUnread,
    want: number,
    started: number,
    budget: number,
    words: RegExp | null,
  ): RangeAnswer & { unordered: boolean } {
    const nowUs = this.clock.nowUs();
    let scanned = 0;
    for (const ordered of [true, false]) {
      const end = ordered ? firstAfter(range, to, nowUs) : range.end;
      if (end === null) return { matches: [], scanned, stopped: false, changed: true, unordered: !ordered };
      let matches: UnreadMatch[] = [];
      let top = end;
      let chunk = BROWSE_FIRST_CHUNK;
      /** The time of the record after the one looked at, in the file. */
      let newer = Infinity;
      let inOrder = true;
      let done = false;
      while (!done && top > range.start) {
        if (scanned >= budget || this.clock.nowMs() - started >= MAX_SCAN_MS) {
          return { matches: newestOf(matches, want), scanned, stopped: true, changed: false, unordered: !ordered };
        }
        const read = this.recordsBefore(range, top, chunk, nowUs, words);
        if (read === null) return { matches: [], scanned, stopped: false, changed: true, unordered: !ordered };
        for (let i = read.records.length - 1; i >= 0 && !done; i--) {
          const { row, start, cannotMatch } = read.records[i]!;
          if (ordered && row.ts > newer) inOrder = false;
          newer = row.ts;
          // In time order, the records before this one are older still, and the page is full.
          if (ordered && (!inOrder || row.ts < from || matches.length >= want)) done = true;
          else if (!cannotMatch && row.ts >= from && row.ts <= to && keep(row, start)) {
            row.id = this.standInId(range.file.id, start);
            matches.push({ row, file: range.file.path, offset: start });
          }
        }
        scanned += top - read.start;
        top = read.start;
        chunk = Math.min(CHUNK_BYTES, chunk * 2);
        if (!ordered && matches.length > want) matches = newestOf(matches, want);
      }
      if (inOrder) return { matches: newestOf(matches, want), scanned, stopped: false, changed: false, unordered: !ordered };
    }
    throw new Error('unreachable: the whole read of a range never bisects');
  }

  /**
   * The records starting in about `chunk` bytes before `top` (a record's start, or the range's
   * end), parsed whole with the file's format; `start`: the first one's start (the next `top`).
   * When `words` is given and the bytes hold none of them, no record there can match: only the
   * first (oldest) one is parsed, `cannotMatch`, for its time (where the browse stops, and whether
   * the range is in time order). Null when the file shrank under the read.
   */
  private recordsBefore(
    range: Range,
    top: number,
    chunk: number,
    nowUs: number,
    words: RegExp | null,
  ): { start: number; records: { row: LogRow; start: number; cannotMatch?: boolean }[] } | null {
    let at = Math.max(range.start, top - chunk);
    let first: { row: LogRow; start: number } | undefined;
    // From the start of the record holding `at` (before a line too long to parse, look further back).
    while (at > range.start) {
      const holding = recordHolding(range, at, nowUs);
      if (holding === null) return null;
      if (holding !== undefined) {
        at = holding.start;
        first = holding;
        break;
      }
      at = Math.max(range.start, at - WIDE_WINDOW.back);
    }
    const start = at;
    const length = top - start;
    const buf = length <= this.chunk.length ? this.chunk : Buffer.alloc(length);
    if (readFully(range.fd, buf, length, start) < length) return null;
    // Every record starting here has its first line here (the next one starts at `top` at the latest).
    if (words && length > 0 && !words.test(buf.toString('latin1', 0, length))) {
      if (first === undefined && start === range.start) {
        const holding = recordHolding(range, start, nowUs);
        if (holding === null) return null;
        first = holding;
      }
      if (first !== undefined && first.start === start) return { start, records: [{ row: first.row, start, cannotMatch: true }] };
    }
    const splitter = new LineSplitter();
    const lines = splitter.push(buf.subarray(0, length), start);
    // `top` is a record's start (a line's) but at the range's end, where a last line may be unfinished.
    const last = top === range.end ? splitter.flushPartial(top) : undefined;
    if (last) lines.push(last);
    const assembler = assemblerFor(range.file.format);
    const records: { row: LogRow; start: number }[] = [];
    let recordStart = start;
    const add = (assembled: AssembledRecord[]): void => {
      for (const r of assembled) {
        records.push({ row: rowOf(r, range.file, 0), start: recordStart });
        recordStart = r.endOffset;
      }
    };
    for (const line of lines) add(assembler.push(line, nowUs));
    add(assembler.flush());
    return { start, records };
  }
}

/**
 * The start of the first record of the range with a time past `to` (the range's end when none),
 * by bisecting on the records' times (files are time-ordered). Null when the file shrank.
 */
function firstAfter(range: Range, to: number, nowUs: number): number | null {
  let lo = range.start;
  let hi = range.end;
  while (lo < hi) {
    const found = recordHolding(range, lo + Math.floor((hi - lo) / 2), nowUs);
    if (found === null) return null;
    // A line too long to parse in place: read from the end (the records past `to` are left out as read).
    if (found === undefined) return range.end;
    if (found.row.ts > to) hi = Math.max(lo, found.start);
    else lo = found.end;
  }
  return lo;
}

/** The newest `want` of a range's records (by time, then by place in the file). */
function newestOf(matches: UnreadMatch[], want: number): UnreadMatch[] {
  return matches.sort((a, b) => b.row.ts - a.row.ts || b.offset - a.offset).slice(0, want);
}

/** The record holding the byte `at`: looked for in a few lines' window, then a wide one (see recordAt). */
function recordHolding(range: Range, at: number, nowUs: number): { row: LogRow; start: number; end: number } | null | undefined {
  const found = recordAt(range, at, nowUs, NEAR_WINDOW);
  const wide = found === 'wider' ? recordAt(range, at, nowUs, WIDE_WINDOW) : found;
  return wide === 'wider' ? undefined : wide;
}

/** The file at the row's path, opened, when it is still the file the row describes (same inode, same first bytes). */
function openChecked(f: FileRow): { fd: number; size: number } | 'changed' | 'missing' {
  let fd: number;
  try {
    fd = openSync(f.path, 'r');
  } catch {
    return 'missing';
  }
  const st = fstatSync(fd);
  let same = st.dev === f.dev && st.ino === f.ino;
  if (same && f.fp_len > 0) {
    const head = Buffer.alloc(f.fp_len);
    same = readFully(fd, head, f.fp_len, 0) === f.fp_len && hashBytes(head) === f.fp_hash;
  }
  if (!same) {
    closeSync(fd);
    return 'changed';
  }
  return { fd, size: st.size };
}

/** False when the file at the row's path is the row's file and wholly stored; true when unsure. */
function mayHaveUnread(f: FileRow): boolean {
  try {
    const st = statSync(f.path);
    return st.dev !== f.dev || st.ino !== f.ino || unreadBytes(f, st.size) > 0 || st.size < f.offset;
  } catch {
    return false; // gone: nothing to scan (the reader says so)
  }
}

/** Whether the file's older part (read after its tail) is not all read yet. */
function backfilling(f: FileRow): boolean {
  return f.backfill_end !== null && f.backfill_offset !== null && f.backfill_offset < f.backfill_end;
}

function unreadBytes(f: FileRow, size: number): number {
  const older = f.backfill_end !== null && f.backfill_offset !== null ? Math.max(0, f.backfill_end - f.backfill_offset) : 0;
  return Math.max(0, size - f.offset) + older;
}

function readFully(fd: number, buf: Buffer, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/**
 * One regex over the bytes read as latin1 (a byte a char): ASCII letters of caseless needles either case.
 * Built only of literal bytes (every other char escaped) and single-char classes in an alternation: no
 * quantifier, so V8 runs it in linear time and the user's words need no RE2 here.
 */
function needlePattern(needles: Needle[]): { re: RegExp; longest: number } {
  let longest = 1;
  const alternatives = needles.map((n) => {
    const bytes = Buffer.from(n.text, 'utf8');
    longest = Math.max(longest, bytes.length);
    return [...bytes.toString('latin1')]
      .map((c) => {
        if (n.caseless && /[a-zA-Z]/.test(c)) return `[${c.toLowerCase()}${c.toUpperCase()}]`;
        return /[\w]/.test(c) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
      })
      .join('');
  });
  return { re: new RegExp(alternatives.join('|'), 'g'), longest };
}

/**
 * The record holding the byte `at` of the range: its start found by walking back over the lines
 * that can't start one (indented, a traceback's phrases, and the line after such: `ValueError: …`),
 * then the lines from there given to an assembler of the file's format until the record holding
 * `at` is complete. Null when the file shrank under the read; 'wider' when the record may reach
 * past the window (its start or its end not seen), unless the window is already the wide one;
 * undefined when no record holds `at` (a line longer than the wide window).
 */
function recordAt(
  range: Range,
  at: number,
  nowUs: number,
  window: { back: number; ahead: number },
): { row: LogRow; start: number; end: number } | 'wider' | null | undefined {
  const wide = window === WIDE_WINDOW;
  const wStart = Math.max(range.start, at - window.back);
  const wEnd = Math.min(range.end, at + window.ahead);
  const win = Buffer.alloc(wEnd - wStart);
  if (readFully(range.fd, win, win.length, wStart) < win.length) return null;
  const rel = at - wStart;
  // The range starts at a record's start; a window cut before it starts at its first whole line.
  const first = wStart === range.start ? 0 : win.indexOf(10) + 1;
  const lineText = (s: number): string => {
    const nl = win.indexOf(10, s);
    return win.toString('utf8', s, nl < 0 ? win.length : nl).replace(/\r$/, '');
  };
  const lineBefore = (s: number): number => (s <= first ? -1 : win.lastIndexOf(10, s - 2) + 1);
  let start = rel === 0 ? 0 : win.lastIndexOf(10, rel - 1) + 1;
  start = Math.max(start, first);
  for (;;) {
    const prev = lineBefore(start);
    if (prev < first) {
      if (wStart > range.start && !wide) return 'wider';
      break;
    }
    if (!looksLikeContinuation(lineText(start)) && !looksLikeContinuation(lineText(prev))) break;
    start = prev;
  }
  const splitter = new LineSplitter();
  const lines = splitter.push(win.subarray(start), wStart + start);
  const last = wEnd === range.end ? splitter.flushPartial(wEnd) : undefined;
  if (last) lines.push(last);
  const assembler = assemblerFor(range.file.format);
  let recordStart = wStart + start;
  const holding = (records: AssembledRecord[]): AssembledRecord | undefined => {
    for (const r of records) {
      if (r.endOffset > at) return r;
      recordStart = r.endOffset;
    }
    return undefined;
  };
  let found: AssembledRecord | undefined;
  for (const line of lines) if ((found = holding(assembler.push(line, nowUs)))) break;
  if (!found) {
    // The window ended inside the record (or right after it, with nothing to say it was over).
    if (wEnd < range.end && !wide) return 'wider';
    found = holding(assembler.flush());
  }
  if (!found) return undefined;
  return { row: rowOf(found, range.file, 0), start: recordStart, end: found.endOffset };
}

function assemblerFor(format: string | null): Assembler {
  try {
    return createAssembler(format ? { format } : {});
  } catch {
    return createAssembler(); // a format no longer known: detect it
  }
}

/** A parsed record as the store would hold it (the pipeline's flags and marker), with a stand-in id (standInId gives it when kept). */
function rowOf(r: AssembledRecord, file: FileRow, id: number): LogRow {
  let flags = 0;
  if (r.tsInferred) flags |= LOG_FLAG_TS_INFERRED;
  if (r.truncated) flags |= LOG_FLAG_TRUNCATED;
  if (r.invalidUtf8) flags |= LOG_FLAG_INVALID_UTF8;
  return {
    id,
    ts: Math.max(0, Math.trunc(r.ts)),
    severity: r.severity,
    level_text: r.severityText ?? null,
    file_id: file.id,
    source_id: file.source_id,
    logger: r.logger ?? null,
    service: r.service ?? null,
    message: r.truncated ? r.message + TRUNCATION_MARKER : r.message,
    attributes: r.attributes && Object.keys(r.attributes).length > 0 ? JSON.stringify(r.attributes) : null,
    trace_id: r.traceId ?? null,
    span_id: r.spanId ?? null,
    exc_type: r.exception?.type ?? null,
    exc_message: r.exception?.message ?? null,
    flags,
  };
}
