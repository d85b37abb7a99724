// A folder source (id 1, /srv/app) and its files' rows, as the sources would have registered them:
// for tests of the store that write records of files without reading any (the file facets, a
// file's records erased). Written four times before.
import type { Db } from '../../electron/engine/core/database.js';

/** Source 1 at /srv/app, with file k + 1 at /srv/app/<names[k]>. */
export function folderWithFiles(db: Db, names: readonly string[]): void {
  db.prepare("INSERT INTO sources (id, kind, path, created_at) VALUES (1, 'folder', '/srv/app', 1)").run();
  const insertFile = db.prepare(
    `INSERT INTO files (id, source_id, path, dev, ino, fp_len, fp_hash, offset, records, updated_at) VALUES (?, 1, ?, 1, ?, 64, 'h', 0, 0, 1)`,
  );
  names.forEach((name, i) => insertFile.run(i + 1, `/srv/app/${name}`, i + 1));
}
