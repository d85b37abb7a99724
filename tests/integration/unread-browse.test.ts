// Browsing a big file from the first second: while its older part is still unread (the tail is
// read first), the Logs view's pages with no words — newest first, by time range, by level, by
// logger and source — read the unread bytes as records (`pending`), and paging on with
// `nextCursor` leads through them into the stored records without skipping or repeating one:
// the same records, in the same order, as once the whole file is stored. The log is written by
// Python's logging (a traceback now and then, three records to a millisecond in one stretch, so
// that a page ends among records of the same time); every page is read synchronously when the
// first batch (the tail) is stored, the moment the older part is certain to be unread.
// A level's pages skip the chunks of the unread bytes that hold none of the level's words
// (unread-scan.ts, levelWords): the second file's levels are rare and far apart, written in ways
// the skipping must not miss (`error:` read plainly at the file's start, a traceback's record), with
// INFO records that only mention ERROR, and its pages too must be the stored ones.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { TAIL_FIRST_MIN_BYTES } from '../../electron/engine/ingest/files/file-reader.js';
import type { LogRecordView, UnreadSearched } from '../../shared/model.js';

/** Records up to `min_bytes`, 1 ms apart (3 to a ms in a stretch of the older part), 1 in 20 an error (1 in 5 of those with a traceback). */
const WRITER = `
import logging, sys
path, min_bytes = sys.argv[1], int(sys.argv[2])
BASE = 1796100000.0  # 2026-11-30
n = 0
class Clock(logging.Filter):
    def filter(self, record):
        ms = n if n < 100000 or n >= 130000 else 100000 + (n - 100000) // 3
        record.created = BASE + ms / 1000.0
        record.msecs = float(ms % 1000)
        return True
h = logging.FileHandler(path)
h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
h.addFilter(Clock())
db, web = logging.getLogger("app.db"), logging.getLogger("app.web")
for lg in (db, web):
    lg.addHandler(h); lg.setLevel(logging.INFO)
while h.stream.tell() < min_bytes:
    lg = db if n % 3 == 0 else web
    if n % 20 == 7:
        if n % 100 == 7:
            try:
                raise ValueError("card declined %d" % n)
            except ValueError:
                lg.exception("payment %07d failed", n)
        else:
            lg.error("query %07d failed", n)
    elif n % 13 == 0:
        lg.warning("slow %07d path=/api/v1/orders duration_ms=%d", n, 1000 + n % 250)
    else:
        lg.info("line %07d ok user=alice path=/api/v1/orders status=200 duration_ms=%d", n, n % 250)
    n += 1
`;

/**
 * Records 1 ms apart up to `min_bytes`: the first line a plain `error:` (not Python's layout), then
 * INFO lines (1 in 70 was interrupted), and past the first 10 MB, once every 60,000 records only,
 * five INFO lines mentioning ERROR, an error, a warning, a critical and a traceback.
 */
const LEVEL_WRITER = `
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

/** A log of TAIL_FIRST_MIN_BYTES + 2 MB written by one of the writers. */
function writeLog(writer: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-browse-log-'));
  const log = join(dir, 'app.log');
  const script = join(dir, 'writer.py');
  writeFileSync(script, writer);
  execFileSync('/usr/bin/python3', [script, log, String(TAIL_FIRST_MIN_BYTES + 2 * 1024 * 1024)], {
    env: { ...process.env, TZ: 'UTC' },
  });
  return log;
}

let bigLog = '';
let levelLog = '';
beforeAll(() => {
  bigLog = writeLog(WRITER);
  levelLog = writeLog(LEVEL_WRITER);
}, 240_000);

let engine: Engine | null = null;
afterEach(async () => {
  await engine?.close();
  engine = null;
});

/** Times in the file (µs): record n at BASE + n ms, before the stretch of three to a ms. */
const BASE_US = 1796100000 * 1_000_000;
const atRecord = (n: number): number => BASE_US + n * 1000;

/** The pages a user browses: everything, a time range, a level, a logger in a range, a source with a level. */
const BROWSES: { q?: string; from?: number; to?: number }[] = [
  {},
  { from: atRecord(90_000), to: atRecord(100_500) },
  { q: 'level:error' },
  { q: 'logger:app.db', from: atRecord(95_000), to: atRecord(112_000) },
  { q: 'source:app.log level:warn' },
];

interface Walk {
  records: LogRecordView[];
  unread: (UnreadSearched | undefined)[];
}

/** Every page of a browse, following `nextCursor` to the end. */
function walk(e: Engine, p: (typeof BROWSES)[number], limit: number): Walk {
  const records: LogRecordView[] = [];
  const unread: (UnreadSearched | undefined)[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = e.reader.search({ ...p, limit, ...(cursor === undefined ? {} : { cursor }) });
    records.push(...page.records);
    unread.push(page.unread);
    if (page.nextCursor === null) return { records, unread };
    cursor = page.nextCursor;
  }
}

/** What a user sees of a record (not its id, nor whether it was read from the file). */
const seen = (r: LogRecordView): string => `${r.timestamp} ${r.level} ${r.logger ?? '-'} ${r.message}`;

/**
 * The browses' pages of `log` read synchronously when its first batch (the tail) is stored, and
 * again once all of it is stored.
 */
async function earlyAndStored(log: string, browses: typeof BROWSES, limit: number): Promise<{ before: Walk[]; after: Walk[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-browse-'));
  mkdirSync(join(dir, 'logs'));
  execFileSync('cp', [log, join(dir, 'logs', 'app.log')]);
  engine = await createEngine({ dataDir: join(dir, 'data'), analysis: false });
  const e = engine;
  const early = new Promise<Walk[]>((resolve, reject) => {
    const off = e.events.on('logs.stored', () => {
      off();
      try {
        resolve(browses.map((p) => walk(e, p, limit)));
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
  const after = browses.map((p) => walk(e, p, limit));

  for (const [i, p] of browses.entries()) {
    const early = before[i]!;
    const stored = after[i]!;
    // Read from the file, every unread byte covered, and the same records as once stored.
    expect(
      early.records.some((r) => r.pending),
      JSON.stringify(p),
    ).toBe(true);
    expect(early.unread[0]).toMatchObject({ files: 1, browsed: true });
    expect(early.unread.every((u) => u === undefined || u.scannedBytes === u.bytes)).toBe(true);
    expect(stored.records.some((r) => r.pending)).toBe(false);
    expect(stored.records.length).toBeGreaterThan(0);
    expect(early.records.map(seen), JSON.stringify(p)).toEqual(stored.records.map(seen));
  }
  return { before, after };
}

describe('browsing a big file while its older part is unread', () => {
  it('pages through the unread part into the stored one: the same records, in order, once', async () => {
    const { before, after } = await earlyAndStored(bigLog, BROWSES, 2000);
    // Most of the file was not stored yet.
    for (const [i, p] of BROWSES.entries()) {
      expect(before[i]!.records.filter((r) => r.pending).length, JSON.stringify(p)).toBeGreaterThan(after[i]!.records.length / 2);
    }
    // The whole file, each record once; a traceback parsed whole; the filters held.
    const all = after[0]!.records;
    expect(new Set(all.map(seen)).size).toBe(all.length);
    const failure = before[2]!.records.find((r) => r.pending && r.message.includes('Traceback'));
    expect(failure?.exception?.type).toBe('ValueError');
    expect(before[2]!.records.every((r) => r.level === 'error')).toBe(true);
    expect(before[3]!.records.every((r) => r.logger === 'app.db')).toBe(true);
  }, 300_000);

  it("finds a rare level's every record in the unread part, its other chunks skipped", async () => {
    const browses = [{ q: 'level:error' }, { q: 'level:fatal' }, { q: 'level:warn logger:app.db' }];
    const { before } = await earlyAndStored(levelLog, browses, 100);
    const errors = before[0]!.records;
    expect(errors.find((r) => r.message.includes('disk /data not mounted'))?.pending).toBeDefined();
    expect(errors.find((r) => r.pending && r.message.includes('Traceback'))?.exception?.type).toBe('ValueError');
    expect(errors.every((r) => r.level === 'error')).toBe(true);
    expect(errors.some((r) => r.message.includes('upstream said ERROR'))).toBe(false);
    expect(before[1]!.records.every((r) => r.level === 'fatal' && r.message.includes('exhausted'))).toBe(true);
    expect(before[2]!.records.every((r) => r.level === 'warn' && r.logger === 'app.db')).toBe(true);
  }, 300_000);
});
