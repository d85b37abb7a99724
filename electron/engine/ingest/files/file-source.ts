// Watches one source path (a file or a folder) and follows every file it covers through rotation:
// rename chains, date suffixes, logrotate create/copytruncate, delete-and-recreate.
//
// Everything runs in one serialized "pass" loop, triggered by chokidar events (fast, lossy) and a
// stat poll (slow, reliable): a pass never overlaps another, so readers need no locking.
import { watch, type FSWatcher } from 'chokidar';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { binaryReason, countLeadingNuls, isCompressedName, SNIFF_BYTES } from './content-sniff.js';
import { Backfill, FileReader, READ_BUFFER_BYTES, TAIL_FIRST_MIN_BYTES, tailStartOf, type ReaderContext } from './file-reader.js';
import { fingerprintMatches, fingerprintOf, hashBytes, inodeKey, readExactly } from './fingerprint.js';
import { MAX_LINE_BYTES } from './line-splitter.js';
import { stableListing, statAll, type ListedFile } from './stable-listing.js';
import type { FileIdentity, KnownFile } from '../../core/file-identity.js';
import type { TailSink } from './types.js';
import { systemClock } from '../../core/clock.js';
import { Scheduler, type Task } from '../../core/scheduler.js';

export { FINGERPRINT_BYTES } from './fingerprint.js';
export { MAX_LINE_BYTES } from './line-splitter.js';

export const DEFAULT_POLL_MS = 250;
export const DEFAULT_IDLE_MS = 1000;
export const COMPRESSED_BACKUP_PROBLEM = 'compressed backup: its lines were read before it was compressed';

/** After a rename or delete, a writer may still finish a write to the old descriptor: wait this long quiet. */
const MIN_DRAIN_GRACE_MS = 1000;
/** In a folder, a new file starting with a followed file's bytes may be a copytruncate copy: wait this long for the truncation. */
const COPY_WAIT_MS = 5000;
/** For this long after start, every pass lists the files while known ones are not resumed yet. */
const KNOWN_SEARCH_MS = 30_000;
/** Folder sources re-list their tree every this many polls even without events. */
const POLLS_PER_RELIST = 4;
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

type Fingerprint = { fpLen: number; fpHash: string };

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Names of backups that keep the extension (logrotate `extension .log`): stem, a separator, a number
 * or a date (with an optional time), then the extension. Narrow on purpose: app-error.log is not a
 * backup of app.log.
 */
export function extensionStyleBackup(base: string): RegExp | null {
  const ext = extname(base);
  if (ext === '' || ext === base) return null;
  const esc = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stem = esc(base.slice(0, -ext.length));
  return new RegExp(`^${stem}[-._](?:\\d{1,4}|\\d{4}-?\\d{2}-?\\d{2}(?:[-_T]?\\d{2}(?:[-:]?\\d{2}){0,2})?|\\d{10})${esc(ext)}$`);
}

function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

class FileSourceRunner implements FileSource {
  private readonly root: string;
  private readonly sink: TailSink;
  private readonly pollMs: number;
  private readonly idleMs: number;
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
  /** Folder mode: possible copytruncate copies held back, by dev:ino, with when they were first seen. */
  private readonly heldCopies = new Map<string, number>();
  /** Folder mode: open readers missing from the last listing (moved out of the folder), with since when. */
  private readonly unlisted = new Map<string, number>();
  private readonly problems = new Map<string, string>();

  private currentState: FileSourceState = 'missing';
  private currentError: string | null = null;

  private watcher: FSWatcher | null = null;
  private watcherTarget: string | null = null;
  private readonly scheduler: Scheduler;
  private pollTimer: Task | null = null;
  private kickTimer: Task | null = null;
  private pollCount = 0;
  private running: Promise<void> | null = null;
  private rerun = false;
  private wantDiscovery = true;
  private firstPass = true;
  /** File mode: the backups present when the file was first looked at were taken stock of (not read). */
  private siblingsBaselined = false;
  private stopped = false;
  private readonly extensionStyle: RegExp | null;
  private readonly createdAt: number;
  private readonly followSymlinks: boolean;
  private readonly claim: NonNullable<FileSourceOptions['claim']>;
  /** Files another source reads (path → its id), as of the last listing. */
  private readonly shared = new Map<string, number>();

  constructor(opts: FileSourceOptions) {
    this.root = resolve(opts.path);
    this.sink = opts.sink;
    this.pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.scheduler = opts.scheduler ?? new Scheduler(systemClock);
    this.createdAt = this.scheduler.clock.nowMs();
    this.ctx = {
      clock: this.scheduler.clock,
      sink: opts.sink,
      buffer: Buffer.alloc(READ_BUFFER_BYTES),
      idleMs: this.idleMs,
      maxLineBytes: opts.maxLineBytes ?? MAX_LINE_BYTES,
    };
    this.unclaimedKnown = [...opts.known];
    this.followSymlinks = opts.followSymlinks === true;
    this.claim = opts.claim ?? (() => null);
    this.extensionStyle = extensionStyleBackup(basename(this.root));
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
    this.stopped = false;
    this.schedulePoll();
    // The first pass decides which known files resume where: wait for it before events can race it.
    this.kick(true, 0);
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pollTimer?.cancel();
    this.kickTimer?.cancel();
    this.pollTimer = null;
    this.kickTimer = null;
    await this.closeWatcher();
    while (this.running) await this.running;
    // No partial line is flushed: the committed offsets say where to resume next time.
    for (const reader of this.readers.values()) await reader.close();
    this.readers.clear();
    this.current = null;
  }

  // ---- scheduling ----

  private schedulePoll(): void {
    this.pollTimer = this.scheduler.after(this.pollMs, () => {
      if (this.stopped) return;
      this.schedulePoll();
      this.onPoll();
    });
  }

  private onPoll(): void {
    this.pollCount++;
    this.kick(this.mode !== 'file' && this.pollCount % POLLS_PER_RELIST === 0, 0);
  }

  /** Runs a pass soon; passes never overlap (a kick during a pass makes one more pass). */
  private kick(discover: boolean, delayMs = 10): void {
    if (this.stopped) return;
    if (discover) this.wantDiscovery = true;
    if (this.running) {
      this.rerun = true;
      return;
    }
    if (this.kickTimer) return;
    const run = (): void => {
      this.kickTimer = null;
      if (this.stopped || this.running) {
        if (this.running) this.rerun = true;
        return;
      }
      this.running = this.loop().finally(() => {
        this.running = null;
      });
    };
    if (delayMs <= 0) run();
    else this.kickTimer = this.scheduler.after(delayMs, run);
  }

  private async loop(): Promise<void> {
    do {
      this.rerun = false;
      const discover = this.wantDiscovery;
      this.wantDiscovery = false;
      try {
        await this.pass(discover);
      } catch (err) {
        // A pass never throws out of a timer: the error is the source's state until a pass succeeds.
        this.setState('error', errorText(err));
        this.reportProblem(null, this.root, errorText(err));
      }
      this.firstPass = false;
    } while (this.rerun && !this.stopped);
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

  // ---- watching ----

  private async ensureWatcher(target: string, recursive: boolean): Promise<void> {
    if (this.watcher && this.watcherTarget === target) return;
    await this.closeWatcher();
    if (this.stopped) return;
    const watcher = watch(target, {
      ignoreInitial: true,
      persistent: false,
      depth: recursive ? undefined : 0,
      ignorePermissionErrors: true,
    });
    watcher.on('all', (event, path) => {
      if (this.mode === 'file' && !this.isOwnName(basename(path))) return;
      this.kick(event !== 'change');
    });
    watcher.on('error', (err) => {
      // Events are only a hint; the poll keeps the source going. Still, say why they stopped.
      this.reportProblem(null, target, `watching failed: ${errorText(err)}`);
    });
    this.watcher = watcher;
    this.watcherTarget = target;
    await new Promise<void>((done) => {
      const timer = this.scheduler.after(2000, done);
      watcher.once('ready', () => {
        timer.cancel();
        done();
      });
    });
  }

  private async closeWatcher(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = null;
    this.watcherTarget = null;
    if (watcher) await watcher.close().catch(() => undefined);
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
      const parent = await this.existingParent(dirname(this.root));
      if (parent) await this.ensureWatcher(parent, false);
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
      else this.rerun = true;
    }
  }

  private async existingParent(dir: string): Promise<string | null> {
    for (let d = dir; ; d = dirname(d)) {
      try {
        if ((await stat(d)).isDirectory()) return d;
      } catch {
        // keep going up
      }
      if (dirname(d) === d) return null;
    }
  }

  // ---- a single file path ----

  /** File mode: the file's name or one of its backups' names. */
  private isOwnName(name: string): boolean {
    return name.startsWith(basename(this.root)) || this.extensionStyle?.test(name) === true;
  }

  private async passFile(pathStat: Stats | null): Promise<void> {
    const dir = dirname(this.root);
    if (this.stopped) return;
    await this.ensureWatcher((await this.existingParent(dir)) ?? dir, false);
    let rotated = false;
    const cur = this.current;
    if (cur && (!pathStat || pathStat.dev !== cur.identity.dev || pathStat.ino !== cur.identity.ino)) {
      await this.detach(cur);
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
    await this.drainDetached();
    if (!pathStat) this.setState('missing', null);
    else if (this.current || !this.problems.has(this.root)) this.setState('watching', null);
    else this.setState('error', this.problems.get(this.root) ?? null);
  }

  /**
   * Backup names of the file: app.log.1, app.log-20261130, app.log.2026-11-30_01-49-40 ..., and
   * logrotate's `extension .log` style, app.1.log and app-20261130.log.
   */
  private async siblingPaths(): Promise<string[]> {
    const dir = dirname(this.root);
    const base = basename(this.root);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    return names.filter((n) => n !== base && this.isOwnName(n) && !isCompressedName(n)).map((n) => join(dir, n));
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
      listing = await stableListing(async () => [this.root, ...(await this.siblingPaths())], this.scheduler);
      this.forgetKnownNotListed(listing);
      listing = listing.filter((f) => f.path !== this.root);
    } else listing = await statAll(await this.siblingPaths());
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
      if (await this.isAccounted(f.path)) continue;
      if (this.unclaimedKnown.length > 0) {
        const resumed = await this.openFile(f.path, { knownOnly: true });
        if (resumed) {
          resumedKnownMtime = Math.min(resumedKnownMtime, f.mtimeMs);
          await this.detach(resumed);
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
        if (reader) await this.detach(reader);
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

  /** Whether the file now at `path` was already read or deliberately skipped (judged by its open descriptor: names move). */
  private async isAccounted(path: string): Promise<boolean> {
    const fd = await open(path, 'r').catch(() => null);
    if (!fd) return true;
    try {
      const key = inodeKey(await fd.stat());
      if (this.readers.has(key)) return true;
      const fp = this.accounted.get(key);
      if (!fp) return false;
      if (await fingerprintMatches(fd, fp)) return true;
      this.accounted.delete(key); // the inode was reused by another file
      return false;
    } finally {
      await fd.close();
    }
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
      await this.closeWatcher();
      const parent = await this.existingParent(dirname(this.root));
      if (parent) await this.ensureWatcher(parent, false);
    } else {
      await this.ensureWatcher(this.root, true);
      if (discover) await this.discoverFolder();
      this.setState('watching', null);
    }
    for (const reader of [...this.readers.values()]) {
      if (reader.detachedAt === null) await this.follow(reader);
    }
    await this.drainDetached();
  }

  /** `realRoot`: the folder with its links resolved, to tell where a link inside it points. */
  private async listFiles(dir: string, realRoot: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (!isMissing(err)) this.reportProblem(null, dir, errorText(err));
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await this.listFiles(path, realRoot, out);
      else if (entry.isFile()) out.push(path);
      else if (entry.isSymbolicLink() && (await this.followsLink(path, realRoot))) out.push(path);
    }
  }

  /**
   * A link to a file in the folder is not read through the link: the file is read under its own
   * name. A link out of the folder (x.log -> ~/.ssh/id_rsa) is read only when the user asked for
   * links to be followed; otherwise the source says why it is skipped.
   */
  private async followsLink(path: string, realRoot: string): Promise<boolean> {
    const target = await realpath(path).catch(() => null);
    if (target === null) return false; // dangling: nothing to read (yet)
    const rel = relative(realRoot, target);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return false;
    if (this.followSymlinks) return true;
    if ((await stat(target).catch(() => null))?.isFile()) {
      this.reportProblem(
        null,
        path,
        `${basename(path)} is a link to ${target} outside the folder: not followed (add it as its own source, or turn on following links)`,
      );
    }
    return false;
  }

  private async discoverFolder(): Promise<void> {
    const realRoot = await realpath(this.root).catch(() => this.root);
    const listFolder = async (): Promise<string[]> => {
      const paths: string[] = [];
      await this.listFiles(this.root, realRoot, paths);
      return paths;
    };
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
      if (await this.isAccounted(path)) continue;
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
      if (links === 0 || now - since >= this.drainGraceMs()) {
        this.unlisted.delete(reader.key);
        await this.detach(reader);
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
          if (path === this.root && this.mode === 'file' && (await this.copyExists(known))) {
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
      if (opts.holdCopies && (await this.holdIfCopy(key, head))) return null;
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
      this.heldCopies.delete(key);
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
    if (replaced || (await reader.replacedInPlace())) await this.recoverTruncated(reader);
    return reader;
  }

  /** File mode: whether a backup holds the known file's content up to its checkpoint (a copytruncate copy of it). */
  private async copyExists(known: KnownFile): Promise<boolean> {
    if (known.fpLen === 0) return false;
    for (const path of await this.siblingPaths()) {
      const fd = await open(path, 'r').catch(() => null);
      if (!fd) continue;
      try {
        if ((await fd.stat()).size >= known.offset && (await fingerprintMatches(fd, known))) return true;
      } catch {
        // not a usable copy
      } finally {
        await fd.close().catch(() => undefined);
      }
    }
    return false;
  }

  /**
   * Folder mode: a new file that starts with the bytes of a file being followed is probably a
   * copytruncate copy whose tail the truncation recovery will read; reading it whole would double
   * every line. It is held back until that happens, or read as a file of its own after a while.
   */
  private async holdIfCopy(key: string, head: Buffer): Promise<boolean> {
    const firstSeen = this.heldCopies.get(key);
    if (firstSeen !== undefined && this.scheduler.clock.nowMs() - firstSeen >= COPY_WAIT_MS) return false;
    for (const reader of this.readers.values()) {
      const { fpLen, fpHash } = reader.identity;
      if (fpLen === 0 || head.length < fpLen || reader.detachedAt !== null) continue;
      if (hashBytes(head.subarray(0, fpLen)) !== fpHash) continue;
      this.heldCopies.set(key, firstSeen ?? this.scheduler.clock.nowMs());
      return true;
    }
    return false;
  }

  /** Checks for in-place truncation, reads what is new, signals a quiet period. */
  private async follow(reader: FileReader): Promise<void> {
    try {
      if (await reader.replacedInPlace()) await this.recoverTruncated(reader);
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

  /**
   * copytruncate: the lines written between our last read and the copy are in the copy (the
   * sibling that starts with the same bytes): read it from our offset to its end, then restart
   * this file from its new start. Truncated more than once since the last look, the contents in
   * between are in newer copies: they are read whole, oldest first, before the restart.
   */
  private async recoverTruncated(reader: FileReader): Promise<void> {
    const copy = await this.findCopy(reader);
    if (copy) {
      let keepCopyOpen = false;
      let missed: { st: Stats; fd: FileHandle }[] = [];
      try {
        await reader.readAvailable(copy.fd);
        await reader.flushPartial();
        // Looked for before the copy is accounted or registered (it must not count as a missed one).
        missed = await this.missedGenerations(copy.st);
        const size = (await copy.fd.stat()).size;
        const copyIdentity: FileIdentity = { dev: copy.st.dev, ino: copy.st.ino, ...(await fingerprintOf(copy.fd, size)) };
        if (this.mode === 'folder') {
          // The copy is a file of the folder: known to the store as read to its end, never read again.
          const fileId = this.sink.registerFile(copy.path, copyIdentity, size);
          const copyReader = new FileReader(copy.fd, fileId, copy.path, copyIdentity, size, this.ctx, {
            fromStart: false,
            needsSniff: false,
          });
          this.readers.set(copyReader.key, copyReader);
          this.heldCopies.delete(copyReader.key);
          keepCopyOpen = true;
        } else {
          this.accounted.set(inodeKey(copy.st), copyIdentity);
        }
        await this.readMissedGenerations(reader, missed);
      } finally {
        if (!keepCopyOpen) await copy.fd.close().catch(() => undefined);
        for (const { fd } of missed) await fd.close().catch(() => undefined);
      }
    } else {
      await reader.flushPartial();
    }
    await reader.signalIdle();
    await reader.restartAfterTruncation();
  }

  private async findCopy(reader: FileReader): Promise<{ path: string; st: Stats; fd: FileHandle } | null> {
    if (reader.identity.fpLen === 0) return null;
    let candidates: string[];
    if (this.mode === 'file') candidates = await this.siblingPaths();
    else {
      const dir = dirname(reader.path);
      candidates = (await readdir(dir).catch(() => [] as string[])).filter((n) => !isCompressedName(n)).map((n) => join(dir, n));
    }
    let best: { path: string; st: Stats; fd: FileHandle } | null = null;
    for (const path of candidates) {
      const fd = await open(path, 'r').catch(() => null);
      if (!fd) continue;
      let keep = false;
      try {
        const st = await fd.stat();
        const key = inodeKey(st);
        if (
          st.isFile() &&
          key !== reader.key &&
          !this.readers.has(key) &&
          st.size >= reader.offset &&
          (!best || st.mtimeMs > best.st.mtimeMs) &&
          !(await this.isAccounted(path)) &&
          (await fingerprintMatches(fd, reader.identity)) &&
          (await reader.heldBy(fd))
        ) {
          // The newest match: older copies can start with the same bytes (NULs of a non-O_APPEND
          // writer), and so can a later content's copy, but only ours holds what was read last.
          if (best) await best.fd.close().catch(() => undefined);
          best = { path, st, fd };
          keep = true;
        }
      } catch {
        // not a usable copy
      }
      if (!keep) await fd.close().catch(() => undefined);
    }
    return best;
  }

  /**
   * File mode: the copies made after `copy` (of the content being read) by further copytruncates
   * before this look, opened, oldest first: backups newer than it that are neither read, accounted
   * (older backups, consumed copies) nor known. Their contents were never in the file when it was
   * looked at. (In a folder every new file is read as its own file: there is nothing to add.)
   */
  private async missedGenerations(copy: Stats): Promise<{ st: Stats; fd: FileHandle }[]> {
    if (this.mode !== 'file') return [];
    const known = new Set(this.unclaimedKnown.map((k) => inodeKey(k)));
    const missed: { st: Stats; fd: FileHandle }[] = [];
    for (const path of await this.siblingPaths()) {
      // Opened now: a rotation renaming it before it is read does not lose it.
      const fd = await open(path, 'r').catch(() => null);
      if (!fd) continue;
      const st = await fd.stat().catch(() => null);
      if (
        st?.isFile() &&
        st.size > 0 &&
        st.mtimeMs > copy.mtimeMs &&
        inodeKey(st) !== inodeKey(copy) &&
        !known.has(inodeKey(st)) &&
        !(await this.isAccounted(path))
      ) {
        missed.push({ st, fd });
      } else await fd.close().catch(() => undefined);
    }
    return missed.sort((a, b) => a.st.mtimeMs - b.st.mtimeMs);
  }

  /** Reads each missed content whole through the file's reader (its lines are the file's), then accounts its copy. */
  private async readMissedGenerations(reader: FileReader, missed: { st: Stats; fd: FileHandle }[]): Promise<void> {
    for (const { st, fd } of missed) {
      await reader.signalIdle();
      await reader.readGeneration(fd);
      this.accounted.set(inodeKey(st), await fingerprintOf(fd, (await fd.stat()).size));
    }
  }

  // ---- rotated away / deleted ----

  private drainGraceMs(): number {
    return Math.max(MIN_DRAIN_GRACE_MS, this.idleMs);
  }

  /** The file left its name: read it to its end now, flush its partial line, and keep it open a while for late writes. */
  private async detach(reader: FileReader): Promise<void> {
    if (reader.detachedAt !== null) return;
    reader.detachedAt = this.scheduler.clock.nowMs();
    try {
      await this.readOrSkip(reader);
      await reader.signalIdle();
    } catch (err) {
      this.reportProblem(reader.fileId, reader.path, `cannot read: ${errorText(err)}`);
    }
  }

  private async drainDetached(): Promise<void> {
    const now = this.scheduler.clock.nowMs();
    for (const reader of [...this.readers.values()]) {
      if (reader.detachedAt === null) continue;
      try {
        await this.readOrSkip(reader);
        if (!this.readers.has(reader.key)) continue;
        await reader.idleIfQuiet(now);
      } catch (err) {
        this.reportProblem(reader.fileId, reader.path, `cannot read: ${errorText(err)}`);
      }
      const quietSince = Math.max(reader.detachedAt, reader.lastGrowthAt);
      if (now - quietSince < this.drainGraceMs()) continue;
      if (!reader.idleSent) await reader.signalIdle();
      this.readers.delete(reader.key);
      // Its name may now be a backup of ours: never read it as a new generation.
      this.accounted.set(reader.key, reader.identity);
      await reader.close();
      this.sink.gone(reader.fileId);
    }
  }
}
