// The full-text index in parts (fts-parts.ts) against one part, on the scale bench's database
// (10M records by default): a word's histogram, facets and counts over the last hour, searches and
// histograms over the whole range, before and after retention deletes the oldest ~3 % of the
// records (FTS5 keeps their tombstones in the part(s) that held them). CPU time a query (the main
// thread; no indexer runs meanwhile), the two databases alternated run by run.
//
//   npm run bench -- --only fts-parts [--scale-records N] [--fts-part-records N]
//   LOUPE_BENCH_FTS_PARTS_KEEP=<dir>   build both databases there once and reuse them (each run
//                                      measures copies)
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase, type Db } from '../../electron/engine/core/database.js';
import { DB_FILE } from '../../electron/engine/engine.js';
import { LogWriter } from '../../electron/engine/signals/logs/log-writer.js';
import { LogReader } from '../../electron/engine/signals/logs/log-reader.js';
import { LogPruner } from '../../electron/engine/signals/logs/log-pruner.js';
import { logFacets } from '../../electron/engine/signals/logs/log-facets.js';
import { ftsPartsOf } from '../../electron/engine/signals/logs/fts-parts.js';
import { registerQueryFunctions } from '../../electron/engine/signals/logs/query/index.js';
import { percentile, type BenchRow } from './bench-row.js';
import { build, type Built } from './scale.bench.js';

const HOUR_US = 3_600_000_000;
const MINUTE_US = 60_000_000;
/** Share of the oldest records retention deletes between the two measures. */
const RETAINED_SHARE = 0.03;

interface Side {
  name: string;
  db: Db;
  reader: LogReader;
}

function open(name: string, built: Built, work: string): Side {
  const dataDir = join(work, `fts-parts-${name}`);
  rmSync(dataDir, { recursive: true, force: true });
  cpSync(built.dataDir, dataDir, { recursive: true });
  const db = openDatabase(join(dataDir, DB_FILE));
  registerQueryFunctions(db);
  return { name, db, reader: new LogReader(db, new LogWriter(db)) };
}

/** Merges every part down to one segment (as the FTS thread does when idle); returns the CPU seconds. */
function mergeAll(db: Db): number {
  const cpu0 = process.cpuUsage();
  const changes = db.prepare('SELECT total_changes()').pluck();
  for (const part of ftsPartsOf(db).current()) {
    const merge = db.prepare(`INSERT INTO fts.${part.table} (${part.table}, rank) VALUES ('merge', -2000)`);
    for (;;) {
      const before = changes.get() as number;
      merge.run();
      if ((changes.get() as number) - before < 2) break;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1e6;
}

/** CPU ms of each run (main thread). */
function cpuRuns(n: number, fn: () => unknown, before?: () => unknown): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    before?.();
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    out.push((c.user + c.system) / 1000);
  }
  return out;
}

/** Each query on both sides, alternated round by round: "one part p50 (p95) → parts p50 (p95)". */
function compare(sides: [Side, Side], label: string, endUs: number, rounds: number): BenchRow[] {
  const lastHour = { from: endUs - HOUR_US, to: endUs };
  const queries: [string, (r: LogReader) => unknown, number, ((r: LogReader) => unknown)?][] = [
    ['histogram "timeout", last hour', (r) => r.histogram({ q: 'timeout', buckets: 60, ...lastHour }), 5],
    [
      'facets "timeout", last hour',
      (r) => logFacets(r, { q: 'timeout', ...lastHour }),
      3,
      (r) => r.histogram({ q: 'kaboom', buckets: 1, ...lastHour }),
    ],
    ['count "timeout", last minute', (r) => r.count({ q: 'timeout', from: endUs - MINUTE_US, to: endUs }), 10],
    ['search "timeout", newest 200', (r) => r.search({ q: 'timeout', limit: 200 }), 5],
    ['search "kaboom" (rare), newest 200', (r) => r.search({ q: 'kaboom', limit: 200 }), 5],
    ['search "timeout", last hour', (r) => r.search({ q: 'timeout', limit: 200, ...lastHour }), 5],
    ['histogram "timeout level:error", whole range', (r) => r.histogram({ q: 'timeout level:error', buckets: 100 }), 1],
    ['histogram "timeout", whole range', (r) => r.histogram({ q: 'timeout', buckets: 100 }), 1],
  ];
  const rows: BenchRow[] = [];
  for (const [what, fn, n, before] of queries) {
    const samples: [number[], number[]] = [[], []];
    sides.forEach((s) => fn(s.reader)); // warm-up
    for (let k = 0; k < rounds; k++) {
      sides.forEach((s, i) => samples[i]!.push(...cpuRuns(n, () => fn(s.reader), before && (() => before(s.reader)))));
    }
    const text = samples.map((t) => `${percentile(t, 50).toFixed(1)} (${percentile(t, 95).toFixed(1)})`);
    const value = `${text[0]} → ${text[1]} ms CPU p50 (p95)`;
    process.stderr.write(`fts-parts ${label}: ${what}: ${value}\n`);
    rows.push({ what: `fts parts ${label}: ${what}`, value, target: 'report' });
  }
  return rows;
}

/** `partRecords`: the parts' size (FTS_PART_RECORDS when not given; `--fts-part-records N`). */
export async function benchFtsParts(work: string, records: number, keep: string | undefined, partRecords?: number): Promise<BenchRow[]> {
  const root = keep ?? join(work, 'fts-parts');
  const size = `${(records / 1e6).toLocaleString('en')}M`;
  const rows: BenchRow[] = [];
  const t0 = performance.now();
  const builtOne = await build(join(root, 'one'), records, Number.MAX_SAFE_INTEGER);
  const builtParts = await build(join(root, partRecords ? `parts-${partRecords}` : 'parts'), records, partRecords);
  rows.push({ what: `fts parts ${size}: build, one part`, value: builtOne.how, target: 'report' });
  rows.push({ what: `fts parts ${size}: build, parts`, value: builtParts.how, target: 'report' });
  const one = open('one', builtOne, work);
  const parts = open('parts', builtParts, work);
  const merged = [mergeAll(one.db), mergeAll(parts.db)];
  rows.push({
    what: `fts parts ${size}: merge every part to one segment`,
    value: `one part ${merged[0]!.toFixed(0)} s CPU, ${ftsPartsOf(parts.db).current().length} parts ${merged[1]!.toFixed(0)} s CPU`,
    target: 'report',
  });
  const rounds = 3;
  rows.push(...compare([one, parts], `${size}, merged`, builtOne.endUs, rounds));
  // Retention: the oldest records go, chunk by chunk, as the engine's pruner takes them.
  const retained: string[] = [];
  for (const side of [one, parts]) {
    const cutoff = side.db
      .prepare('SELECT id FROM logs ORDER BY id LIMIT 1 OFFSET ?')
      .pluck()
      .get(Math.floor(records * RETAINED_SHARE)) as number;
    const pruner = new LogPruner(side.db);
    const c0 = process.cpuUsage();
    let deleted = 0;
    for (let n = pruner.pruneOlderThan(cutoff); n > 0; n = pruner.pruneOlderThan(cutoff)) deleted += n;
    const c = process.cpuUsage(c0);
    retained.push(
      `${side.name}: ${deleted.toLocaleString('en')} deleted in ${((c.user + c.system) / 1e6).toFixed(1)} s CPU, ${ftsPartsOf(side.db).current().length} parts left`,
    );
  }
  rows.push({ what: `fts parts ${size}: retention of the oldest ${RETAINED_SHARE * 100} %`, value: retained.join('; '), target: 'report' });
  rows.push(...compare([one, parts], `${size}, after retention`, builtOne.endUs, rounds));
  one.db.close();
  parts.db.close();
  process.stderr.write(`fts-parts: ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  return rows;
}
