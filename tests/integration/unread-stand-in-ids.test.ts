// A pending record (found in a file's bytes not read into the store yet) has a stand-in id, and
// the UI keys rows by id: two files' records at the same offset must not share one, even when
// the files' ids are 4096 apart (the id was once made of the file id mod 4096 and the offset), and
// the same record found again keeps its id. The two files are written by Python's logging.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../electron/engine/core/database.js';
import { UnreadFileScan } from '../../electron/engine/ingest/files/unread-scan.js';
import { literalNeedles } from '../../electron/engine/signals/logs/query/needles.js';
import { parseQuery } from '../../electron/engine/signals/logs/query/index.js';

const WRITER = `
import logging, sys
log = logging.getLogger("app")
h = logging.FileHandler(sys.argv[1])
h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
log.addHandler(h); log.setLevel(logging.INFO)
log.info("started")
log.error("kaboom in the flux capacitor")
`;

let dir = '';
let db: Db | null = null;
afterEach(() => {
  db?.close();
  db = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('pending records found in two files', () => {
  it('have ids of their own, kept when found again', () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-stand-in-'));
    const script = join(dir, 'writer.py');
    writeFileSync(script, WRITER);
    db = openDatabase(join(dir, 'loupe.db'));
    db.prepare("INSERT INTO sources (id, kind, path, created_at) VALUES (1, 'folder', ?, 0)").run(dir);
    // Nothing read of either file yet (offset 0): the scan searches them whole.
    for (const [fileId, name] of [
      [1, 'a.log'],
      [4097, 'b.log'],
    ] as const) {
      const path = join(dir, name);
      execFileSync('/usr/bin/python3', [script, path]);
      const st = statSync(path);
      db.prepare(
        `INSERT INTO files (id, source_id, path, dev, ino, fp_len, fp_hash, format, updated_at)
         VALUES (?, 1, ?, ?, ?, 0, '', 'python', 0)`,
      ).run(fileId, path, st.dev, st.ino);
    }
    const scan = new UnreadFileScan(db);
    const needles = literalNeedles(parseQuery('kaboom'))!;
    const found = () => scan.scan(needles, () => true, 10).matches;
    // (Both files' newest records are as new: ordered by name here.)
    const first = found().sort((a, b) => a.file.localeCompare(b.file));
    expect(first.map((m) => [m.file.split('/').pop(), m.row.message])).toEqual([
      ['a.log', 'kaboom in the flux capacitor'],
      ['b.log', 'kaboom in the flux capacitor'],
    ]);
    expect(first[0]!.offset).toBe(first[1]!.offset);
    const ids = first.map((m) => m.row.id);
    expect(new Set(ids).size).toBe(2);
    expect(ids.every((id) => id < 0)).toBe(true);
    expect(
      found()
        .sort((a, b) => a.file.localeCompare(b.file))
        .map((m) => m.row.id),
    ).toEqual(ids);
  });
});
