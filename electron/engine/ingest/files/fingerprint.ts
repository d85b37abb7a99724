// A file's identity beyond dev+ino: a hash of its first bytes. Inodes are reused (Python's
// RotatingFileHandler can hand a deleted backup's inode to the new app.log), and copytruncate
// keeps the inode while replacing the content, so the inode alone can't say "same file".
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { FileIdentity } from '../../core/file-identity.js';

/** The fingerprint covers at most this many leading bytes; it grows with the file until then. */
export const FINGERPRINT_BYTES = 1024;

export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Reads exactly `length` bytes at `position`, fewer only when the file is shorter. */
export async function readExactly(fd: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fd.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** The fingerprint of an open file of `size` bytes: a hash of its first min(size, FINGERPRINT_BYTES) bytes. */
export async function fingerprintOf(fd: FileHandle, size: number): Promise<{ fpLen: number; fpHash: string }> {
  const head = await readExactly(fd, Math.min(size, FINGERPRINT_BYTES), 0);
  return { fpLen: head.length, fpHash: hashBytes(head) };
}

/** True when the open file still starts with the bytes the fingerprint was taken of. */
export async function fingerprintMatches(fd: FileHandle, fp: { fpLen: number; fpHash: string }): Promise<boolean> {
  const head = await readExactly(fd, fp.fpLen, 0);
  return head.length === fp.fpLen && hashBytes(head) === fp.fpHash;
}

/** Same physical file: device, inode and fingerprint all agree. */
export async function isSameFile(fd: FileHandle, stat: { dev: number; ino: number }, identity: FileIdentity): Promise<boolean> {
  return stat.dev === identity.dev && stat.ino === identity.ino && (await fingerprintMatches(fd, identity));
}

export function inodeKey(stat: { dev: number; ino: number }): string {
  return `${stat.dev}:${stat.ino}`;
}
