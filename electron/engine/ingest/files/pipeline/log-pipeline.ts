// Lines from tailed files → records (per-file assemblers) → batched transactions with the files'
// checkpoints. A file's checkpoint only ever covers complete records: the lines of a record still
// being folded (a traceback in progress) are read again after a crash, never lost, never doubled.
// A big file read tail first has two streams, the tail and its older part (the backfill), each
// with its records in progress and its checkpoint (the backfill's under the key -fileId). The
// older part — nearly all of a big folder's lines — comes as raw bytes and is split and parsed in
// the parse thread (parse-host.ts); the tail (live appends, small files) is parsed here, at once.
import { createAssembler, type Assembler } from '../parse/assembler.js';
import { formatById } from '../parse/registry.js';
import { MAX_LINE_BYTES } from '../line-splitter.js';
import { builtParseWorker, ParseHost } from './parse-host.js';
import type { ParseRequest } from './parse-streams.js';
import { decodeRecords } from './record-codec.js';
import type { AssembledRecord, SourceLine } from '../parse/types.js';
import type { FileCheckpoint, LogInsert, LogWriter, StoredBatch } from '../../../signals/logs/log-writer.js';
import { LOG_FLAG_INVALID_UTF8, LOG_FLAG_TRUNCATED, LOG_FLAG_TS_INFERRED } from '../../../signals/logs/rows.js';
import type { SourceStore } from '../../source-store.js';
import type { FileIdentity } from '../../../core/file-identity.js';
import type { TailSink } from '../types.js';
import type { EventBus } from '../../../core/events.js';
import type { Scheduler, Task } from '../../../core/scheduler.js';

/** A batch is written when it holds this many records… */
export const BATCH_RECORDS = 8192;
/** …or when its first record has waited this long (keeps a new line's way to the API short). */
export const BATCH_DELAY_MS = 40;
/**
 * When writes fail (a full disk), records wait in memory up to this many; then the tailers wait
 * too (their lines stay in the files, nothing is lost) until a write succeeds again.
 */
export const MAX_PENDING_RECORDS = 8 * BATCH_RECORDS;
/** How soon a failed write is tried again; the wait doubles with each failure up to the max. */
export const RETRY_WRITE_MS = 1000;
export const MAX_RETRY_WRITE_MS = 30_000;

/**
 * A record still open for continuation lines (a traceback) is finished this long after its file
 * was read to the end with nothing more: loggers write a whole record at once, so this only waits
 * for the next write to tell whether it starts a new record.
 */
export const SETTLE_MS = 60;

/** Appended to the message of a line that was cut at the tailer's line limit. */
export const TRUNCATION_MARKER = ' … [line cut at the line limit]';

interface TrackedFile {
  fileId: number;
  /** The key of its records in progress and checkpoint: fileId, or -fileId for a file's older part. */
  key: number;
  sourceId: number;
  /** Parses its lines here; null for a stream parsed by the parse host (a file's older part). */
  assembler: Assembler | null;
  format: string | null;
  /** The offset the last record handed to the batch ends at. */
  offset: number;
  settleTimer: Task | null;
  /** Parse-host streams: forgotten (its pending replies are ignored). */
  dropped: boolean;
  /** Parse-host streams: the parse thread failed with it; its reader reads again from `offset`. */
  lost: boolean;
  /** Parse-host streams: the source's forced format (null: detect), to open the stream again. */
  forcedFormat: string | null;
  /** Parse-host streams: the part was read to its end; told when its last records are in the batch (undefined) or the part must be read again from an offset. */
  ending: ((again: number | undefined) => void) | null;
}

export interface PipelineStats {
  recordsWritten: number;
  batchesWritten: number;
  writeErrors: number;
  lastWriteError: string | null;
  /** Parse-host failures (the thread died or a request failed): the streams concerned were read again. */
  parseErrors: number;
  lastParseError: string | null;
}

export class LogPipeline {
  private readonly files = new Map<number, TrackedFile>();
  private batch: LogInsert[] = [];
  private checkpoints = new Map<number, FileCheckpoint>();
  private timer: Task | null = null;
  /** Set while writes fail: the one timer that tries the pending batch again (with backoff). */
  private retryTimer: Task | null = null;
  private retryDelayMs = RETRY_WRITE_MS;
  /** Tailers waiting for room (writes are failing and the pending batch is full). */
  private waitingForRoom: (() => void)[] = [];
  readonly stats: PipelineStats = {
    recordsWritten: 0,
    batchesWritten: 0,
    writeErrors: 0,
    lastWriteError: null,
    parseErrors: 0,
    lastParseError: null,
  };
  private readonly host: ParseHost;
  /** Problems per source: file path → what is wrong with it. */
  readonly problems = new Map<number, Map<string, string>>();

  constructor(
    private readonly writer: LogWriter,
    private readonly sources: SourceStore,
    private readonly scheduler: Scheduler,
    /** Told `logs.stored` after every batch written (the live tail, retention). */
    private readonly events: EventBus,
    /** The parse thread's script (null: parse on the loop); the built one when there is one. */
    parseWorker: string | null = builtParseWorker(),
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    this.host = new ParseHost(parseWorker, () => this.parseThreadLost());
  }

  /** Whether a file's older part is parsed off the engine's loop. */
  get parsesInThread(): boolean {
    return this.host.threaded;
  }

  /** Records read and waiting to be written (grows only while writes fail, up to MAX_PENDING_RECORDS and a read). */
  get pendingRecords(): number {
    return this.batch.length;
  }

  /** The TailSink of one source: its files' lines land here. */
  sinkFor(sourceId: number, formatOverride: string | null): TailSink {
    const track = (fileId: number, offset: number, backfill = false): TrackedFile => {
      const key = backfill ? -fileId : fileId;
      let f = this.files.get(key);
      if (!f) {
        if (backfill && formatOverride && formatById(formatOverride) === undefined)
          throw new Error(`unknown log format "${formatOverride}"`);
        f = {
          fileId,
          key,
          sourceId,
          assembler: backfill ? null : createAssembler(formatOverride ? { format: formatOverride } : {}),
          format: null,
          offset,
          settleTimer: null,
          dropped: false,
          lost: false,
          forcedFormat: formatOverride,
          ending: null,
        };
        this.files.set(key, f);
        if (backfill) this.openRemote(f);
      }
      return f;
    };
    const take = (f: TrackedFile, lines: SourceLine[]): void | Promise<void> => {
      this.cancelSettle(f);
      const now = this.scheduler.clock.nowUs();
      const assembler = f.assembler!; // a tail: parsed here
      for (const line of lines) this.add(f, assembler.push(line, now));
      this.noteFormat(f, assembler.format);
      this.maybeFlush();
      if (this.batch.length >= MAX_PENDING_RECORDS) return new Promise<void>((resolve) => this.waitingForRoom.push(resolve));
    };
    const older = (fileId: number): TrackedFile => this.files.get(-fileId) ?? track(fileId, this.sources.fileBackfillOffset(fileId), true);
    return {
      registerFile: (path: string, identity: FileIdentity, startOffset: number, backfill = false): number => {
        const fileId = this.sources.insertFile(sourceId, path, identity, startOffset, backfill);
        track(fileId, startOffset);
        if (backfill) track(fileId, 0, true);
        return fileId;
      },
      updateFile: (fileId, change) => this.sources.updateFile(fileId, change),
      lines: (fileId: number, lines: SourceLine[]) => take(this.files.get(fileId) ?? track(fileId, this.sources.fileOffset(fileId)), lines),
      backfillBytes: (fileId: number, bytes: Uint8Array, offset: number) => {
        const f = older(fileId);
        if (f.lost) return this.reopen(f);
        // The reader reuses its buffer; this copy is handed over to the thread, not copied again.
        const copy = new Uint8Array(bytes.byteLength);
        copy.set(bytes);
        this.sendRemote(f, { op: 'bytes', key: f.key, bytes: copy, offset, readTimeUs: this.scheduler.clock.nowUs() });
        return this.roomForBytes();
      },
      backfillDone: (fileId: number, end: number) => {
        const f = older(fileId);
        if (f.lost) return this.reopen(f);
        return new Promise<number | undefined>((resolve) => {
          f.ending = resolve;
          this.sendRemote(f, { op: 'end', key: f.key, end, readTimeUs: this.scheduler.clock.nowUs() }, () => {
            // The part ends where the tail began, a record's start: its checkpoint says it is all read.
            this.checkpointOf(f).offset = end;
            if (this.files.get(f.key) === f) this.files.delete(f.key);
            this.flush();
            f.ending = null;
            resolve(undefined);
          });
        });
      },
      caughtUp: (fileId: number) => {
        const f = this.files.get(fileId);
        if (!f || f.settleTimer !== null) return;
        f.settleTimer = this.scheduler.after(SETTLE_MS, () => {
          f.settleTimer = null;
          this.finishPending(f);
        });
      },
      idle: (fileId: number) => {
        const f = this.files.get(fileId);
        if (f) this.finishPending(f);
      },
      truncated: (fileId: number, offset: number) => {
        const f = this.files.get(fileId);
        if (f) {
          this.cancelSettle(f);
          this.flushLocal(f);
          f.offset = offset;
        }
        // The records read before the truncation are committed with the checkpoint moved back to
        // the start of the new content, in one transaction (even when writes have to be retried).
        let cp = this.checkpoints.get(fileId);
        if (!cp) this.checkpoints.set(fileId, (cp = { offset, records: 0, bytes: 0, truncatedLines: 0, invalidUtf8Lines: 0 }));
        cp.offset = offset;
        cp.truncations = (cp.truncations ?? 0) + 1;
        this.flush();
      },
      problem: (_fileId, path, problem) => {
        let byPath = this.problems.get(sourceId);
        if (!byPath) this.problems.set(sourceId, (byPath = new Map()));
        if (problem === null) byPath.delete(path);
        else byPath.set(path, problem);
      },
      gone: (fileId: number) => {
        const f = this.files.get(fileId);
        if (f) {
          this.cancelSettle(f);
          this.flushLocal(f);
        }
        this.flush();
        this.sources.markFileGone(fileId);
        this.files.delete(fileId);
        const olderPart = this.files.get(-fileId);
        if (olderPart) {
          this.files.delete(-fileId);
          this.sendRemote(olderPart, { op: 'finish', key: olderPart.key });
        }
      },
    };
  }

  /**
   * Stop following a source's files (its rows stay). An older part being parsed is dropped: its
   * checkpoint did not move past what was stored, so reading the file again goes on from there.
   */
  forgetSource(sourceId: number): void {
    for (const [id, f] of this.files) {
      if (f.sourceId !== sourceId) continue;
      this.cancelSettle(f);
      this.flushLocal(f);
      this.dropRemote(f);
      this.files.delete(id);
    }
    this.flush();
  }

  /** The file is quiet: its open record (if any) is complete. */
  private finishPending(f: TrackedFile): void {
    this.cancelSettle(f);
    this.flushLocal(f);
    this.maybeFlush();
  }

  /** A stream parsed here: its pending record is complete. */
  private flushLocal(f: TrackedFile): void {
    if (f.assembler === null) return;
    this.add(f, f.assembler.flush());
    this.noteFormat(f, f.assembler.format);
  }

  private openRemote(f: TrackedFile): void {
    this.sendRemote(f, { op: 'open', key: f.key, format: f.forcedFormat, maxLineBytes: this.maxLineBytes });
  }

  /** A stream the parse thread lost: parse it anew from the end of the last record it handed over (where its reader reads again). */
  private reopen(f: TrackedFile): number {
    f.lost = false;
    this.openRemote(f);
    return f.offset;
  }

  private markLost(f: TrackedFile): void {
    f.lost = true;
    // Its reader waits for the part's end: it reads again instead.
    const ending = f.ending;
    f.ending = null;
    if (ending) ending(this.reopen(f));
  }

  /** Parses in the parse host; the records join the batch in request order, then `then` runs. */
  private sendRemote(f: TrackedFile, req: ParseRequest, then?: () => void): void {
    this.host.send(req, (reply) => {
      if (f.dropped || f.lost) return;
      if (reply.error !== undefined) {
        this.stats.parseErrors++;
        this.stats.lastParseError = reply.error;
        this.markLost(f);
        return;
      }
      this.add(f, decodeRecords(reply.records));
      this.noteFormat(f, reply.format);
      then?.();
      this.maybeFlush();
    });
  }

  private dropRemote(f: TrackedFile): void {
    if (f.assembler !== null) return;
    f.dropped = true;
    this.host.send({ op: 'drop', key: f.key }, () => undefined);
    // A reader waiting for the part's end stops waiting: the part goes on from its checkpoint.
    f.ending?.(undefined);
    f.ending = null;
  }

  /** Room for more bytes: the parse thread keeps up, and the batch is not full of records waiting for a failing disk. */
  private roomForBytes(): Promise<void> | undefined {
    const thread = this.host.room();
    if (thread === undefined && this.batch.length < MAX_PENDING_RECORDS) return undefined;
    return (async () => {
      await thread;
      if (this.batch.length >= MAX_PENDING_RECORDS) await new Promise<void>((resolve) => this.waitingForRoom.push(resolve));
    })();
  }

  /** The parse thread died: what it held is read again (from the last record each stream handed over), parsed on the loop. */
  private parseThreadLost(): void {
    this.stats.parseErrors++;
    this.stats.lastParseError = this.host.lastError;
    for (const f of this.files.values()) if (f.assembler === null) this.markLost(f);
  }

  private cancelSettle(f: TrackedFile): void {
    if (f.settleTimer !== null) {
      f.settleTimer.cancel();
      f.settleTimer = null;
    }
  }

  /** The checkpoint of a file's stream in the batch being built. */
  private checkpointOf(f: TrackedFile): FileCheckpoint {
    let cp = this.checkpoints.get(f.key);
    if (!cp) {
      cp = { offset: f.offset, records: 0, bytes: 0, truncatedLines: 0, invalidUtf8Lines: 0 };
      if (f.key < 0) cp.backfill = true;
      this.checkpoints.set(f.key, cp);
    }
    return cp;
  }

  private add(f: TrackedFile, records: AssembledRecord[]): void {
    if (records.length === 0) return;
    const cp = this.checkpointOf(f);
    for (const r of records) {
      let flags = 0;
      let message = r.message;
      if (r.tsInferred) flags |= LOG_FLAG_TS_INFERRED;
      if (r.truncated) {
        flags |= LOG_FLAG_TRUNCATED;
        message += TRUNCATION_MARKER;
        cp.truncatedLines++;
      }
      if (r.invalidUtf8) {
        flags |= LOG_FLAG_INVALID_UTF8;
        cp.invalidUtf8Lines++;
      }
      this.batch.push({
        ts: r.ts,
        severity: r.severity,
        levelText: r.severityText,
        fileId: f.fileId,
        sourceId: f.sourceId,
        logger: r.logger,
        service: r.service,
        message,
        attributes: r.attributes,
        traceId: r.traceId,
        spanId: r.spanId,
        exception: r.exception,
        flags,
      });
      if (r.endOffset > cp.offset) cp.bytes += r.endOffset - cp.offset;
      cp.offset = r.endOffset;
      cp.records++;
    }
    f.offset = cp.offset;
  }

  private noteFormat(f: TrackedFile, format: string): void {
    if (!format || format === f.format) return;
    try {
      this.sources.setFileFormat(f.fileId, format);
      f.format = format;
    } catch {
      // Writes are failing (the batch's retry reports why); noted again with the next lines.
    }
  }

  private maybeFlush(): void {
    if (this.batch.length >= BATCH_RECORDS) this.flush();
    else if (this.batch.length > 0 && this.timer === null) {
      this.timer = this.scheduler.after(BATCH_DELAY_MS, () => {
        this.timer = null;
        this.flush();
      });
    }
  }

  /** Write what is pending now (while writes fail, the retry timer alone tries again). */
  flush(): void {
    if (this.timer !== null) {
      this.timer.cancel();
      this.timer = null;
    }
    if (this.retryTimer !== null) return;
    this.write();
  }

  private write(): boolean {
    if (this.batch.length === 0 && this.checkpoints.size === 0) return true;
    const batch = this.batch;
    const checkpoints = this.checkpoints;
    let stored: StoredBatch;
    try {
      stored = this.writer.write(batch, checkpoints);
    } catch (err) {
      // Keep the batch: nothing the user gave is lost. One timer tries it again, waiting longer
      // each time (a full disk stays full for a while), however many lines arrive meanwhile.
      this.stats.writeErrors++;
      this.stats.lastWriteError = err instanceof Error ? err.message : String(err);
      this.retryTimer = this.scheduler.after(this.retryDelayMs, () => {
        this.retryTimer = null;
        this.write();
      });
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, MAX_RETRY_WRITE_MS);
      return false;
    }
    this.retryDelayMs = RETRY_WRITE_MS;
    this.batch = [];
    this.checkpoints = new Map();
    this.stats.recordsWritten += stored.ids.length;
    this.stats.batchesWritten++;
    this.stats.lastWriteError = null;
    if (stored.ids.length > 0) this.events.emit('logs.stored', stored);
    const waiting = this.waitingForRoom;
    this.waitingForRoom = [];
    for (const resume of waiting) resume();
    return true;
  }

  /**
   * Write what is pending, one last try. Returns false when it could not (a full disk): the lines
   * are still in their files and their checkpoints did not move, so the next start reads them again.
   */
  close(): boolean {
    for (const f of this.files.values()) {
      this.cancelSettle(f);
      this.flushLocal(f);
      // An older part still being parsed is read again from its checkpoint at the next start.
      if (f.assembler === null) f.dropped = true;
      f.ending?.(undefined);
    }
    this.host.close();
    this.timer?.cancel();
    this.retryTimer?.cancel();
    this.timer = this.retryTimer = null;
    const written = this.write();
    // A failed last try leaves no retry behind: the next start reads the lines again.
    (this.retryTimer as Task | null)?.cancel();
    this.retryTimer = null;
    return written;
  }
}
