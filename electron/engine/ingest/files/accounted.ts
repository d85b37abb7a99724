// Files a source has seen and deliberately does not read (older backups, consumed copies,
// binaries), by dev:ino with their fingerprint: inodes get reused, so only the fingerprint says
// whether the file now at an inode is still the one accounted.
import { open } from 'node:fs/promises';
import type { FileReader } from './file-reader.js';
import { fingerprintMatches, inodeKey } from './fingerprint.js';
import type { TailSink } from './types.js';

export type Fingerprint = { fpLen: number; fpHash: string };

/** What the parts of a source's pass loop share with it (the maps are the loop's own). */
export interface SourceFiles {
  /** Every open file, by dev:ino (an open descriptor keeps its inode from being reused). */
  readonly readers: Map<string, FileReader>;
  /** Files deliberately not read, by dev:ino with their fingerprint. */
  readonly accounted: Map<string, Fingerprint>;
  readonly sink: TailSink;
}

/**
 * Whether the file now at `path` was already read (`readers`: open files by dev:ino) or
 * deliberately skipped (`accounted`), judged by its open descriptor: names move.
 */
export async function isAccounted(
  path: string,
  readers: ReadonlyMap<string, unknown>,
  accounted: Map<string, Fingerprint>,
): Promise<boolean> {
  const fd = await open(path, 'r').catch(() => null);
  if (!fd) return true;
  try {
    const key = inodeKey(await fd.stat());
    if (readers.has(key)) return true;
    const fp = accounted.get(key);
    if (!fp) return false;
    if (await fingerprintMatches(fd, fp)) return true;
    accounted.delete(key); // the inode was reused by another file
    return false;
  } finally {
    await fd.close();
  }
}
