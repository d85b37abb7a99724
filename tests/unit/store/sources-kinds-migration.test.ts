// Migration 5 rebuilds `sources` to take other kinds (scrape targets) and a per-kind config. A
// database written before it keeps every source and every file checkpoint (foreign keys are on:
// a careless rebuild cascades the checkpoints away), and `files` still points at `sources`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newDatabase, openDatabase } from '../../../electron/engine/core/database.js';
import { MIGRATIONS } from '../../../electron/engine/core/migrations.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-mig5-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A database as Loupe left it at schema 4, with a folder source and one checkpointed file. */
function databaseAtSchema4(path: string): void {
  const db = newDatabase(path);
  db.pragma('foreign_keys = ON');
  for (const m of MIGRATIONS.filter((m) => m.version <= 4)) {
    db.exec(m.up);
    db.pragma(`user_version = ${m.version}`);
  }
  db.prepare("INSERT INTO sources (id, kind, path, created_at, follow_symlinks) VALUES (7, 'folder', '/var/log/app', 1, 1)").run();
  db.prepare(
    "INSERT INTO files (id, source_id, path, dev, ino, fp_len, fp_hash, offset, records, updated_at) VALUES (3, 7, '/var/log/app/a.log', 1, 2, 64, 'h', 4096, 50, 1)",
  ).run();
  db.close();
}

describe('migration 5: sources of any kind', () => {
  it('keeps the sources and their files checkpoints, and accepts scrape targets with a config', () => {
    const path = join(dir, 'loupe.db');
    databaseAtSchema4(path);
    const db = openDatabase(path);
    try {
      expect(db.prepare('SELECT id, kind, path, follow_symlinks, config FROM sources').all()).toEqual([
        { id: 7, kind: 'folder', path: '/var/log/app', follow_symlinks: 1, config: null },
      ]);
      expect(db.prepare('SELECT id, source_id, offset, records FROM files').all()).toEqual([
        { id: 3, source_id: 7, offset: 4096, records: 50 },
      ]);
      expect((db.pragma('foreign_key_list(files)') as { table: string }[]).map((f) => f.table)).toEqual(['sources']);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      db.prepare(
        "INSERT INTO sources (kind, path, created_at, config) VALUES ('scrape', 'http://127.0.0.1:8000/metrics', 1, '{\"intervalMs\":15000}')",
      ).run();
      expect(() => db.prepare("INSERT INTO sources (kind, path, created_at) VALUES ('ftp', 'x', 1)").run()).toThrow(/CHECK constraint/);
    } finally {
      db.close();
    }
  });
});
