// A rotation between readdir and the stats after it must not hide a file from the listing the
// tailer judges "known file gone" by (that re-read a whole backup after a restart: every line twice).
import { mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stableListing, statAll } from '../../../electron/engine/ingest/files/stable-listing.js';
import { systemClock } from '../../../electron/engine/core/clock.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';

const scheduler = new Scheduler(systemClock);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loupe-listing-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Lists the folder; on the first call, rotates RotatingFileHandler-style right after the readdir. */
function listingTornByOneRotation(): () => Promise<string[]> {
  let calls = 0;
  return async () => {
    const names = (await readdir(dir)).sort();
    if (calls++ === 0) {
      await rename(join(dir, 'app.log.1'), join(dir, 'app.log.2'));
      await rename(join(dir, 'app.log'), join(dir, 'app.log.1'));
      await writeFile(join(dir, 'app.log'), 'third\n');
    }
    return names.map((n) => join(dir, n));
  };
}

/** app.log.1 and app.log, as a RotatingFileHandler leaves them; returns their inodes. */
async function twoGenerations(): Promise<{ older: number; newer: number }> {
  await writeFile(join(dir, 'app.log.1'), 'first\n');
  await writeFile(join(dir, 'app.log'), 'second\n');
  return { older: (await stat(join(dir, 'app.log.1'))).ino, newer: (await stat(join(dir, 'app.log'))).ino };
}

describe('stable listing', () => {
  it('one readdir + stats can hide a file that a rotation renamed meanwhile', async () => {
    const { older } = await twoGenerations();
    const torn = await statAll(await listingTornByOneRotation()());
    expect(torn.map((f) => f.st?.ino)).not.toContain(older);
  });

  it('sees every file once, under its current name, when a rotation runs between readdir and stat', async () => {
    const { older, newer } = await twoGenerations();
    const listing = await stableListing(listingTornByOneRotation(), scheduler);
    expect(listing.map((f) => [f.path.slice(dir.length + 1), f.st?.ino])).toEqual([
      ['app.log', expect.any(Number)],
      ['app.log.1', newer],
      ['app.log.2', older],
    ]);
    expect(new Set(listing.map((f) => f.st?.ino)).size).toBe(3);
  });

  it('reports a stat failure with its error instead of dropping the name', async () => {
    const listing = await stableListing(async () => [join(dir, 'not-there.log')], scheduler);
    expect(listing).toHaveLength(1);
    expect(listing[0]!.st).toBeNull();
    expect((listing[0]!.error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});
