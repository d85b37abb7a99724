// One engine per data folder; a lock left by a crashed process is taken over.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../electron/engine/engine.js';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../../electron/engine/store/data-dir-lock.js';

describe('the data folder lock', () => {
  it('refuses a second engine on the same folder until the first one closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-lock-'));
    const first = await createEngine({ dataDir: dir });
    await expect(createEngine({ dataDir: dir })).rejects.toThrow(DataDirInUseError);
    await expect(createEngine({ dataDir: dir })).rejects.toThrow(/Another Loupe \(process \d+\) is using/);
    await first.close();
    const second = await createEngine({ dataDir: dir });
    await second.close();
  });

  it('takes over a lock whose process is gone (kill -9), and respects one whose process runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-lock-'));
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
    writeFileSync(join(dir, LOCK_FILE), gone);
    lockDataDir(dir).release();

    const alive = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, LOCK_FILE), String(alive.pid));
      expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    } finally {
      alive.kill();
    }
  });
});
