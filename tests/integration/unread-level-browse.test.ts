// Browsing one level of a big file while its older part is unread (`level:error`, the Logs view's
// level filter): the chunks of the unread bytes that hold none of the level's words are not parsed
// (unread-scan.ts, levelWords), and the answer must be the very one the stored records give once
// the whole file is stored: no record of the level left out, whatever the case of its word
// (`error:` read plainly at the file's start, Python's `ERROR`, a traceback's record), and the
// records that only mention a level's word (`ERROR` in an INFO message) judged and left out. The
// level's records are rare and far apart, so that most of the unread part is skipped.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { TAIL_FIRST_MIN_BYTES } from '../../electron/engine/ingest/files/file-reader.js';
import type { LogRecordView, UnreadSearched } from '../../shared/model.js';

/**
 * Records 1 ms apart up to `min_bytes`: the first line a plain `error:` (not Python's layout), then
 * INFO lines (1 in 70 was interrupted), and past the first 10 MB, once every 60,000 records only,
 * five INFO lines mentioning ERROR, an error, a warning, a critical and a traceback.
 */
const WRITER = `
import logging, sys
path, min_bytes = sys.argv[1], int(sys.argv[2])
BASE = 1796100000.0  # 2026-11-30
n = 0
class Clock(logging.Filter):
    def filter(self, record):
        record.created = BASE + n / 1000.0
        record.msecs = float(n % 1000)
        return True
with open(path, "w") as f:
    f.write("2026-11-30 00:00:00 error: disk /data not mounted at boot\\n")
h = logging.FileHandler(path)
h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
h.addFilter(Clock())
db, web = logging.getLogger("app.db"), logging.getLogger("app.web")
for lg in (db, web):
    lg.addHandler(h); lg.setLevel(logging.INFO)
while h.stream.tell() < min_bytes:
    lg = db if n % 3 == 0 else web
    k = n % 60000 if n >= 100000 else -1
    if k == 59990:
        lg.error("query %07d failed", n)
    elif k == 59991:
        lg.warning("slow %07d path=/api/v1/orders", n)
    elif k == 59992:
        lg.critical("pool %07d exhausted", n)
    elif k == 59993:
        try:
            raise ValueError("card declined %d" % n)
        except ValueError:
            lg.exception("payment %07d failed", n)
    elif 59980 <= k < 59985:
        lg.info("line %07d ok, upstream said ERROR earlier; retried", n)
    elif n % 70 == 0:
        lg.info("line %07d interrupted by client", n)
    else:
        lg.info("line %07d ok user=alice path=/api/v1/orders status=200 duration_ms=%d", n, n % 250)
    n += 1
`;

let bigLog = '';
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-level-log-'));
  bigLog = join(dir, 'app.log');
  const script = join(dir, 'writer.py');
  writeFileSync(script, WRITER);
  execFileSync('/usr/bin/python3', [script, bigLog, String(TAIL_FIRST_MIN_BYTES + 2 * 1024 * 1024)], {
    env: { ...process.env, TZ: 'UTC' },
  });
}, 120_000);

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.close();
  engine = null;
});

/** A level's pages, and one level with another term. */
const BROWSES: { q: string }[] = [{ q: 'level:error' }, { q: 'level:fatal' }, { q: 'level:warn logger:app.db' }];

interface Walk {
  records: LogRecordView[];
  unread: (UnreadSearched | undefined)[];
}

/** Every page of a browse, following `nextCursor` to the end. */
function walk(e: Engine, p: { q: string }): Walk {
  const records: LogRecordView[] = [];
  const unread: (UnreadSearched | undefined)[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = e.reader.search({ ...p, limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    records.push(...page.records);
    unread.push(page.unread);
    if (page.nextCursor === null) return { records, unread };
    cursor = page.nextCursor;
  }
}

/** What a user sees of a record (not its id, nor whether it was read from the file). */
const seen = (r: LogRecordView): string => `${r.timestamp} ${r.level} ${r.logger ?? '-'} ${r.message}`;

describe('browsing one level of a big file while its older part is unread', () => {
  it('finds every record of the level in the unread part, as the stored records give it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-level-browse-'));
    mkdirSync(join(dir, 'logs'));
    execFileSync('cp', [bigLog, join(dir, 'logs', 'app.log')]);
    engine = await createEngine({ dataDir: join(dir, 'data'), analysis: false });
    const e = engine;
    const early = new Promise<Walk[]>((resolve, reject) => {
      const off = e.events.on('logs.stored', () => {
        off();
        try {
          resolve(BROWSES.map((p) => walk(e, p)));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    await e.sources.add(join(dir, 'logs'));
    const before = await early;

    for (let i = 0; i < 1200 && e.reader.unreadPart() !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
    e.pipeline.flush();
    expect(e.reader.unreadPart()).toBeUndefined();
    const after = BROWSES.map((p) => walk(e, p));

    for (const [i, p] of BROWSES.entries()) {
      const early = before[i]!;
      const stored = after[i]!;
      // Read from the file, every unread byte covered, and the same records as once stored.
      expect(early.records.some((r) => r.pending)).toBe(true);
      expect(early.unread[0]).toMatchObject({ files: 1, browsed: true });
      expect(early.unread.every((u) => u === undefined || u.scannedBytes === u.bytes)).toBe(true);
      expect(stored.records.some((r) => r.pending)).toBe(false);
      expect(early.records.map(seen), p.q).toEqual(stored.records.map(seen));
    }
    const errors = before[0]!.records;
    // The plain `error:` at the file's start, and a traceback's record, read from the file.
    expect(errors.find((r) => r.message.includes('disk /data not mounted'))?.pending).toBeDefined();
    expect(errors.find((r) => r.pending && r.message.includes('Traceback'))?.exception?.type).toBe('ValueError');
    expect(errors.every((r) => r.level === 'error')).toBe(true);
    expect(errors.some((r) => r.message.includes('upstream said ERROR'))).toBe(false);
    expect(before[1]!.records.every((r) => r.level === 'fatal' && r.message.includes('exhausted'))).toBe(true);
    expect(before[2]!.records.every((r) => r.level === 'warn' && r.logger === 'app.db')).toBe(true);
  }, 300_000);
});
