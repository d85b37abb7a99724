// A search in a big folder's first seconds: a big file is read tail first, and while its older
// part is still unread a search finds that part's match too (a `pending` record, parsed whole from
// its record's start), the answer says how much was unread and scanned, and once the file is read
// the same record is found stored, once. A file truncated under the scan is skipped and named.
// The log is written by Python's logging; the search runs when the first batch (the tail) is
// stored, the moment the older part is certain to be unread: the backfill reads it from its start,
// and the match sits at its end.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { logFacets } from '../../electron/engine/signals/logs/log-facets.js';
import { TAIL_FIRST_BYTES, TAIL_FIRST_MIN_BYTES } from '../../electron/engine/ingest/files/file-reader.js';
import type { FacetsView } from '../../shared/api.js';
import type { HistogramView } from '../../shared/model.js';

/** Records past `min_bytes`, then a failure whose traceback ends in "kaboom", then `after` bytes more (the tail and some), and one more "kaboom" at the very end. */
const WRITER = `
import logging, sys
path, min_bytes, after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
log = logging.getLogger("app.worker")
h = logging.FileHandler(path)
h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
log.addHandler(h); log.setLevel(logging.INFO)
n = 0
def ok():
    global n
    n += 1
    log.info("line %07d ok", n)
while h.stream.tell() < min_bytes:
    ok()
try:
    raise ValueError("card declined: KaBoom")
except ValueError:
    log.exception("payment %07d failed", n)
h.flush()
end = h.stream.tell() + after
while h.stream.tell() < end:
    ok()
log.warning("the newest kaboom")
`;

let bigLog = '';
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-unread-log-'));
  bigLog = join(dir, 'app.log');
  const script = join(dir, 'writer.py');
  writeFileSync(script, WRITER);
  // The failure sits 2 MB before the tail (the last TAIL_FIRST_BYTES): the end of the older part.
  execFileSync('/usr/bin/python3', [
    script,
    bigLog,
    String(TAIL_FIRST_MIN_BYTES + 1024 * 1024),
    String(TAIL_FIRST_BYTES + 2 * 1024 * 1024),
  ]);
}, 120_000);

/** A folder of its own holding a copy of the big log. */
function writeBigLog(dir: string): string {
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const file = join(logs, 'app.log');
  copyFileSync(bigLog, file);
  return file;
}

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.close();
  engine = null;
});

/** Runs `probe` synchronously when the first batch is stored (the file's tail), and resolves with what it returned. */
function atFirstBatch<T>(e: Engine, probe: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const off = e.events.on('logs.stored', () => {
      off();
      try {
        resolve(probe());
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

describe('a search while a big file is still being read', () => {
  it('finds the match in the unread older part, then the same record stored, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-unread-'));
    const file = writeBigLog(dir);
    engine = await createEngine({ dataDir: join(dir, 'data'), analysis: false });
    const e = engine;
    const early = atFirstBatch(e, () => ({
      page: e.reader.search({ q: 'kaboom', limit: 50 }),
      histogram: e.reader.histogram({ q: 'kaboom', buckets: 1 }),
      facets: logFacets(e.reader, { q: 'kaboom' }),
    }));
    await e.sources.add(join(dir, 'logs'));
    const { page, histogram, facets } = await early;

    expect(page.records.map((r) => r.message.split('\n')[0])).toEqual([
      'the newest kaboom',
      expect.stringMatching(/^payment \d{7} failed$/),
    ]);
    // (The newest may be stored or not yet: the tail is stored a batch at a time.)
    const older = page.records[1]!;
    // Parsed from its record's start: the header line, the whole traceback, its exception.
    expect(older.pending).toEqual({ file, offset: expect.any(Number) as number });
    expect(older.id).toBeLessThan(0);
    expect(older.level).toBe('error');
    expect(older.logger).toBe('app.worker');
    expect(older.message).toMatch(/Traceback \(most recent call last\):[\s\S]*ValueError: card declined: KaBoom$/);
    expect(older.exception).toEqual({ type: 'ValueError', message: 'card declined: KaBoom' });
    expect(page.unread).toEqual({ bytes: expect.any(Number) as number, files: 1, scannedBytes: page.unread!.bytes });
    expect(page.unread!.bytes).toBeGreaterThan(TAIL_FIRST_MIN_BYTES / 2);
    // The histogram and facets count what is stored, and say what is still being read.
    expect((histogram as HistogramView).unread).toEqual({ bytes: page.unread!.bytes, files: 1 });
    expect((facets as FacetsView).unread).toEqual({ bytes: page.unread!.bytes, files: 1 });

    // Once read, the same record is stored (a real id), and found once.
    for (let i = 0; i < 600 && e.reader.unreadPart() !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
    e.pipeline.flush();
    const after = e.reader.search({ q: 'kaboom', limit: 50 });
    expect(after.unread).toBeUndefined();
    expect(after.records).toHaveLength(2);
    const stored = after.records[1]!;
    expect(stored.pending).toBeUndefined();
    expect(stored.id).toBeGreaterThan(0);
    expect({ ...stored, id: 0 }).toEqual({ ...older, id: 0, pending: undefined });
  }, 120_000);

  it('skips a file truncated under the scan and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-unread-'));
    const file = writeBigLog(dir);
    engine = await createEngine({ dataDir: join(dir, 'data'), analysis: false });
    const e = engine;
    const early = atFirstBatch(e, () => {
      truncateSync(file, 1000);
      return e.reader.search({ q: 'kaboom', limit: 50 });
    });
    await e.sources.add(join(dir, 'logs'));
    const page = await early;
    expect(page.records.every((r) => r.pending === undefined)).toBe(true);
    expect(page.unread?.changed).toEqual([file]);
  }, 120_000);
});
