// The running inputs: one tailer per source, started from the persisted set at start-up and
// added or removed at run time (API, CLI, UI).
import { constants, type Stats } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SourceFileView, SourceView } from '../../../shared/model.js';
import type { LogPipeline } from '../pipeline/log-pipeline.js';
import type { SourceStore, SourceRow } from '../store/source-store.js';
import type { FileRecordEraser } from '../store/file-record-eraser.js';
import { formatById } from '../parse/registry.js';
import { createFileSource, type FileClaim } from './files/file-source.js';
import { hashBytes } from './files/fingerprint.js';
import { BadRequestError, NotFoundError } from '../core/errors.js';
import type { Scheduler } from '../core/scheduler.js';

type FileSource = ReturnType<typeof createFileSource>;

interface Running {
  row: SourceRow;
  tailer: FileSource;
  /** A forced format is being applied: the tailer is stopped while the old records are erased. */
  rereading?: true;
  /** Records stored at each of the last few samples, for the rate. */
  samples: { at: number; records: number }[];
}

export interface SourceManagerOptions {
  pollMs?: number;
  idleMs?: number;
}

/** How soon a failed erase (a full disk) is tried again. */
const REREAD_RETRY_MS = 5000;

export class SourceManager {
  private readonly running = new Map<number, Running>();
  /** Re-reads in progress (erase, then start the source again); stopAll waits for them. */
  private readonly rereads = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly store: SourceStore,
    private readonly pipeline: LogPipeline,
    private readonly eraser: FileRecordEraser,
    /** The tailers' timers, the re-read's retry and the rate's clock. */
    private readonly scheduler: Scheduler,
    private readonly options: SourceManagerOptions = {},
  ) {}

  /** Start every persisted source; one whose re-read a stop interrupted finishes it first, in the background. */
  async startAll(): Promise<void> {
    const rereading = new Set(this.store.supersededFiles().map((f) => f.source_id));
    for (const row of this.store.listSources()) {
      if (!rereading.has(row.id)) {
        await this.startSource(row);
        continue;
      }
      this.running.set(row.id, { row, tailer: this.newTailer(row), rereading: true, samples: [] });
      this.track(this.finishReread(row.id));
    }
    // Rows of a source removed during its re-read: erased all the same.
    if ([...rereading].some((id) => !this.running.has(id))) this.track(this.eraseSuperseded());
  }

  /**
   * Watch a file or folder. A path that does not exist yet is watched for (an app that has not
   * written its log yet); its lines are read from the start when it appears. Only a path that can
   * never appear is refused: under a file, or where Loupe may not look.
   * `followSymlinks`: read a folder's links to files outside it (by default they are listed as not followed).
   */
  async add(path: string, opts: { format?: string | null; followSymlinks?: boolean } = {}): Promise<SourceView> {
    if (typeof path !== 'string' || path.trim() === '') throw new BadRequestError('path: give the file or folder to watch');
    const abs = resolve(path.trim());
    const format = opts.format ?? null;
    if (format !== null && !formatById(format)) throw new BadRequestError(`format: unknown format "${format}"`);
    let kind: 'file' | 'folder' = 'file';
    try {
      const st = await stat(abs);
      kind = st.isDirectory() ? 'folder' : 'file';
    } catch (err) {
      const never = await whyItCannotAppear(abs, err);
      if (never) throw new BadRequestError(`path: cannot watch ${abs}: ${never}`);
    }
    const existing = this.store.listSources().find((s) => s.path === abs);
    if (existing && this.running.has(existing.id)) return this.view(existing.id)!;
    const row = this.store.addSource(kind, abs, format, opts.followSymlinks === true);
    await this.startSource(row);
    return this.view(row.id)!;
  }

  async remove(id: number): Promise<void> {
    const r = this.running.get(id);
    if (!r && !this.store.getSource(id)) throw new NotFoundError(`No source with id ${id}.`);
    if (r) await r.tailer.stop();
    this.running.delete(id);
    this.pipeline.forgetSource(id);
    this.store.removeSource(id);
  }

  /**
   * Force a format for a source (null: detect per file again). The files still on disk are read
   * again from the start with it, their old records replaced; files already gone keep theirs.
   */
  async setFormat(id: number, format: string | null): Promise<SourceView> {
    const r = this.running.get(id);
    if (!r) throw new NotFoundError(`No source with id ${id}.`);
    if (format !== null && !formatById(format)) throw new BadRequestError(`format: unknown format "${format}"`);
    if (r.rereading) throw new BadRequestError('This source is being read again with a new format; try again when it is done.');
    if (format === r.row.format) return this.view(id)!;
    r.rereading = true;
    await r.tailer.stop();
    this.pipeline.forgetSource(id);
    this.store.rereadWithFormat(id, format);
    r.row = { ...r.row, format };
    // Erasing a big file's records takes a while: the call returns, the source says 'rereading'.
    this.track(this.finishReread(id));
    return this.view(id)!;
  }

  /** Background work stopAll waits for. */
  private track(work: Promise<void>): void {
    const tracked: Promise<void> = work.finally(() => this.rereads.delete(tracked));
    this.rereads.add(tracked);
  }

  /** Erase the superseded records (retrying while writes fail), then follow the source again. */
  private async finishReread(id: number): Promise<void> {
    for (;;) {
      if (this.stopping || !this.running.has(id)) return;
      try {
        await this.eraseSuperseded();
        break;
      } catch (err) {
        const r = this.running.get(id);
        if (r) this.pipeline.sinkFor(id, r.row.format).problem(null, r.row.path, `could not erase the old records to read them again: ${err instanceof Error ? err.message : String(err)}`);
        await this.scheduler.sleep(REREAD_RETRY_MS);
      }
    }
    const r = this.running.get(id);
    if (!r || this.stopping) return;
    this.pipeline.sinkFor(id, r.row.format).problem(null, r.row.path, null);
    await this.startSource(r.row);
  }

  /** Erase the records of superseded file rows, then the rows (see SourceStore.rereadWithFormat). */
  private async eraseSuperseded(): Promise<void> {
    for (const f of this.store.supersededFiles()) {
      if (this.stopping) return;
      if (await this.eraser.erase(f, () => this.stopping)) this.store.deleteFile(f.id);
    }
  }

  list(): SourceView[] {
    return [...this.running.keys()].map((id) => this.view(id)!).filter(Boolean);
  }

  view(id: number): SourceView | undefined {
    const r = this.running.get(id);
    if (!r) return undefined;
    const problems = this.pipeline.problems.get(id) ?? new Map<string, string>();
    const files: SourceFileView[] = this.store.filesOf(id).map((f) => {
      const problem = problems.get(f.path);
      return {
        path: f.path,
        format: f.format ?? (r.row.format ?? 'detecting'),
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
    for (const [path, owner] of r.tailer.sharedFiles()) {
      if (files.some((f) => f.path === path)) continue;
      const readBy = { source: owner, path: this.running.get(owner)?.row.path ?? '' };
      files.push({ path, format: 'none', records: 0, bytes: 0, offset: 0, truncatedLines: 0, invalidUtf8Lines: 0, readBy });
    }
    // Problems of files that never got a row (binary, unreadable from the start).
    for (const [path, problem] of problems) {
      if (!files.some((f) => f.path === path)) {
        files.push({ path, format: 'none', records: 0, bytes: 0, offset: 0, truncatedLines: 0, invalidUtf8Lines: 0, skipped: problem });
      }
    }
    const records = files.reduce((n, f) => n + f.records, 0);
    const now = this.scheduler.clock.nowMs();
    r.samples.push({ at: now, records });
    while (r.samples.length > 2 && now - r.samples[0]!.at > 10_000) r.samples.shift();
    const first = r.samples[0]!;
    const rate = now > first.at ? ((records - first.records) * 1000) / (now - first.at) : 0;
    const lastError = r.tailer.error() ?? [...problems.values()].at(-1);
    return {
      id,
      kind: r.row.kind,
      path: r.row.path,
      ...(r.row.format !== null ? { format: r.row.format } : {}),
      ...(r.row.follow_symlinks ? { followSymlinks: true } : {}),
      state: r.rereading ? 'rereading' : r.tailer.state(),
      records,
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      rate: Math.round(rate * 10) / 10,
      ...(lastError ? { lastError } : {}),
      files,
    };
  }

  /**
   * One file, one reader: a file another running source has a row for is that source's (it reads
   * it, will on its start, or read it to its end: a backup it rotated away); one whose source was
   * removed is handed over with its checkpoint instead of being read again.
   */
  private claimFile(sourceId: number, file: { dev: number; ino: number }, head: Buffer): FileClaim {
    for (const row of this.store.filesWithInode(file.dev, file.ino, sourceId)) {
      // Inodes are reused: only a row whose fingerprint these bytes still have is this file.
      if (head.length < row.fp_len || hashBytes(head.subarray(0, row.fp_len)) !== row.fp_hash) continue;
      if (this.running.has(row.source_id)) return { readBy: row.source_id };
      this.store.moveFile(row.id, sourceId);
      const { id: fileId, path, dev, ino, fp_len: fpLen, fp_hash: fpHash, offset } = row;
      return { adopt: { fileId, path, dev, ino, fpLen, fpHash, offset } };
    }
    return null;
  }

  /** A source's tailer, not started yet. */
  private newTailer(row: SourceRow): FileSource {
    return createFileSource({
      path: row.path,
      known: this.store.knownFiles(row.id),
      sink: this.pipeline.sinkFor(row.id, row.format),
      followSymlinks: row.follow_symlinks === 1,
      claim: (file, head) => this.claimFile(row.id, file, head),
      scheduler: this.scheduler,
      ...(this.options.pollMs !== undefined ? { pollMs: this.options.pollMs } : {}),
      ...(this.options.idleMs !== undefined ? { idleMs: this.options.idleMs } : {}),
    });
  }

  private async startSource(row: SourceRow): Promise<void> {
    const tailer = this.newTailer(row);
    this.running.set(row.id, { row, tailer, samples: [] });
    // The tailer's start reads the existing content: don't hold up the server's start (or the
    // API call that added the source) for a big folder. Its errors show on the source's state.
    tailer.start().catch((err: unknown) => {
      this.pipeline.sinkFor(row.id, row.format).problem(null, row.path, err instanceof Error ? err.message : String(err));
    });
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.running.values()].map((r) => r.tailer.stop()));
    // An erase stops between two windows; the next start finishes it.
    await Promise.all([...this.rereads]);
    this.running.clear();
  }
}

/**
 * Why a path that can't be looked at now never will be (null: it may still appear). The nearest
 * folder above it that exists must be a folder Loupe may look into.
 */
async function whyItCannotAppear(abs: string, err: unknown): Promise<string | null> {
  const missing = (e: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');
  if (!missing(err)) return (err as Error).message;
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    let st: Stats | null = null;
    try {
      st = await stat(dir);
    } catch (e) {
      if (!missing(e)) return (e as Error).message;
    }
    if (st) {
      if (!st.isDirectory()) return `${dir} is a file, not a folder`;
      return (await access(dir, constants.R_OK | constants.X_OK).then(
        () => true,
        () => false,
      ))
        ? null
        : `no permission to look into ${dir}`;
    }
    if (dirname(dir) === dir) return null;
  }
}
