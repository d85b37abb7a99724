// The WAL checkpointer: after a commit, a worker thread with its own connection copies the log's
// pages into the database file, so the writer's own automatic checkpoint (fsyncs on the engine's
// loop) is only a backstop; a worker that cannot start hands checkpoints back to the writer.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { WalCheckpointer } from '../../../electron/engine/core/wal-checkpointer.js';

const PAGE = 4096;
let dir: string;
let path: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-wal-checkpointer-'));
  path = join(dir, 'loupe.db');
  db = openDatabase(path);
  db.pragma('wal_autocheckpoint = 100');
  // The schema's pages in the file, the WAL empty: what follows counts only the test's commit.
  db.pragma('wal_checkpoint(TRUNCATE)');
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One commit of about `pages` pages of rows. */
function writePages(pages: number): void {
  db.exec('CREATE TABLE IF NOT EXISTS filler (body TEXT)');
  const insert = db.prepare('INSERT INTO filler (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < pages; i++) insert.run(`${i} `.padEnd(PAGE - 200, 'x'));
  })();
}

it('copies a commit into the database file while the writer stays under its own checkpoint threshold', async () => {
  const before = statSync(path).size;
  const checkpointer = new WalCheckpointer(db, path);
  try {
    // The writer's threshold went up (100 → 400 pages): a 300-page commit leaves its checkpoint to the worker.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(400);
    writePages(300);
    expect(statSync(path).size).toBe(before);
    checkpointer.written();
    await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(300 * PAGE), { timeout: 20_000, interval: 20 });
    expect(checkpointer.lastError).toBeNull();
  } finally {
    await checkpointer.close();
  }
  expect(db.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(300);
});

it('hands checkpoints back to the writer when its worker cannot open the database', async () => {
  const checkpointer = new WalCheckpointer(db, join(dir, 'missing', 'loupe.db'));
  await vi.waitFor(() => expect(checkpointer.lastError).toMatch(/directory does not exist|unable to open/), { timeout: 20_000 });
  expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(100);
  await checkpointer.close();
});
