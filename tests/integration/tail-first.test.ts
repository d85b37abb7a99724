// A big log file seen for the first time: its newest lines are stored first, then its older part
// from the start up to where the tail began. kill -9 during that backfill, restart: every line is
// stored exactly once, the traceback cut by the seam between the two parts is one record, and a
// search finds every match. The file is written by Python's logging, with the seam's traceback
// placed where the tail starts.
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startServe, waitFor, type ServeProcess } from '../support/serve-process.js';
import { TAIL_FIRST_BYTES, TAIL_FIRST_MIN_BYTES } from '../../electron/engine/ingest/files/file-reader.js';
import type { HistogramView, LogPage, SourceView } from '../../shared/model.js';

/** Writes records until the file is past `min_bytes`, then a traceback that the tail's start falls in, then about `tail_bytes` more. */
const WRITER = `
import logging, sys
path, min_bytes, tail_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
log = logging.getLogger("app.worker")
h = logging.FileHandler(path)
h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
log.addHandler(h); log.setLevel(logging.INFO)
n = failures = 0
def record(fail):
    global n, failures
    n += 1
    if fail:
        failures += 1
        try:
            raise ValueError(f"bad value {n}")
        except ValueError:
            log.exception("line %07d failed", n)
    else:
        log.info("line %07d ok", n)
while h.stream.tell() < min_bytes:
    record(n % 200 == 199)
record(True)
seam_record = n
h.flush()
seam = h.stream.tell()
# The tail starts tail_bytes before the end: 50 to 150 bytes before this traceback's end.
while h.stream.tell() < seam + tail_bytes - 150:
    record(False)
print(n, failures, seam_record)
`;

async function sourceOf(server: ServeProcess): Promise<SourceView> {
  const { sources } = await server.get<{ sources: SourceView[] }>('/api/sources');
  return sources.find((s) => s.kind === 'file')!;
}

async function lineNumbers(server: ServeProcess): Promise<{ numbers: number[]; tracebacks: number }> {
  const numbers: number[] = [];
  let tracebacks = 0;
  let cursor: string | null = '';
  while (cursor !== null) {
    const page: LogPage = await server.get<LogPage>(`/api/logs?limit=5000${cursor ? `&cursor=${cursor}` : ''}`);
    for (const r of page.records) {
      const m = /^line (\d{7})/.exec(r.message);
      if (m) numbers.push(Number(m[1]));
      if (r.exception?.type === 'ValueError' && /Traceback \(most recent call last\)[\s\S]*ValueError: bad value/.test(r.message))
        tracebacks++;
    }
    cursor = page.nextCursor;
  }
  return { numbers, tracebacks };
}

describe('a big file read tail first', () => {
  it('shows the newest line first, then reads the rest exactly once across kill -9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-tailfirst-'));
    const file = join(dir, 'app.log');
    const script = join(dir, 'writer.py');
    writeFileSync(script, WRITER);
    const out = execFileSync('/usr/bin/python3', [script, file, String(TAIL_FIRST_MIN_BYTES + 1024 * 1024), String(TAIL_FIRST_BYTES)], {
      encoding: 'utf8',
    });
    const [lines, failures, seamRecord] = out.trim().split(' ').map(Number) as [number, number, number];
    const size = statSync(file).size;
    const dataDir = join(dir, 'data');

    let server = await startServe(['--data-dir', dataDir, '--poll-ms', '50', file]);
    // The first records on screen are the file's newest: past the seam, in its last few MB.
    const first = await waitFor(async () => (await server.get<LogPage>('/api/logs?limit=1')).records[0], 30_000, 'a first record');
    expect(Number(/^line (\d{7})/.exec(first.message)?.[1])).toBeGreaterThan(seamRecord);

    // Killed while the older part is being read: the source says how far it is.
    const during = await waitFor(
      async () => {
        const s = await sourceOf(server);
        return s.progress && s.records > 0 ? s : undefined;
      },
      60_000,
      'reading the older part',
    );
    expect(during.progress!.bytesTotal).toBe(size);
    expect(during.progress!.bytesDone).toBeLessThan(size);
    await server.stop('SIGKILL');

    server = await startServe(['--data-dir', dataDir, '--poll-ms', '50']);
    await waitFor(async () => ((await sourceOf(server)).records >= lines ? true : undefined), 120_000, `all ${lines} lines`);
    const source = await sourceOf(server);
    expect(source.progress).toBeUndefined();
    const { numbers, tracebacks } = await lineNumbers(server);
    const seen = new Map<number, number>();
    for (const n of numbers) seen.set(n, (seen.get(n) ?? 0) + 1);
    const missing = [];
    const doubled = [];
    for (let i = 1; i <= lines; i++) {
      const c = seen.get(i) ?? 0;
      if (c === 0) missing.push(i);
      if (c > 1) doubled.push(i);
    }
    expect({ missing: missing.slice(0, 20), doubled: doubled.slice(0, 20) }).toEqual({ missing: [], doubled: [] });
    expect(numbers.length).toBe(lines);
    // Every traceback is folded into its record, the one at the seam too.
    expect(tracebacks).toBe(failures);
    // A search after the restart finds every match, the older part's and the tail's.
    const hist = await server.get<HistogramView>('/api/logs/histogram?q=ValueError&buckets=1');
    expect(hist.total).toBe(failures);
    await server.stop();
  }, 300_000);
});
