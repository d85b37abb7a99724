// The full-text indexer alone (`--only fts`): records already stored and queued, as after a big
// folder has been read, indexed by an FtsIndexer on a connection of its own as the FTS thread's
// is. What the index costs by itself, without the reading and parsing beside it: lines/s, lines
// per CPU second (steadier on a shared machine), and the merging done after, when it is idle.
// Twice: batches queued as ranges (every record in [from, to]: what an index made again queues) and
// with their id lists, as the records' writer queues every batch (log-writer.ts: the indexer then
// reads each record by its id).
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../../electron/engine/core/database.js';
import { FTS_CHUNK_RECORDS, FtsIndexer, packIds } from '../../electron/engine/signals/logs/fts-index.js';
import type { BenchRow } from './bench-row.js';

/** Records per queued batch, as the records' writer queues a file's batches. */
const BATCH = 1000;

export function benchFtsAlone(work: string, n: number, messageOf: (i: number) => string): BenchRow[] {
  return [indexAlone(work, n, messageOf, false), indexAlone(work, n, messageOf, true)];
}

function indexAlone(work: string, n: number, messageOf: (i: number) => string, idLists: boolean): BenchRow {
  const dir = join(work, `fts-alone-${idLists ? 'lists' : 'ranges'}`);
  mkdirSync(dir, { recursive: true });
  const dbPath = join(dir, 'loupe.db');
  const db = openDatabase(dbPath);
  const insert = db.prepare(
    `INSERT INTO logs (id, ts, severity, level_text, file_id, source_id, logger, service, message, attributes, trace_id, span_id, exc_type, exc_message, flags)
     VALUES (?, ?, 9, 'INFO', NULL, NULL, 'app.http', NULL, ?, NULL, NULL, NULL, NULL, NULL, 0)`,
  );
  const queue = db.prepare('INSERT INTO fts_pending (from_id, to_id, records, bytes, ids) VALUES (?, ?, ?, ?, ?)');
  const idOf = (i: number): number => 1_700_000_000_000_000 + i * 10_000;
  db.transaction(() => {
    for (let from = 0; from < n; from += BATCH) {
      const to = Math.min(n, from + BATCH);
      let bytes = 0;
      for (let i = from; i < to; i++) {
        const message = messageOf(i);
        bytes += message.length;
        insert.run(idOf(i), idOf(i), message);
      }
      const ids = idLists ? packIds(Array.from({ length: to - from }, (_, k) => idOf(from + k))) : null;
      queue.run(idOf(from), idOf(to - 1), to - from, bytes, ids);
    }
  })();
  db.close();

  // The FTS thread's connection: the records read, the FTS file written.
  const conn = openDatabase(dbPath);
  conn.pragma('fts.cache_size = -32768');
  const indexer = new FtsIndexer(conn);
  const load0 = loadavg()[0]!;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (indexer.indexSome(FTS_CHUNK_RECORDS) > 0);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const m0 = performance.now();
  while (indexer.mergeSome() > 0);
  const mergeSeconds = (performance.now() - m0) / 1000;
  conn.close();
  const load = `load ${load0.toFixed(0)}–${loadavg()[0]!.toFixed(0)}`;
  return {
    what: `full-text indexer alone, ${n.toLocaleString('en')} stored Python lines queued ${idLists ? 'with their ids (as the writer queues them)' : 'as ranges'}: index complete (${load})`,
    value: `${seconds.toFixed(1)} s, ${Math.round(n / seconds).toLocaleString('en')} lines/s; ${Math.round(n / ((cpu.user + cpu.system) / 1e6) / 1000)}k lines per CPU s; merged after, when idle: +${mergeSeconds.toFixed(1)} s`,
    target: '≥ 270k lines/s',
    ok: n / seconds >= 270_000,
  };
}
