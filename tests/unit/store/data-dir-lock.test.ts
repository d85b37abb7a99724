// One engine per data folder, in one process (tests/integration/data-dir.test.ts: across processes, stale pids, kill -9).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../electron/engine/engine.js';
import { DataDirInUseError } from '../../../electron/engine/core/data-dir-lock.js';

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
});
