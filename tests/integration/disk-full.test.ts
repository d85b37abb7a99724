// A really full disk under the data dir (a small tmpfs, filled up), with the real `loupe serve`:
// writes fail and are retried on one backoff timer, a stop (SIGTERM) exits cleanly with the
// problem said and the lock released, and once there is room again every line is stored once.
// Mounting needs root (CI and these machines run as root); elsewhere the test says why it skips.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe, waitFor } from '../support/serve-process.js';
import type { EngineStatusView, LogPage } from '../../shared/model.js';

const base = mkdtempSync(join(tmpdir(), 'loupe-diskfull-'));
const mountPoint = join(base, 'small-disk');
mkdirSync(mountPoint);
// Room for what the second start stores once the filler is gone: the 60,000 lines take ~16 MB on
// disk at their peak (records, index and both WALs; measured 15.8 MB), so on a 16 MB disk a busy
// machine's larger WAL filled it again and the last wait timed out.
const DISK_SIZE = '64m';
const mounted = ((): boolean => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_SIZE}`, 'tmpfs', mountPoint], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

afterAll(() => {
  if (mounted) execFileSync('umount', ['-l', mountPoint]);
  rmSync(base, { recursive: true, force: true });
});

const line = (i: number): string => `2026-11-30 10:00:00,000 INFO app: line ${i} ${'x'.repeat(60)}\n`;

describe.skipIf(!mounted)('a full disk under the data dir (skipped: mounting a tmpfs needs root)', () => {
  it('retries on one timer, stops cleanly, and stores every line once when there is room again', async () => {
    const dataDir = join(mountPoint, 'data');
    const log = join(base, 'app.log');
    let text = '';
    for (let i = 1; i <= 100; i++) text += line(i);
    writeFileSync(log, text);
    const first = await startServe(['--data-dir', dataDir, '--no-otlp', log]);
    await waitFor(async () => ((await first.get<LogPage>('/api/logs?limit=200')).records.length === 100 ? true : undefined));

    // Fill the disk to the last block.
    const filler = join(mountPoint, 'filler');
    const free = (): number => {
      const s = statfsSync(mountPoint);
      return s.bavail * s.bsize;
    };
    // The engine keeps writing meanwhile (the full-text index's thread among others): either write
    // may already meet ENOSPC, which is the point.
    try {
      writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 4096)));
      appendFileSync(filler, Buffer.alloc(free()));
    } catch {
      // ENOSPC: full.
    }
    const total = 60_000;
    text = '';
    for (let i = 101; i <= total; i++) text += line(i);
    appendFileSync(log, text);

    const failing = await waitFor(async () => {
      const s = await first.get<EngineStatusView>('/api/status');
      return s.logs.writeErrors > 0 ? s : undefined;
    });
    expect(failing.logs.lastWriteError).toMatch(/full/i);
    // Lines kept arriving, but the batch is tried again on one timer that backs off (1 s, 2 s, 4 s…),
    // not on every read.
    await new Promise((r) => setTimeout(r, 4000));
    const later = await first.get<EngineStatusView>('/api/status');
    expect(later.logs.writeErrors).toBeLessThanOrEqual(5);

    // Stopping on a full disk: no crash, the problem said, exit 0.
    const code = await first.stop('SIGTERM');
    expect(code).toBe(0);
    expect(first.output()).not.toMatch(/Uncaught|node:internal| {4}at /);
    expect(first.output()).toMatch(/Loupe stopped/);
    expect(first.output()).toMatch(/while stopping, writing what is pending: \d+ records could not be written/);

    // Room again: the next start takes the data dir at once (the lock went with the process) and
    // reads the lines that were not written; every line is there once.
    rmSync(filler);
    const second = await startServe(['--data-dir', dataDir, '--no-otlp']);
    try {
      await waitFor(
        async () =>
          (await second.get<EngineStatusView>('/api/status')).logs.pendingRecords === 0 && (await count(second)) === total
            ? true
            : undefined,
        60_000,
        'every line stored',
      );
      expect(await count(second)).toBe(total);
    } finally {
      await second.stop();
    }
  }, 180_000);
});

async function count(serve: { get<T>(path: string): Promise<T> }): Promise<number> {
  const h = await serve.get<{ total: number }>('/api/logs/histogram?buckets=1');
  return h.total;
}
