// A big folder of old Python logs opened for the first time, beside lnav (Debian's, headless) and
// `grep -c` on the same folder in the same run: how soon the newest lines show, when every line is
// browsable (read from the files while not stored yet, and every record stored), what a rare and a common search answer at 1 s, at 5 s and after, how fast the whole
// folder is indexed, and how soon a restart is ready. 8M lines only with `--big-8m` (slow).
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { peakRssMb, peakRssRow, resetPeakRss, type BenchRow } from './bench-row.js';
import { cpuSecondsOf, niceOf } from '../support/proc-stat.js';

const RARE = 'kaboom';
const COMMON = 'timeout';
/** Lines a file holds: every file is big enough (> 32 MB) to be read tail first. */
const LINES_PER_FILE = 1_000_000;

function ms(t: number): string {
  return `${Math.round(t).toLocaleString('en')} ms`;
}

/** Runs a command; its wall time (ms) and output, or null when it is not installed. */
function timed(cmd: string, args: string[]): { ms: number; out: string } | null {
  const t0 = performance.now();
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
    return { ms: performance.now() - t0, out };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { status?: number; stdout?: string };
    if (e.code === 'ENOENT') return null;
    // grep -c exits 1 for files without a match: still an answer.
    return { ms: performance.now() - t0, out: e.stdout ?? '' };
  }
}

/**
 * CPU seconds of the full-text indexer's thread so far: the process's threads at the FTS thread's
 * nice value (fts-worker.ts lowers that thread alone; nothing else here runs below normal), from
 * Linux's per-thread counters; NaN elsewhere. Threads that ended are not counted.
 */
function ftsThreadCpuSeconds(): number {
  try {
    let seconds = 0;
    for (const tid of readdirSync('/proc/self/task')) {
      const path = `/proc/self/task/${tid}/stat`;
      // The FTS thread is the one running at a lower priority (fts-worker.ts).
      if (niceOf(path) > 0) seconds += cpuSecondsOf(path);
    }
    return seconds;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of the calling thread so far — here the engine's loop, the main thread — in ns
 * precision (Linux's scheduler statistics; Node 20 has no per-thread CPU clock); NaN elsewhere.
 * Busy-time measures count the waits for a core on a loaded machine, this does not. Taken around
 * the bench's own searches and browse takes too, to tell them from the engine's work.
 */
function threadCpuSeconds(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return NaN;
  }
}

/**
 * What a search answers now: how long it took, how many of the first page (of them, how many found
 * in the files' bytes not read yet), and whether the first is the newest match.
 */
function searchNow(engine: Engine, q: string): { ms: number; found: number; pending: number; newest: number | null } {
  const t0 = performance.now();
  const page = engine.reader.search({ q, limit: 200 });
  const pending = page.records.filter((r) => r.pending).length;
  return { ms: performance.now() - t0, found: page.records.length, pending, newest: page.records[0]?.id ?? null };
}

/**
 * How often the browse pages are taken while the folder is read: often in the first seconds (the
 * target is 5 s), seldom after (each take runs on the engine's loop, and slows the storing).
 */
const BROWSE_PROBE_MS = 250;
const BROWSE_PROBE_LATE_MS = 2000;

/** The time (µs) of a Python logging line (`2026-11-30 10:00:00,123 …`, local time). */
function lineTimeUs(line: string): number {
  return Date.parse(line.slice(0, 23).replace(' ', 'T').replace(',', '.')) * 1000;
}

/**
 * The pages a user browses back to (200 newest up to a few times spread over the folder, and a
 * level's page): what each shows, as one string (ids left out: a record read from the files has
 * a stand-in), and how many of them were read from the files.
 */
function browsePages(engine: Engine, times: number[]): { seen: string; pending: number } {
  const pages = [...times.map((to) => ({ to })), { q: 'level:error', to: times[Math.floor(times.length / 2)] }];
  let seen = '';
  let pending = 0;
  for (const p of pages) {
    for (const r of engine.reader.search({ ...p, limit: 200 }).records) {
      seen += `${r.timestamp} ${r.level} ${r.file ?? ''} ${r.message}\n`;
      if (r.pending) pending++;
    }
  }
  return { seen, pending };
}

export async function benchBigFolder(work: string, sizes: number[], lineOf: (i: number) => string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const dir = join(work, `big-${n}`);
    const logs = join(dir, 'logs');
    mkdirSync(logs, { recursive: true });
    const files: string[] = [];
    const perFile = Math.min(LINES_PER_FILE, Math.max(300_000, Math.ceil(n / 2)));
    let rareTotal = 0;
    for (let from = 0, k = 0; from < n; from += perFile, k++) {
      const path = join(logs, `app-${k}.log`);
      writeFileSync(path, '');
      let buf = '';
      for (let i = from; i < Math.min(n, from + perFile); i++) {
        const line = lineOf(i);
        if (line.includes(RARE)) rareTotal++;
        buf += line;
        if (buf.length > 1 << 22) {
          appendFileSync(path, buf);
          buf = '';
        }
      }
      appendFileSync(path, buf);
      files.push(path);
    }
    const label = `${(n / 1e6).toLocaleString('en')}M lines`;

    const grep = timed('grep', ['-rc', RARE, logs]);
    const lnavOpen = timed('lnav', ['-n', '-c', ';SELECT count(*) FROM all_logs', ...files]);
    const lnavRare = timed('lnav', ['-n', '-c', `;SELECT count(*) FROM all_logs WHERE log_body LIKE '%${RARE}%'`, ...files]);

    const dataDir = join(dir, 'data');
    // The process's peak memory from here: the engine, its threads and SQLite's caches (the lines
    // were generated above; lnav and grep are other processes).
    const benchMb = resetPeakRss();
    let engine = await createEngine({ dataDir, retentionUs: 100 * 365 * 86_400_000_000, maxDbBytes: 1024 ** 4, analysis: false });
    const t0 = performance.now();
    // CPU of every thread (the process's), and of the engine's loop alone (what parsing on it cost).
    const cpu0 = process.cpuUsage();
    const loop0 = threadCpuSeconds();
    let browsableCpu = { all: NaN, loop: NaN, fts: NaN };
    let indexedCpu = { all: NaN, fts: NaN };
    await engine.sources.add(logs);
    const threaded = engine.pipeline.parsesInThread;
    const lastLine = lineOf(n - 1);
    const newestMarker = lastLine.slice(lastLine.indexOf('request_id='), lastLine.indexOf(' ', lastLine.indexOf('request_id=')));
    // Browse pages up to these times (spread over the folder: the oldest files' lines come first).
    const browseTimes = [0.05, 0.3, 0.5, 0.7, 0.95].map((f) => lineTimeUs(lineOf(Math.floor(n * f))));
    const probes: { t: number; seen: string; pending: number }[] = [];
    let probeMs = 0;
    // CPU the bench's own searches and browse takes cost the loop before every record was stored.
    let benchLoopCpu = 0;
    let newestAt: number | null = null;
    let browsableAt: number | null = null;
    let indexedAt: number | null = null;
    const at: Record<string, { rare: ReturnType<typeof searchNow>; common: ReturnType<typeof searchNow> }> = {};
    for (;;) {
      const t = performance.now() - t0;
      if (newestAt === null && engine.reader.search({ limit: 1 }).records[0]?.message.includes(newestMarker)) newestAt = t;
      for (const [name, s] of [
        ['1 s', 1000],
        ['5 s', 5000],
      ] as const) {
        if (t >= s && !at[name]) {
          const c0 = threadCpuSeconds();
          at[name] = { rare: searchNow(engine, RARE), common: searchNow(engine, COMMON) };
          if (browsableAt === null) benchLoopCpu += threadCpuSeconds() - c0;
        }
      }
      const lastProbe = probes[probes.length - 1];
      const probeEvery = t < 10_000 ? BROWSE_PROBE_MS : BROWSE_PROBE_LATE_MS;
      if (browsableAt === null && (lastProbe === undefined || t - lastProbe.t >= probeEvery)) {
        const p0 = performance.now();
        const c0 = threadCpuSeconds();
        probes.push({ t, ...browsePages(engine, browseTimes) });
        probeMs += performance.now() - p0;
        benchLoopCpu += threadCpuSeconds() - c0;
      }
      if (browsableAt === null && engine.pipeline.stats.recordsWritten >= n) {
        browsableAt = t;
        const cpu = process.cpuUsage(cpu0);
        browsableCpu = { all: (cpu.user + cpu.system) / 1e6, loop: threadCpuSeconds() - loop0, fts: ftsThreadCpuSeconds() };
      }
      if (browsableAt !== null && indexedAt === null && engine.reader.unindexedOf(RARE) === undefined) {
        indexedAt = t;
        const cpu = process.cpuUsage(cpu0);
        indexedCpu = { all: (cpu.user + cpu.system) / 1e6, fts: ftsThreadCpuSeconds() };
      }
      if (indexedAt !== null && at['5 s']) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const peakMb = peakRssMb();
    const after = { rare: searchNow(engine, RARE), common: searchNow(engine, COMMON) };
    // Browsable from the files: the first take of the pages that shows what they show once all is stored.
    const stored = browsePages(engine, browseTimes);
    const browsedFirst = probes.find((p) => p.seen === stored.seen);
    await engine.close();
    const r0 = performance.now();
    engine = await createEngine({ dataDir, retentionUs: 100 * 365 * 86_400_000_000, maxDbBytes: 1024 ** 4, analysis: false });
    engine.reader.search({ limit: 200 });
    const restart = performance.now() - r0;
    await engine.close();

    const fmt = (s: ReturnType<typeof searchNow>, total: number): string =>
      `${s.found >= total ? 'all' : s.found} of ${total} found${s.pending > 0 ? ` (${s.pending} not yet read)` : ''}, ${ms(s.ms)}`;
    const lnavText = (r: { ms: number } | null): string => (r === null ? 'lnav not installed (apt-get install lnav)' : ms(r.ms));
    rows.push(
      {
        what: `big folder ${label}: lnav open+index / grep -c rare`,
        value: `${lnavText(lnavOpen)} / ${grep ? ms(grep.ms) : 'no grep'}`,
        target: 'reference (same run)',
      },
      {
        what: `big folder ${label}: Loupe newest line visible / every line browsable (every record stored)`,
        value: `${newestAt === null ? 'never' : ms(newestAt)} / ${ms(browsableAt ?? NaN)}`,
        ceiling: lnavOpen ? `lnav open ${ms(lnavOpen.ms)}` : undefined,
        ratio: lnavOpen && newestAt !== null ? (newestAt / lnavOpen.ms).toFixed(2) : undefined,
        target: '< 1 s / < 5 s',
        ok: newestAt !== null && newestAt < 1000 && browsableAt !== null && browsableAt < 5000,
      },
      {
        what: `big folder ${label}: every line browsable (stored or read from the files): pages at 5 times + a level's page as once stored`,
        value: browsedFirst
          ? `${ms(browsedFirst.t)} (${browsedFirst.pending} of ${stored.seen.split('\n').length - 1} records read from the files; ` +
            `${probes.length} takes, every ${BROWSE_PROBE_MS} ms for 10 s then ${BROWSE_PROBE_LATE_MS} ms, cost the loop ${ms(probeMs)})`
          : `never before every line was stored (${probes.length} takes)`,
        target: '< 5 s ("browsable" above: every record stored)',
        ok: browsedFirst !== undefined && browsedFirst.t < 5000,
      },
      {
        what: `big folder ${label}: to browsable, CPU of all threads / of the engine's loop (of which the bench's searches and takes)${threaded ? '' : ' (no parse thread)'}`,
        value:
          `${browsableCpu.all.toFixed(1)} s / ${browsableCpu.loop.toFixed(1)} s (${benchLoopCpu.toFixed(1)} s), ` +
          `${Math.round(n / browsableCpu.all).toLocaleString('en')} lines per CPU s`,
        target: 'report',
      },
      ...(['1 s', '5 s'] as const).map((name) => ({
        what: `big folder ${label}: search at ${name}, rare "${RARE}" / common "${COMMON}" (first page of 200)`,
        value: at[name] ? `${fmt(at[name].rare, rareTotal)} / ${fmt(at[name].common, 200)}` : 'ended before',
        target: 'every match found (rare), the newest 200 (common)',
        ok: at[name] ? at[name].rare.found === rareTotal && at[name].common.found === 200 : undefined,
      })),
      {
        what: `big folder ${label}: search after, rare / common; lnav rare (open + scan)`,
        value: `${fmt(after.rare, rareTotal)} / ${fmt(after.common, 200)}`,
        ceiling: lnavRare ? `lnav ${ms(lnavRare.ms)}` : 'lnav not installed',
        target: 'rare p95 < 100 ms',
      },
      {
        what: `big folder ${label}: full-text index complete`,
        value:
          `${ms(indexedAt ?? NaN)}, ${Math.round(n / ((indexedAt ?? NaN) / 1000)).toLocaleString('en')} lines/s; ` +
          `CPU of all threads ${indexedCpu.all.toFixed(1)} s (${Math.round(n / indexedCpu.all).toLocaleString('en')} lines per CPU s), ` +
          `of the FTS thread ${indexedCpu.fts.toFixed(1)} s (${Math.round(n / indexedCpu.fts).toLocaleString('en')} lines per its CPU s; ` +
          `${browsableCpu.fts.toFixed(1)} s of it before every record was stored)`,
        target: '≥ 270k lines/s',
        ok: indexedAt !== null && n / (indexedAt / 1000) >= 270_000,
      },
      peakRssRow(`big folder ${label}: peak RSS of the process, from opening the folder to the index complete`, peakMb, benchMb),
      { what: `big folder ${label}: restart to a first page`, value: ms(restart), target: '< 1 s', ok: restart < 1000 },
    );
  }
  return rows;
}
