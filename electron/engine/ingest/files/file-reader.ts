// One physical file being followed: its open descriptor, read position and unfinished line.
// The descriptor stays open after a rename or delete so the file can be drained to its end.
// A big file seen for the first time is read tail first: the reader starts at a record's start
// near its end, and its older part (the backfill) is read after, a slice at a time.
import type { FileHandle } from 'node:fs/promises';
import type { SourceLine } from './parse/types.js';
import { binaryReason, countLeadingNuls } from './content-sniff.js';
import { FINGERPRINT_BYTES, fingerprintMatches, fingerprintOf, readExactly } from './fingerprint.js';
import { LineSplitter } from './line-splitter.js';
import { looksLikeContinuation } from './parse/continuation.js';
import type { FileIdentity } from '../../core/file-identity.js';
import type { TailSink } from './types.js';
import type { Clock } from '../../core/clock.js';

/** How much is read per positional read: also the most a reader hands the sink at once. */
export const READ_BUFFER_BYTES = 1024 * 1024;
/** A file bigger than this, seen for the first time, is read tail first… */
export const TAIL_FIRST_MIN_BYTES = 32 * 1024 * 1024;
/**
 * …from about this far before its end: several screens of its newest lines, stored as one batch
 * (the newest line shows once the whole tail is stored, so a longer tail shows it later).
 */
export const TAIL_FIRST_BYTES = 1024 * 1024;
/** How far past that point a record's start is looked for. */
const SEAM_SEARCH_BYTES = 256 * 1024;
/** How many of the last bytes read a reader keeps, to tell which copy holds what it read. */
const LAST_READ_BYTES = 64;

/**
 * Where to start reading the tail of a big file: the first line at or after `TAIL_FIRST_BYTES`
 * before its end that starts a record — not a continuation (indented, a traceback's phrases) and
 * not the line after one (a traceback's last line, `ValueError: …`) — so no record is cut in two
 * at the seam with the older part. 0 (read it all from the start) when no line ends there.
 */
export async function tailStartOf(fd: FileHandle, size: number): Promise<number> {
  const from = Math.max(0, size - TAIL_FIRST_BYTES);
  const buf = Buffer.alloc(Math.min(SEAM_SEARCH_BYTES, size - from));
  const { bytesRead } = await fd.read(buf, 0, buf.length, from);
  const first = buf.subarray(0, bytesRead).indexOf(10);
  if (first < 0) return 0;
  // The line cut by `from` is unknown: the line after it might continue its record.
  let afterContinuation = true;
  for (let pos = first + 1; pos < bytesRead;) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0 || nl >= bytesRead) break;
    const continues = looksLikeContinuation(buf.toString('utf8', pos, nl).replace(/\r$/, ''));
    if (!continues && !afterContinuation) return from + pos;
    afterContinuation = continues;
    pos = nl + 1;
  }
  return from + first + 1;
}

/**
 * The older part [offset, end) of a file read tail first, read after the tail a slice at a time;
 * its bytes go to the sink's `backfillBytes`, which splits and parses them off the engine's loop
 * (its own records in progress and checkpoint).
 */
export class Backfill {
  constructor(
    /** Next byte to read (at a record's start when resumed from a checkpoint). */
    public offset: number,
    /** Where the tail began. */
    readonly end: number,
    private readonly ctx: ReaderContext,
  ) {}

  get done(): boolean {
    return this.offset >= this.end;
  }

  /** Reads up to `maxBytes` more of it; at its end the sink is told the part is complete. */
  async step(fd: FileHandle, fileId: number, maxBytes: number): Promise<void> {
    const sink = this.ctx.sink;
    const buf = this.ctx.buffer;
    let budget = maxBytes;
    while (budget > 0 && this.offset < this.end) {
      const want = Math.min(buf.length, this.end - this.offset);
      const { bytesRead } = await fd.read(buf, 0, want, this.offset);
      if (bytesRead === 0) break;
      const at = this.offset;
      this.offset += bytesRead;
      budget -= bytesRead;
      const again = await sink.backfillBytes?.(fileId, buf.subarray(0, bytesRead), at);
      if (typeof again === 'number') this.offset = again;
    }
    if (this.offset < this.end) return;
    const again = await sink.backfillDone?.(fileId, this.end);
    if (typeof again === 'number') this.offset = again;
  }
}

export interface ReaderContext {
  sink: TailSink;
  /** Shared by all readers of a source: they read one at a time. */
  buffer: Buffer;
  idleMs: number;
  maxLineBytes: number;
  clock: Clock;
}

export type ReplacedHow = 'shrunk' | 'rewritten';

export class FileReader {
  readonly splitter: LineSplitter;
  /** Next byte to read: everything before it was split into lines (or is the held partial line). */
  offset: number;
  lastGrowthAt: number;
  /** The quiet period was signalled and nothing was read since. */
  idleSent = false;
  /** Reading from the very start (new file, after truncation): NULs a non-O_APPEND writer left are skipped. */
  skipLeadingNuls: boolean;
  /** The content was not yet checked for being binary (the file was empty or all NULs when opened). */
  needsSniff: boolean;
  /** Set once the file was rotated away or deleted: it is drained, then closed. */
  detachedAt: number | null = null;
  /** The file's size when last looked at. */
  size = 0;
  /** The older part still to read, when the file is read tail first. */
  backfill: Backfill | null = null;
  /** Size and mtime at the last in-place replacement check: unchanged means nothing to check. */
  private checkedStat = '';
  /** The last bytes read, ending at `offset` (none after a restart, or when resumed from a checkpoint). */
  private lastRead: Buffer = Buffer.alloc(0);

  constructor(
    readonly fd: FileHandle,
    readonly fileId: number,
    public path: string,
    public identity: FileIdentity,
    offset: number,
    private readonly ctx: ReaderContext,
    opts: { fromStart: boolean; needsSniff: boolean },
  ) {
    this.offset = offset;
    this.lastGrowthAt = ctx.clock.nowMs();
    this.splitter = new LineSplitter(ctx.maxLineBytes);
    this.skipLeadingNuls = opts.fromStart;
    this.needsSniff = opts.needsSniff;
  }

  get key(): string {
    return `${this.identity.dev}:${this.identity.ino}`;
  }

  /**
   * Reads `from` (this file, or a copy of it holding the same bytes at the same offsets) from the
   * read position to its end, handing complete lines to the sink and waiting for the sink's room.
   * Returns the bytes read, or a binary-content reason (nothing is handed over then).
   */
  async readAvailable(from: FileHandle = this.fd): Promise<{ bytes: number; binary: string | null }> {
    const buf = this.ctx.buffer;
    let total = 0;
    for (;;) {
      const { bytesRead } = await from.read(buf, 0, buf.length, this.offset);
      if (bytesRead === 0) break;
      let chunk = buf.subarray(0, bytesRead);
      let chunkOffset = this.offset;
      if (this.skipLeadingNuls) {
        const nuls = countLeadingNuls(chunk);
        if (nuls === chunk.length) {
          this.offset += nuls;
          total += nuls;
          continue;
        }
        chunk = chunk.subarray(nuls);
        chunkOffset += nuls;
        this.skipLeadingNuls = false;
      }
      if (this.needsSniff) {
        const binary = binaryReason(chunk);
        if (binary) return { bytes: total, binary };
        this.needsSniff = false;
      }
      const lines = this.splitter.push(chunk, chunkOffset);
      this.keepLastRead(chunk);
      this.offset += bytesRead;
      total += bytesRead;
      if (lines.length > 0) await this.ctx.sink.lines(this.fileId, lines);
      if (bytesRead < buf.length) break;
    }
    if (total > 0) {
      this.lastGrowthAt = this.ctx.clock.nowMs();
      this.idleSent = false;
      if (from === this.fd) await this.growFingerprint();
    }
    if (from === this.fd) this.ctx.sink.caughtUp?.(this.fileId);
    return { bytes: total, binary: null };
  }

  /** Emits the unfinished line, ending at what was read so far, so it is never emitted twice. */
  async flushPartial(): Promise<void> {
    const line: SourceLine | undefined = this.splitter.flushPartial(this.offset);
    if (line) await this.ctx.sink.lines(this.fileId, [line]);
  }

  /** After `idleMs` without growth: flush the partial line, then tell the sink. */
  async idleIfQuiet(now: number): Promise<void> {
    if (this.idleSent || now - this.lastGrowthAt < this.ctx.idleMs) return;
    await this.signalIdle();
  }

  async signalIdle(): Promise<void> {
    await this.flushPartial();
    this.idleSent = true;
    this.ctx.sink.idle(this.fileId);
  }

  /** Whether the file was truncated or rewritten in place (copytruncate) since it was read. */
  async replacedInPlace(): Promise<ReplacedHow | null> {
    const st = await this.fd.stat();
    this.size = st.size;
    if (st.size < this.offset) return 'shrunk';
    const statKey = `${st.size}:${st.mtimeMs}`;
    if (statKey === this.checkedStat) return null;
    this.checkedStat = statKey;
    if (this.identity.fpLen > 0 && !(await fingerprintMatches(this.fd, this.identity))) return 'rewritten';
    // A writer without O_APPEND re-extends a truncated file with NULs up to its old position, so
    // size and an all-NUL fingerprint can look unchanged: text logs never have a NUL where new
    // content starts.
    if (st.size > this.offset && !this.skipLeadingNuls) {
      const probe = Buffer.alloc(1);
      const { bytesRead } = await this.fd.read(probe, 0, 1, this.offset);
      if (bytesRead === 1 && probe[0] === 0) return 'rewritten';
    }
    return null;
  }

  /**
   * Whether `copy` holds the bytes this reader read last at the same offsets: a copy of the content
   * it was reading, not of a later one starting the same (NULs of a non-O_APPEND writer).
   */
  async heldBy(copy: FileHandle): Promise<boolean> {
    const want = this.lastRead;
    if (want.length === 0) return true;
    const got = await readExactly(copy, want.length, this.offset - want.length);
    return got.equals(want);
  }

  /** Reading restarts at the start of the file's new content, past the NULs a non-O_APPEND writer leaves. */
  async restartAfterTruncation(): Promise<void> {
    await this.restartAt(this.fd);
  }

  /**
   * Reads a whole content this file had between two looks, truncated away before it was read, from
   * `copy` (the copy copytruncate made of it): from its start, past leading NULs, to its end.
   */
  async readGeneration(copy: FileHandle): Promise<void> {
    await this.restartAt(copy);
    await this.readAvailable(copy);
    await this.flushPartial();
  }

  /**
   * Positions the reader at the start of `from`'s text (past its leading NULs) and takes its
   * fingerprint: a checkpoint taken while reading `from` is of that content (a restart finds it in
   * its copy again).
   */
  private async restartAt(from: FileHandle): Promise<void> {
    const size = (await from.stat()).size;
    const head = Buffer.alloc(Math.min(size, READ_BUFFER_BYTES));
    const { bytesRead } = await from.read(head, 0, head.length, 0);
    const nuls = countLeadingNuls(head.subarray(0, bytesRead));
    this.splitter.reset();
    this.offset = nuls;
    this.skipLeadingNuls = true;
    this.checkedStat = '';
    this.lastRead = Buffer.alloc(0);
    this.identity = { ...this.identity, ...(await fingerprintOf(from, size)) };
    this.ctx.sink.updateFile(this.fileId, { identity: this.identity });
    this.ctx.sink.truncated(this.fileId, nuls);
  }

  private keepLastRead(chunk: Buffer): void {
    const tail = chunk.length >= LAST_READ_BYTES ? chunk : Buffer.concat([this.lastRead, chunk]);
    this.lastRead = Buffer.from(tail.subarray(Math.max(0, tail.length - LAST_READ_BYTES)));
  }

  /** The fingerprint covers more bytes as the file grows, up to FINGERPRINT_BYTES. */
  private async growFingerprint(): Promise<void> {
    if (this.identity.fpLen >= FINGERPRINT_BYTES || this.offset <= this.identity.fpLen) return;
    const fp = await fingerprintOf(this.fd, this.offset);
    if (fp.fpLen <= this.identity.fpLen) return;
    this.identity = { ...this.identity, ...fp };
    this.ctx.sink.updateFile(this.fileId, { identity: this.identity });
  }

  async close(): Promise<void> {
    await this.fd.close().catch(() => undefined);
  }
}
