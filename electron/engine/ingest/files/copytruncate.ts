// logrotate's copytruncate, as a followed file sees it: the file is copied to a backup, then
// truncated in place (same inode, new content). The lines written between our last read and the
// copy are only in the copy; a copy seen as a new file of a folder would read every line twice.
// This finds the copy, reads what it kept past our offset, reads the contents of further
// copytruncates missed between two looks, and holds back a folder's fresh copies meanwhile.
import { open, readdir, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAccounted, type SourceFiles } from './accounted.js';
import type { BackupNames } from './backup-names.js';
import { isCompressedName } from './content-sniff.js';
import { FileReader, type ReaderContext } from './file-reader.js';
import { fingerprintMatches, fingerprintOf, hashBytes, inodeKey } from './fingerprint.js';
import type { FileIdentity, KnownFile } from '../../core/file-identity.js';

/** In a folder, a new file starting with a followed file's bytes may be a copytruncate copy: wait this long for the truncation. */
const COPY_WAIT_MS = 5000;

/** What the recovery shares with its source's pass loop. */
export interface CopytruncateContext extends SourceFiles {
  /** File mode: the file's backups, where its copies are. */
  readonly backups: BackupNames;
  readonly reader: ReaderContext;
  /** A single file (its copies are among its backups) or a folder (a copy is a file of the folder). */
  mode(): 'file' | 'folder' | null;
  /** Known files (from the store) not resumed yet. */
  unclaimedKnown(): readonly KnownFile[];
}

export class CopytruncateRecovery {
  /** Folder mode: possible copytruncate copies held back, by dev:ino, with when they were first seen. */
  private readonly heldCopies = new Map<string, number>();

  constructor(private readonly c: CopytruncateContext) {}

  /** The file at `key` is read (or the copy registered) now: it is no longer held back. */
  release(key: string): void {
    this.heldCopies.delete(key);
  }

  /** File mode: whether a backup holds the known file's content up to its checkpoint (a copytruncate copy of it). */
  async copyExists(known: KnownFile): Promise<boolean> {
    if (known.fpLen === 0) return false;
    for (const path of await this.c.backups.paths()) {
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
  async holdIfCopy(key: string, head: Buffer): Promise<boolean> {
    const firstSeen = this.heldCopies.get(key);
    const now = this.c.reader.clock.nowMs();
    if (firstSeen !== undefined && now - firstSeen >= COPY_WAIT_MS) return false;
    for (const reader of this.c.readers.values()) {
      const { fpLen, fpHash } = reader.identity;
      if (fpLen === 0 || head.length < fpLen || reader.detachedAt !== null) continue;
      if (hashBytes(head.subarray(0, fpLen)) !== fpHash) continue;
      this.heldCopies.set(key, firstSeen ?? now);
      return true;
    }
    return false;
  }

  /**
   * copytruncate: the lines written between our last read and the copy are in the copy (the
   * sibling that starts with the same bytes): read it from our offset to its end, then restart
   * this file from its new start. Truncated more than once since the last look, the contents in
   * between are in newer copies: they are read whole, oldest first, before the restart.
   */
  async recover(reader: FileReader): Promise<void> {
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
        if (this.c.mode() === 'folder') {
          // The copy is a file of the folder: known to the store as read to its end, never read again.
          const fileId = this.c.sink.registerFile(copy.path, copyIdentity, size);
          const copyReader = new FileReader(copy.fd, fileId, copy.path, copyIdentity, size, this.c.reader, {
            fromStart: false,
            needsSniff: false,
          });
          this.c.readers.set(copyReader.key, copyReader);
          this.heldCopies.delete(copyReader.key);
          keepCopyOpen = true;
        } else {
          this.c.accounted.set(inodeKey(copy.st), copyIdentity);
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
    if (this.c.mode() === 'file') candidates = await this.c.backups.paths();
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
          !this.c.readers.has(key) &&
          st.size >= reader.offset &&
          (!best || st.mtimeMs > best.st.mtimeMs) &&
          !(await isAccounted(path, this.c.readers, this.c.accounted)) &&
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
    if (this.c.mode() !== 'file') return [];
    const known = new Set(this.c.unclaimedKnown().map((k) => inodeKey(k)));
    const missed: { st: Stats; fd: FileHandle }[] = [];
    for (const path of await this.c.backups.paths()) {
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
        !(await isAccounted(path, this.c.readers, this.c.accounted))
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
      this.c.accounted.set(inodeKey(st), await fingerprintOf(fd, (await fd.stat()).size));
    }
  }
}
