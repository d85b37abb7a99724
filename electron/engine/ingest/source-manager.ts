// The running inputs of every kind: file and folder sources (one tailer each), the kinds of source
// registered by the composition root (Prometheus scrape targets), and the sources a run is given
// (the StatsD listener). Persisted sources are started from the database at start-up and added or
// removed at run time (API, CLI, UI); each keeps its own state and problems (see Source).
import { constants, type Stats } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SourceView } from '../../../shared/model.js';
import type { LogPipeline } from './files/pipeline/log-pipeline.js';
import type { SourceStore, SourceRow } from './source-store.js';
import type { FileRecordEraser } from '../signals/logs/file-record-eraser.js';
import { formatProblem } from './files/parse/registry.js';
import { createFileSource, type FileClaim } from './files/file-source.js';
import { FileEntry, type FileEntryContext, type Tailer } from './files/file-entry.js';
import { hashBytes } from './files/fingerprint.js';
import { BadRequestError, NotFoundError } from '../core/errors.js';
import type { Scheduler } from '../core/scheduler.js';
import type { Source, SourceKindSpec } from './source.js';

export interface SourceManagerOptions {
  pollMs?: number;
  idleMs?: number;
}

/** How soon a failed erase (a full disk) is tried again. */
const REREAD_RETRY_MS = 5000;

type FileRow = SourceRow & { kind: 'file' | 'folder' };

function isFileRow(row: SourceRow): row is FileRow {
  return row.kind === 'file' || row.kind === 'folder';
}

export class SourceManager {
  private readonly running = new Map<number, Source>();
  /** The persisted kinds other than files, by kind. */
  private readonly kinds = new Map<string, SourceKindSpec>();
  /** Sources given to this run (not persisted, not removable): what set them up says why. */
  private readonly given = new Map<number, string>();
  /** Re-reads in progress (erase, then start the source again); stopAll waits for them. */
  private readonly rereads = new Set<Promise<void>>();
  private stopping = false;
  private readonly fileContext: FileEntryContext;

  constructor(
    private readonly store: SourceStore,
    private readonly pipeline: LogPipeline,
    private readonly eraser: FileRecordEraser,
    /** The tailers' timers, the re-read's retry and the rate's clock. */
    private readonly scheduler: Scheduler,
    private readonly options: SourceManagerOptions = {},
  ) {
    this.fileContext = {
      store,
      pipeline,
      clock: scheduler.clock,
      pathOf: (id) => this.fileEntry(id)?.row.path,
    };
  }

  /** Another persisted kind of source (before startAll): its rows start with the others. */
  registerKind(spec: SourceKindSpec): void {
    this.kinds.set(spec.kind, spec);
  }

  /**
   * A source this run was given (the StatsD listener): started now, listed after the persisted
   * ones, never stored. `why`: what set it up, said when someone tries to remove it.
   */
  async attach(source: Source, why: string): Promise<void> {
    this.running.set(source.id, source);
    this.given.set(source.id, why);
    await source.start();
  }

  /** Start every persisted source; one whose re-read a stop interrupted finishes it first, in the background. */
  async startAll(): Promise<void> {
    const rereading = new Set(this.store.supersededFiles().map((f) => f.source_id));
    for (const row of this.store.listSources()) {
      if (!isFileRow(row)) {
        const spec = this.kinds.get(row.kind);
        if (spec) await this.startOther(spec, row);
        continue;
      }
      if (!rereading.has(row.id)) {
        await this.startSource(row);
        continue;
      }
      const entry = new FileEntry(row, this.newTailer(row), this.fileContext);
      entry.rereading = true;
      this.running.set(row.id, entry);
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
    const formatWrong = format !== null ? formatProblem(format) : undefined;
    if (formatWrong !== undefined) throw new BadRequestError(`format: ${formatWrong}`);
    let kind: 'file' | 'folder' = 'file';
    try {
      const st = await stat(abs);
      kind = st.isDirectory() ? 'folder' : 'file';
    } catch (err) {
      const never = await whyItCannotAppear(abs, err);
      if (never) throw new BadRequestError(`path: cannot watch ${abs}: ${never}`);
    }
    const existing = this.store.listSources().find((s) => s.path === abs);
    if (existing && this.running.has(existing.id)) {
      if (!isFileRow(existing)) throw new BadRequestError(`path: ${abs} is already a ${existing.kind} source`);
      return this.view(existing.id)!;
    }
    const row = this.store.addSource(kind, abs, format, opts.followSymlinks === true) as FileRow;
    await this.startSource(row);
    return this.view(row.id)!;
  }

  /**
   * Add a source of a registered kind (a scrape target) from the request's params. The same
   * source again (same URL) takes the new settings: it is restarted with them.
   */
  async addOfKind(kind: string, params: Readonly<Record<string, unknown>>): Promise<SourceView> {
    const spec = this.kinds.get(kind);
    if (!spec)
      throw new BadRequestError(
        `kind: unknown kind of source "${kind}" (file, folder${[...this.kinds.keys()].map((k) => `, ${k}`).join('')})`,
      );
    const { path, config } = spec.prepare(params);
    const existing = this.store.listSources().find((s) => s.path === path);
    if (existing && existing.kind !== spec.kind && this.running.has(existing.id))
      throw new BadRequestError(`${path} is already a ${existing.kind} source`);
    if (existing) await this.running.get(existing.id)?.stop();
    const row = this.store.addSource(spec.kind, path, null, false, config);
    await this.startOther(spec, row);
    return this.view(row.id)!;
  }

  async remove(id: number): Promise<void> {
    const given = this.given.get(id);
    if (given !== undefined) throw new BadRequestError(`This source cannot be removed: ${given}.`);
    const r = this.running.get(id);
    if (!r && !this.store.getSource(id)) throw new NotFoundError(`No source with id ${id}.`);
    if (r) await r.stop();
    this.running.delete(id);
    this.pipeline.forgetSource(id);
    this.store.removeSource(id);
  }

  /**
   * Force a format for a source (null: detect per file again). The files still on disk are read
   * again from the start with it, their old records replaced; files already gone keep theirs.
   */
  async setFormat(id: number, format: string | null): Promise<SourceView> {
    const source = this.running.get(id);
    if (!source) throw new NotFoundError(`No source with id ${id}.`);
    const r = this.fileEntry(id);
    if (!r) throw new BadRequestError(`format: only file and folder sources have a format (source ${id} is a ${source.kind} source).`);
    const formatWrong = format !== null ? formatProblem(format) : undefined;
    if (formatWrong !== undefined) throw new BadRequestError(`format: ${formatWrong}`);
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

  /** The running file or folder source of an id. */
  private fileEntry(id: number): FileEntry | undefined {
    const s = this.running.get(id);
    return s instanceof FileEntry ? s : undefined;
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
        const r = this.fileEntry(id);
        if (r)
          this.pipeline
            .sinkFor(id, r.row.format)
            .problem(
              null,
              r.row.path,
              `could not erase the old records to read them again: ${err instanceof Error ? err.message : String(err)}`,
            );
        await this.scheduler.sleep(REREAD_RETRY_MS);
      }
    }
    const r = this.fileEntry(id);
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

  /** Every running source: the persisted ones in the order they were added, then those given to this run. */
  list(): SourceView[] {
    const ids = [...this.running.keys()];
    const ordered = [...ids.filter((id) => !this.given.has(id)), ...ids.filter((id) => this.given.has(id))];
    return ordered.map((id) => this.view(id)!).filter(Boolean);
  }

  view(id: number): SourceView | undefined {
    return this.running.get(id)?.view();
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
  private newTailer(row: SourceRow): Tailer {
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

  private async startSource(row: FileRow): Promise<void> {
    const entry = new FileEntry(row, this.newTailer(row), this.fileContext);
    this.running.set(row.id, entry);
    await entry.start();
  }

  private async startOther(spec: SourceKindSpec, row: SourceRow): Promise<void> {
    const source = spec.create(row);
    this.running.set(row.id, source);
    await source.start();
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.running.values()].map((r) => r.stop()));
    // An erase stops between two windows; the next start finishes it.
    await Promise.all([...this.rereads]);
    this.running.clear();
    this.given.clear();
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
