import { mkdtemp, open, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FINGERPRINT_BYTES,
  fingerprintMatches,
  fingerprintOf,
  hashBytes,
  isSameFile,
} from '../../../electron/engine/ingest/files/fingerprint.js';
import { binaryReason, countLeadingNuls, isCompressedName } from '../../../electron/engine/ingest/files/content-sniff.js';
import { extensionStyleBackup } from '../../../electron/engine/ingest/files/backup-names.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-fp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fingerprint', () => {
  it('covers the first min(size, FINGERPRINT_BYTES) bytes and keeps matching as the file grows', async () => {
    expect(FINGERPRINT_BYTES).toBe(1024);
    const path = join(dir, 'a.log');
    await writeFile(path, 'hello\n');
    const fd = await open(path, 'r');
    try {
      const small = await fingerprintOf(fd, 6);
      expect(small).toEqual({ fpLen: 6, fpHash: hashBytes(Buffer.from('hello\n')) });
      await appendFile(path, 'x'.repeat(5000));
      expect(await fingerprintMatches(fd, small)).toBe(true);
      const full = await fingerprintOf(fd, (await fd.stat()).size);
      expect(full.fpLen).toBe(FINGERPRINT_BYTES);
      expect(await fingerprintMatches(fd, full)).toBe(true);
    } finally {
      await fd.close();
    }
  });

  it('tells a reused inode from the same file by content', async () => {
    const path = join(dir, 'a.log');
    await writeFile(path, 'first file\n');
    const fd = await open(path, 'r');
    try {
      const st = await fd.stat();
      const identity = { dev: st.dev, ino: st.ino, ...(await fingerprintOf(fd, st.size)) };
      expect(await isSameFile(fd, st, identity)).toBe(true);
      expect(await isSameFile(fd, st, { ...identity, fpHash: hashBytes(Buffer.from('other file\n')) })).toBe(false);
      expect(await isSameFile(fd, { dev: st.dev, ino: st.ino + 1 }, identity)).toBe(false);
      await writeFile(path, 'other\n'); // same inode, shorter and different content
      expect(await fingerprintMatches(fd, identity)).toBe(false);
    } finally {
      await fd.close();
    }
  });
});

describe('content sniffing', () => {
  it('finds NULs and control bytes, but not in text with tabs, CRs and ANSI colours', () => {
    expect(binaryReason(Buffer.from('plain\ttext\r\n\x1b[31mred\x1b[0m\n'))).toBeNull();
    expect(binaryReason(Buffer.from([0x41, 0x00, 0x42]))).toMatch(/^binary file: /);
    expect(binaryReason(Buffer.from([1, 2, 3, 4, 5, 0x41]))).toMatch(/^binary file: /);
    expect(binaryReason(Buffer.alloc(0))).toBeNull();
  });

  it('counts leading NULs a non-O_APPEND writer leaves after copytruncate', () => {
    expect(countLeadingNuls(Buffer.from([0, 0, 0, 0x61, 0]))).toBe(3);
    expect(countLeadingNuls(Buffer.from('a'))).toBe(0);
  });

  it('recognises compressed backups by name', () => {
    for (const n of ['app.log.2.gz', 'app.log-2026.bz2', 'x.xz', 'x.zst']) expect(isCompressedName(n)).toBe(true);
    for (const n of ['app.log', 'app.log.1', 'app.log-20261130']) expect(isCompressedName(n)).toBe(false);
  });
});

describe('backup names of a single-file source', () => {
  it("knows logrotate's extension style, and not other logs of the same folder", () => {
    const re = extensionStyleBackup('app.log')!;
    for (const n of [
      'app.1.log',
      'app.12.log',
      'app-20261130.log',
      'app-2026-11-30.log',
      'app-2026113014.log',
      'app_2026-11-30_01-49-40.log',
      'app-1764460800.log',
    ]) {
      expect(re.test(n), n).toBe(true);
    }
    for (const n of ['app-error.log', 'app.log', 'app.1.log.gz', 'apple.1.log', 'app.1.txt', 'xapp.1.log'])
      expect(re.test(n), n).toBe(false);
    expect(extensionStyleBackup('app')).toBeNull();
    expect(extensionStyleBackup('.log')).toBeNull();
  });
});
