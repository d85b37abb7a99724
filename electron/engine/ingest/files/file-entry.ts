// A file or folder source as the source manager keeps it: its tailer, its re-read flag, and its
// view (the files read, their problems, the records stored and their rate, and how far it is
// through a backlog: a big file's first read, a folder of old logs).
import type { ReadProgress, SourceFileView, SourceView } from '../../../../shared/model.js';
import { MOMENT_OF_READING_BYTES } from '../../../../shared/sources.js';
import type { Clock } from '../../core/clock.js';
import type { LogPipeline } from './pipeline/log-pipeline.js';
import type { SourceRow, SourceStore } from '../source-store.js';
import type { Source } from '../source.js';
import { RateSampler } from '../rate-sampler.js';
import type { createFileSource } from './file-source.js';

export type Tailer = ReturnType<typeof createFileSource>;

export interface FileEntryContext {
  store: SourceStore;
  pipeline: LogPipeline;
  clock: Clock;
  /** The path of another running source (the one that reads a shared file). */
  pathOf(id: number): string | undefined;
}

export class FileEntry implements Source {
  /** A forced format is being applied: the tailer is stopped while the old records are erased. */
  rereading = false;
  /** Records stored per second, from the totals the views saw. */
  private readonly rate = new RateSampler();
  /** Bytes stored per second, for the time left. */
  private readonly byteRate = new RateSampler();

  constructor(
    public row: SourceRow & { kind: 'file' | 'folder' },
    public tailer: Tailer,
    private readonly ctx: FileEntryContext,
  ) {}

  get id(): number {
    return this.row.id;
  }

  get kind(): 'file' | 'folder' {
    return this.row.kind;
  }

  /**
   * The tailer's start reads the existing content: it is not awaited (a big folder must not hold up
   * the server's start, or the API call that added it). Its errors show on the source's state.
   */
  start(): Promise<void> {
    this.tailer.start().catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      this.ctx.pipeline.sinkFor(this.row.id, this.row.format).problem(null, this.row.path, message);
    });
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.tailer.stop();
  }

  view(): SourceView {
    const { row, tailer, ctx } = this;
    const id = row.id;
    const problems = ctx.pipeline.problems.get(id) ?? new Map<string, string>();
    const files: SourceFileView[] = ctx.store.filesOf(id).map((f) => {
      const problem = problems.get(f.path);
      return {
        path: f.path,
        format: f.format ?? row.format ?? 'detecting',
        records: f.records,
        bytes: f.bytes,
        offset: f.offset,
        truncatedLines: f.truncated_lines,
        invalidUtf8Lines: f.invalid_utf8_lines,
        ...(f.gone ? { gone: true } : {}),
        ...(problem !== undefined ? { skipped: problem } : {}),
      };
    });
    // Files another source reads: listed here, read (and counted) there.
    for (const [path, owner] of tailer.sharedFiles()) {
      if (files.some((f) => f.path === path)) continue;
      const readBy = { source: owner, path: ctx.pathOf(owner) ?? '' };
      files.push({ path, format: 'none', records: 0, bytes: 0, offset: 0, truncatedLines: 0, invalidUtf8Lines: 0, readBy });
    }
    // Problems of files that never got a row (binary, unreadable from the start).
    for (const [path, problem] of problems) {
      if (!files.some((f) => f.path === path)) {
        files.push({ path, format: 'none', records: 0, bytes: 0, offset: 0, truncatedLines: 0, invalidUtf8Lines: 0, skipped: problem });
      }
    }
    const records = files.reduce((n, f) => n + f.records, 0);
    const rate = this.rate.sample(ctx.clock.nowMs(), records);
    const progress = this.progress();
    const lastError = tailer.error() ?? [...problems.values()].at(-1);
    return {
      id,
      kind: row.kind,
      path: row.path,
      ...(row.format !== null ? { format: row.format } : {}),
      ...(row.follow_symlinks ? { followSymlinks: true } : {}),
      state: this.rereading ? 'rereading' : tailer.state(),
      records,
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      rate,
      ...(lastError ? { lastError } : {}),
      files,
      ...(progress ? { progress } : {}),
    };
  }

  /** How far the files being read are stored: what is left is past each one's offset, plus the older part of one read tail first. */
  private progress(): ReadProgress | undefined {
    const sizes = this.tailer.fileSizes();
    let bytesTotal = 0;
    let left = 0;
    let records = 0;
    for (const f of this.ctx.store.filesOf(this.row.id)) {
      const size = sizes.get(f.id);
      if (size === undefined) continue;
      bytesTotal += size;
      left += Math.max(0, size - f.offset);
      if (f.backfill_end !== null && f.backfill_offset !== null) left += f.backfill_end - f.backfill_offset;
      records += f.records;
    }
    const bytesDone = bytesTotal - left;
    const bytesPerSecond = this.byteRate.sample(this.ctx.clock.nowMs(), bytesDone);
    if (left < MOMENT_OF_READING_BYTES) return undefined;
    return {
      bytesDone,
      bytesTotal,
      records,
      recordsTotal: bytesDone > 0 ? Math.round((records * bytesTotal) / bytesDone) : records,
      secondsLeft: bytesPerSecond > 0 ? Math.ceil(left / bytesPerSecond) : null,
    };
  }
}
