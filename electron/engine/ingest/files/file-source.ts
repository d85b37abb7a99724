// Watches one source path (a file or a folder) and follows every file it covers through rotation:
// rename chains, date suffixes, logrotate create/copytruncate, delete-and-recreate.
//
// Everything runs in one serialized "pass" loop (pass-loop.ts), triggered by chokidar events (fast,
// lossy) and a stat poll (slow, reliable): a pass never overlaps another, so readers need no locking.
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { isAccounted, type Fingerprint } from './accounted.js';
import { BackupNames } from './backup-names.js';
import { binaryReason, countLeadingNuls, isCompressedName, SNIFF_BYTES } from './content-sniff.js';
import { CopytruncateRecovery } from './copytruncate.js';
import { Backfill, FileReader, READ_BUFFER_BYTES, TAIL_FIRST_MIN_BYTES, tailStartOf, type ReaderContext } from './file-reader.js';
import { fingerprintMatches, fingerprintOf, inodeKey, readExactly } from './fingerprint.js';
import { listFolderFiles } from './folder-listing.js';
import { errorText, isMissing } from './fs-errors.js';
import { PassLoop } from './pass-loop.js';
import { nearestExistingFolder, PathWatcher } from './path-watcher.js';
import { RotatedAway } from './rotated-away.js';
import { MAX_LINE_BYTES } from './line-splitter.js';
import { stableListing, statAll, type ListedFile } from './stable-listing.js';
import type { FileIdentity, KnownFile } from '../../core/file-identity.js';
import type { TailSink } from './types.js';
import { systemClock } from '../../core/clock.js';
import { Scheduler } from '../../core/scheduler.js';

export { FINGERPRINT_BYTES } from './fingerprint.js';
export { MAX_LINE_BYTES } from './line-splitter.js';

export const DEFAULT_POLL_MS = 250;
export const DEFAULT_IDLE_MS = 1000;
export const COMPRESSED_BACKUP_PROBLEM = 'compressed backup: its lines were read before it was compressed';

/** For this long after start, every pass lists the files while known ones are not resumed yet. */
const KNOWN_SEARCH_MS = 30_000;
/** How much of the big files' older parts a pass reads (then the tails are looked at again). */
const BACKFILL_SLICE_BYTES = 8 * READ_BUFFER_BYTES;

export interface FileSourceOptions {
  path: string;
  known: KnownFile[];
  sink: TailSink;
  pollMs?: number;
  idleMs?: number;
  maxLineBytes?: number;
  /** Folder mode: read links to files outside the folder (otherwise they are reported, not read). */
  followSymlinks?: boolean;
  /**
   * Asked before a file not known to this source is read: another source may read it already
   * (overlapping folders, a folder and a file in it). Called with the file's first bytes (at least
   * its fingerprint's), and synchronously before the file is registered, so two sources can't both
   * take a new file.
   */
  claim?: (file: { dev: number; ino: number }, head: Buffer) => FileClaim;
  /** The poll, the pass delays and the grace periods run on it (the real clock by default). */
  scheduler?: Scheduler;
}

/**
 * Whose a file is: null (nobody else's: read it), another running source's (`readBy`: its id), or
 * a file of a source no longer running, handed over with its checkpoint (`adopt`).
 */
export type FileClaim = { readBy: number } | { adopt: KnownFile } | null;

export type FileSourceState = 'watching' | 'missing' | 'error';

export interface FileSource {
  start(): Promise<void>;
  stop(): Promise<void>;
  state(): FileSourceState;
  error(): string | null;
  /** Files of this source not read by it because another source reads them: path → that source's id. */
  sharedFiles(): ReadonlyMap<string, number>;
  /** The files it reads now: file id → size when last looked at (how much there is to read). */
  fileSizes(): ReadonlyMap<number, number>;
}

export function createFileSource(opts: FileSourceOptions): FileSource {
  return new FileSourceRunner(opts);
}

class FileSourceRunner implements FileSource {
  private readonly root: string;
  private readonly sink: TailSink;
  private readonly ctx: ReaderContext;
  /** Decided when the path is first seen: a single file (siblings are only backups) or a folder (every file is a source). */
  private mode: 'file' | 'folder' | null = null;

  /** Every open file, by dev:ino (an open descriptor keeps its inode from being reused). */
  private readonly readers = new Map<string, FileReader>();
  /** File mode: the reader of the file now at the path. */
  private current: FileReader | null = null;
  /**
   * Known files (from the store) not resumed yet. One leaves this list when it is opened again, or
   * when a listing that no rotation tore (see stable-listing.ts) no longer holds its inode (it was
   * deleted or compressed while Loupe was down), or when its inode holds another file now.
   */
  private unclaimedKnown: KnownFile[];
  /** Files deliberately not read, by dev:ino with their fingerprint (inodes get reused): older backups, consumed copies, binaries. */
  private readonly accounted = new Map<string, Fingerprint>();
  /** Folder mode: open readers missing from the last listing (moved out of the folder), with since when. */
  private readonly unlisted = new Map<string, number>();
  private readonly problems = new Map<string, string>();

  private currentState: FileSourceState = 'missing';
  private currentError: string | null = null;

  private readonly watcher: PathWatcher;
  private readonly scheduler: Scheduler;
  private readonly passes: PassLoop;
  /** File mode: the backups present when the file was first looked at were taken stock of (not read). */
  private siblingsBaselined = false;
  private readonly backups: BackupNames;
  private readonly copytruncate: CopytruncateRecovery;
  private readonly rotated: RotatedAway;
  private readonly createdAt: number;
  private readonly followSymlinks: boolean;
  private readonly claim: NonNullable<FileSourceOptions['claim']>;
  /** Files another source reads (path → its id), as of the last listing. */
  private readonly shared = new Map<string, number>();

  constructor(opts: FileSourceOptions) {
    this.root = resolve(opts.path);
    this.sink = opts.sink;
    const idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.scheduler = opts.scheduler ?? new Scheduler(systemClock);
    this.createdAt = this.scheduler.clock.nowMs();
    this.ctx = {
      clock: this.scheduler.clock,
      sink: opts.sink,
      buffer: Buffer.alloc(READ_BUFFER_BYTES),
      idleMs,
      maxLineBytes: opts.maxLineBytes ?? MAX_LINE_BYTES,
    };
    this.unclaimedKnown = [...opts.known];
    this.followSymlinks = opts.followSymlinks === true;
    this.claim = opts.claim ?? (() => null);
    this.backups = new BackupNames(this.root);
    this.passes = new PassLoop(this.scheduler, opts.pollMs ?? DEFAULT_POLL_MS, {
      pass: (discover) => this.pass(discover),
      failed: (err) => {
        // The error is the source's state until a pass succeeds.
        this.setState('error', errorText(err));
        this.reportProblem(null, this.root, errorText(err));
      },
      relists: () => this.mode !== 'file',
    });
    this.watcher = new PathWatcher(this.scheduler, {
      onEvent: (event, path) => {
        if (this.mode === 'file' && !this.backups.isOwn(basename(path))) return;
        this.passes.kick(event !== 'change');
      },
      onError: (target, problem) => this.reportProblem(null, target, problem),
      stopped: () => this.stopped,
    });
    this.copytruncate = new CopytruncateRecovery({
      readers: this.readers,
      accounted: this.accounted,
      backups: this.backups,
      sink: this.sink,
      reader: this.ctx,
      mode: () => this.mode,
      unclaimedKnown: () => this.unclaimedKnown,
    });
    this.rotated = new RotatedAway({
      readers: this.readers,
      accounted: this.accounted,
      sink: this.sink,
      clock: this.scheduler.clock,
      idleMs,
      readOrSkip: (reader) => this.readOrSkip(reader),
      reportProblem: (fileId, path, problem) => this.reportProblem(fileId, path, problem),
    });
  }

  state(): FileSourceState {
    return this.currentState;
  }

  error(): string | null {
    return this.currentError;
  }

  sharedFiles(): ReadonlyMap<string, number> {
    return this.shared;
  }

  fileSizes(): ReadonlyMap<number, number> {
    const sizes = new Map<number, number>();
    for (const reader of this.readers.values()) sizes.set(reader.fileId, Math.max(reader.size, reader.offset));
    return sizes;
  }

  async start(): Promise<void> {
    await this.passes.start();
  }

  async stop(): Promise<void> {
    this.passes.halt();
    await this.watcher.close();
    await this.passes.settled();
    // No partial line is flushed: the committed offsets say where to resume next time.
    for (const reader of this.readers.values()) await reader.close();
    this.readers.clear();
    this.current = null;
  }

  private get stopped(): boolean {
    return this.passes.stopped;
  }

  private get firstPass(): boolean {
    return this.passes.first;
  }

  private setState(state: FileSourceState, error: string | null): void {
    this.currentState = state;
    this.currentError = error;
  }

  private reportProblem(fileId: number | null, path: string, problem: string): void {
    if (this.problems.get(path) === problem) return;
    this.problems.set(path, problem);
    this.sink.problem(fileId, path, problem);
  }

  private clearProblem(fileId: number | null, path: string): void {
    if (!this.problems.has(path)) return;
    this.problems.delete(path);
    this.sink.problem(fileId, path, null);
  }

  // ---- the pass ----

  private async pass(discover: boolean): Promise<void> {
    let rootStat: Stats | null = null;
    try {
      rootStat = await stat(this.root);
    } catch (err) {
      if (!isMissing(err)) {
        this.setState('error', errorText(err));
        this.reportProblem(null, this.root, errorText(err));
        if (this.mode !== 'file') return;
      }
    }
    if (this.mode === null && rootStat) this.mode = rootStat.isDirectory() ? 'folder' : 'file';
    // A missing path that was a file before (its known files say so): its backups may hold them.
    if (this.mode === null && this.unclaimedKnown.some((k) => dirname(k.path) === dirname(this.root))) this.mode = 'file';
    if (this.mode === null) {
      // Not there yet: watch the nearest parent that exists so its creation is noticed quickly.
      this.setState(this.currentState === 'error' ? 'error' : 'missing', this.currentError);
      // Backups already there now are old; one appearing later was rotated before we saw its file.
      if (!this.siblingsBaselined || this.lookingForKnown()) await this.scanSiblings();
      const parent = await nearestExistingFolder(dirname(this.root));
      if (parent) await this.watcher.ensure(parent, false);
      return;
    }
    if (this.mode === 'file') await this.passFile(rootStat);
    else await this.passFolder(rootStat, discover || this.firstPass || this.lookingForKnown());
    await this.backfillSlice();
  }

  /**
   * Reads a slice of each big file's older part, after the tails (the newest lines first); while
   * some is left, another pass follows at once.
   */
  private async backfillSlice(): Promise<void> {
    for (const reader of this.readers.values()) {
      const backfill = reader.backfill;
      if (!backfill || this.stopped) continue;
      try {
        await backfill.step(reader.fd, reader.fileId, BACKFILL_SLICE_BYTES);
      } catch (err) {
        this.reportProblem(reader.fileId, reader.path, `cannot read: ${errorText(err)}`);
        continue;
      }
      if (backfill.done) reader.backfill = null;
      else this.passes.again();
    }
  }

  // ---- a single file path ----

  private async passFile(pathStat: Stats | null): Promise<void> {
    const dir = dirname(this.root);
    if (this.stopped) return;
    await this.watcher.ensure((await nearestExistingFolder(dir)) ?? dir, false);
    let rotated = false;
    const cur = this.current;
    if (cur && (!pathStat || pathStat.dev !== cur.identity.dev || pathStat.ino !== cur.identity.ino)) {
      await this.rotated.detach(cur);
      this.current = null;
      rotated = true;
    }
    if (!pathStat) this.shared.delete(this.root);
    if (!this.current && pathStat?.isFile()) {
      this.current = await this.openFile(this.root);
      if (this.current) this.clearProblem(this.current.fileId, this.root);
      if (this.current || this.firstPass) rotated = true;
    }
    if (rotated || !this.siblingsBaselined || this.lookingForKnown()) await this.scanSiblings();

    if (this.current) await this.follow(this.current);
    await this.rotated.drain();
    if (!pathStat) this.setState('missing', null);
    else if (this.current || !this.problems.has(this.root)) this.setState('watching', null);
    else this.setState('error', this.problems.get(this.root) ?? null);
  }

  /**
   * File mode: siblings are not sources, but (1) on the first pass a known file may be found
   * there (rotated while Loupe was down), and any backup written after it was rotated holds lines
   * never read; (2) after a rotation, a backup we have never seen is a generation that was
   * created and rotated between two passes: read it whole.
   */
  private async scanSiblings(): Promise<void> {
    const found: { path: string; st: Stats; mtimeMs: number }[] = [];
    let listing: ListedFile[];
    if (this.unclaimedKnown.length > 0) {
      // Known files are judged gone from this listing: the file itself and its backups, untorn.
      listing = await stableListing(async () => [this.root, ...(await this.backups.paths())], this.scheduler);
      this.forgetKnownNotListed(listing);
      listing = listing.filter((f) => f.path !== this.root);
    } else listing = await statAll(await this.backups.paths());
    for (const { path, st } of listing) {
      if (st?.isFile()) found.push({ path, st, mtimeMs: st.mtimeMs });
    }
    // Oldest first, so that generations are handed over in the order they were written.
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    let resumedKnownMtime = Infinity;
    const unread: typeof found = [];
    for (const f of found) {
      const key = inodeKey(f.st);
      const reader = this.readers.get(key);
      if (reader) {
        if (reader.path !== f.path) {
          reader.path = f.path;
          this.sink.updateFile(reader.fileId, { path: f.path });
        }
        continue;
      }
      if (await isAccounted(f.path, this.readers, this.accounted)) continue;
      if (this.unclaimedKnown.length > 0) {
        const resumed = await this.openFile(f.path, { knownOnly: true });
        if (resumed) {
          resumedKnownMtime = Math.min(resumedKnownMtime, f.mtimeMs);
          await this.rotated.detach(resumed);
          continue;
        }
      }
      unread.push(f);
    }
    for (const f of unread) {
      const key = inodeKey(f.st);
      if (this.siblingsBaselined || f.mtimeMs > resumedKnownMtime) {
        // Written after the last file we followed was rotated away: its lines were never read.
        const reader = await this.openFile(f.path);
        if (reader) await this.rotated.detach(reader);
      } else {
        const fd = await open(f.path, 'r').catch(() => null);
        if (!fd) continue;
        try {
          this.accounted.set(key, await fingerprintOf(fd, f.st.size));
        } finally {
          await fd.close();
        }
      }
    }
    this.siblingsBaselined = true;
  }

  /**
   * Whether passes should list the files for known ones not resumed yet: right after start (a
   * rotation may have hidden one from a listing). A known file still unclaimed later (listed but
   * unreadable) is matched by the regular listings, without a listing on every pass for it.
   */
  private lookingForKnown(): boolean {
    return this.unclaimedKnown.length > 0 && this.scheduler.clock.nowMs() - this.createdAt < KNOWN_SEARCH_MS;
  }

  private forgetUnclaimedKnown(): void {
    for (const known of this.unclaimedKnown) this.sink.gone(known.fileId);
    this.unclaimedKnown = [];
  }

  /** Known files whose inode is in no name of a stable listing were deleted (or compressed) while Loupe was down. */
  private forgetKnownNotListed(listing: ListedFile[]): void {
    const listed = new Set(listing.flatMap((f) => (f.st ? [inodeKey(f.st)] : [])));
    const gone = this.unclaimedKnown.filter((k) => !listed.has(inodeKey(k)));
    if (gone.length === 0) return;
    this.unclaimedKnown = this.unclaimedKnown.filter((k) => listed.has(inodeKey(k)));
    for (const known of gone) this.sink.gone(known.fileId);
  }

  // ---- a folder ----

  private async passFolder(rootStat: Stats | null, discover: boolean): Promise<void> {
    if (!rootStat) {
      // The folder is gone, and the files in it with it.
      this.forgetUnclaimedKnown();
      this.setState('missing', null);
      await this.watcher.close();
      const parent = await nearestExistingFolder(dirname(this.root));
      if (parent) await this.watcher.ensure(parent, false);
    } else {
      await this.watcher.ensure(this.root, true);
      if (discover) await this.discoverFolder();
      this.setState('watching', null);
    }
    for (const reader of [...this.readers.values()]) {
      if (reader.detachedAt === null) await this.follow(reader);
    }
    await this.rotated.drain();
  }

  private async discoverFolder(): Promise<void> {
    const realRoot = await realpath(this.root).catch(() => this.root);
    const listFolder = (): Promise<string[]> =>
      listFolderFiles(this.root, realRoot, this.followSymlinks, (path, problem) => this.reportProblem(null, path, problem));
    let listing: ListedFile[];
    if (this.unclaimedKnown.length > 0) {
      listing = await stableListing(listFolder, this.scheduler);
      this.forgetKnownNotListed(listing);
    } else listing = await statAll(await listFolder());
    const listed = new Set<string>();
    for (const { path, st, error } of listing) {
      if (this.stopped) return;
      if (isCompressedName(path)) {
        this.reportProblem(null, path, COMPRESSED_BACKUP_PROBLEM);
        continue;
      }
      if (!st) {
        if (!isMissing(error)) this.reportProblem(null, path, errorText(error));
        continue;
      }
      if (!st.isFile()) continue;
      const key = inodeKey(st);
      listed.add(key);
      const reader = this.readers.get(key);
      if (reader) {
        if (reader.path !== path) {
          // Renamed in the folder (rotation): the same file under a new name, not a new file.
          reader.path = path;
          this.sink.updateFile(reader.fileId, { path });
        }
        continue;
      }
      if (await isAccounted(path, this.readers, this.accounted)) continue;
      const reader2 = await this.openFile(path, { holdCopies: true });
      if (reader2) this.clearProblem(reader2.fileId, path);
    }
    // A file another source reads that is no longer here is no longer shared.
    const paths = new Set(listing.map((f) => f.path));
    for (const path of this.shared.keys()) if (!paths.has(path)) this.shared.delete(path);
    const now = this.scheduler.clock.nowMs();
    for (const reader of [...this.readers.values()]) {
      if (listed.has(reader.key)) {
        this.unlisted.delete(reader.key);
        continue;
      }
      if (reader.detachedAt !== null) continue;
      const links = (await reader.fd.stat()).nlink;
      const since = this.unlisted.get(reader.key) ?? now;
      this.unlisted.set(reader.key, since);
      // Deleted (no name left), or moved out of the folder for good.
      if (links === 0 || now - since >= this.rotated.graceMs()) {
        this.unlisted.delete(reader.key);
        await this.rotated.detach(reader);
      }
    }
  }

  // ---- one file ----

  /**
   * Opens a file seen for the first time by this pass loop: resumes it when it is a known file,
   * otherwise registers it and reads it from the start. Returns null when it is not to be read
   * (binary, unreadable, a held copy, or not known when only known files are wanted).
   */
  private async openFile(path: string, opts: { knownOnly?: boolean; holdCopies?: boolean } = {}): Promise<FileReader | null> {
    let fd: FileHandle;
    try {
      fd = await open(path, 'r');
    } catch (err) {
      if (!isMissing(err)) this.reportProblem(null, path, `cannot read: ${errorText(err)}`);
      return null;
    }
    let keep = false;
    try {
      const st = await fd.stat();
      if (!st.isFile()) return null;
      const key = inodeKey(st);
      if (this.readers.has(key)) return null;
      // Names move under us (rename chains): the file now at this name may be one already read.
      const accounted = this.accounted.get(key);
      if (accounted && path !== this.root) {
        if (await fingerprintMatches(fd, accounted)) return null;
        this.accounted.delete(key);
      }

      for (const known of this.unclaimedKnown) {
        if (known.dev !== st.dev || known.ino !== st.ino) continue;
        this.unclaimedKnown = this.unclaimedKnown.filter((k) => k !== known);
        if (!(await fingerprintMatches(fd, known))) {
          if (path === this.root && this.mode === 'file' && (await this.copytruncate.copyExists(known))) {
            // copytruncate while Loupe was down: the same file, its content replaced, the old one in a copy.
            keep = true;
            return await this.resume(fd, st, path, known, true);
          }
          // Its inode holds another file now: the known one was deleted while Loupe was down.
          this.sink.gone(known.fileId);
          break;
        }
        keep = true;
        return await this.resume(fd, st, path, known);
      }
      if (opts.knownOnly) return null;

      const head = await readExactly(fd, Math.min(st.size, SNIFF_BYTES), 0);
      const nuls = countLeadingNuls(head);
      const fp = await fingerprintOf(fd, st.size);
      if (opts.holdCopies && (await this.copytruncate.holdIfCopy(key, head))) return null;
      const binary = binaryReason(head.subarray(nuls));
      if (binary) {
        this.accounted.set(key, fp);
        this.reportProblem(null, path, binary);
        return null;
      }
      // From the claim to the registration nothing awaits: no other source can take the file between.
      const claim = this.claim(st, head);
      if (claim && 'readBy' in claim) {
        this.shared.set(path, claim.readBy);
        return null;
      }
      this.shared.delete(path);
      if (claim) {
        // A removed source's file: go on from its checkpoint (its fingerprint was checked on these bytes).
        keep = true;
        return await this.resume(fd, st, path, claim.adopt);
      }
      const identity: FileIdentity = { dev: st.dev, ino: st.ino, ...fp };
      // A big file: its newest lines first, its older part after (when the sink can take it apart).
      const tailFirst = this.sink.backfillBytes !== undefined && nuls === 0 && st.size > TAIL_FIRST_MIN_BYTES;
      const start = tailFirst ? await tailStartOf(fd, st.size) : 0;
      const fileId = this.sink.registerFile(path, identity, start, start > 0);
      const reader = new FileReader(fd, fileId, path, identity, start, this.ctx, {
        fromStart: start === 0,
        needsSniff: nuls === head.length,
      });
      if (start > 0) reader.backfill = new Backfill(0, start, this.ctx);
      reader.size = st.size;
      keep = true;
      this.readers.set(key, reader);
      this.copytruncate.release(key);
      return reader;
    } finally {
      if (!keep) await fd.close().catch(() => undefined);
    }
  }

  /** Follows a file the store knows from its committed checkpoint (`replaced`: its content was replaced in place since). */
  private async resume(fd: FileHandle, st: Stats, path: string, known: KnownFile, replaced = false): Promise<FileReader> {
    const identity: FileIdentity = { dev: known.dev, ino: known.ino, fpLen: known.fpLen, fpHash: known.fpHash };
    const reader = new FileReader(fd, known.fileId, path, identity, known.offset, this.ctx, {
      fromStart: known.offset === 0,
      needsSniff: false,
    });
    if (known.backfill) reader.backfill = new Backfill(known.backfill.offset, known.backfill.end, this.ctx);
    reader.size = st.size;
    this.readers.set(reader.key, reader);
    if (path !== known.path) this.sink.updateFile(known.fileId, { path });
    // Truncated while Loupe was down: recover what the copy kept, then read the new content. (Now,
    // before this pass takes stock of the backups: the copy is one of them.)
    if (replaced || (await reader.replacedInPlace())) await this.copytruncate.recover(reader);
    return reader;
  }

  /** Checks for in-place truncation, reads what is new, signals a quiet period. */
  private async follow(reader: FileReader): Promise<void> {
    try {
      if (await reader.replacedInPlace()) await this.copytruncate.recover(reader);
      await this.readOrSkip(reader);
      await reader.idleIfQuiet(this.scheduler.clock.nowMs());
    } catch (err) {
      this.reportProblem(reader.fileId, reader.path, `cannot read: ${errorText(err)}`);
      return;
    }
    this.clearProblem(reader.fileId, reader.path);
  }

  private async readOrSkip(reader: FileReader): Promise<void> {
    const { binary } = await reader.readAvailable();
    if (!binary) return;
    this.reportProblem(reader.fileId, reader.path, binary);
    this.accounted.set(reader.key, reader.identity);
    this.readers.delete(reader.key);
    if (this.current === reader) this.current = null;
    await reader.close();
  }
}
