// What each part of the full-text index's insert costs (`--only fts-variants`, issue 15): the
// indexer's INSERT … SELECT from stored records into an FTS5 table in a file of its own, made once
// as the index is (FTS_FILE_SCHEMA, FtsIndexer) and once per variant with one thing changed — no
// level tags, attributes through the SQL function, the tokenizer's options, FTS5's detail, page
// sizes, chunk size, merging, cache, reading records by their ids as the writer queues them. The
// variants are alternated over rounds (the machine's load drifts) and compared by their median
// CPU time against the index as it is, in the same run. Not in the full bench: it takes minutes.
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { newDatabase } from '../../electron/engine/core/database.js';
import { attributesSearchText } from '../../electron/engine/signals/logs/query/index.js';
import { FTS_CHUNK_RECORDS, FTS_LEVEL_TAG } from '../../electron/engine/signals/logs/fts-index.js';
import { percentile, type BenchRow } from './bench-row.js';

const TOKENIZE = `tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"`;
const TAGS = `'${FTS_LEVEL_TAG}' || CASE WHEN severity BETWEEN 1 AND 24 THEN (severity - 1) / 4 ELSE 2 END`;
const ATTRS = `iif(attributes IS NULL, '', fts_attributes_text(attributes))`;
/** Records per queued batch, as the records' writer queues a file's batches. */
const BATCH = 1000;

interface Variant {
  columns: string;
  options: string;
  select: string;
  chunk: number;
  automerge: number;
  crisismerge?: number;
  pgsz?: number;
  pageSize: number;
  cacheKiB: number;
  /** Each batch read by its ids (the writer's queue) instead of as a range. */
  idLists?: boolean;
}

/** The index as it is (migration 015's FTS_FILE_SCHEMA; FtsIndexer during a backlog). */
const AS_IS: Variant = {
  columns: 'message, attrs, tags',
  options: `content = '', contentless_delete = 1, ${TOKENIZE}`,
  select: `id, message, ${ATTRS}, ${TAGS}`,
  chunk: FTS_CHUNK_RECORDS,
  automerge: 0,
  pageSize: 4096,
  cacheKiB: 32768,
};

const VARIANTS: Record<string, Partial<Variant>> = {
  'as is': {},
  'no tags column': { columns: 'message, attrs', select: `id, message, ${ATTRS}` },
  'every record with attributes (3 keys, the SQL function)': {
    select: `id, message, fts_attributes_text(attrs_json), ${TAGS}`,
  },
  'remove_diacritics 0': { options: `content = '', contentless_delete = 1, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"` },
  "no tokenchars '_'": { options: `content = '', contentless_delete = 1, tokenize = "unicode61 remove_diacritics 2"` },
  'detail=column': { options: `${AS_IS.options}, detail = column` },
  'detail=none': { options: `${AS_IS.options}, detail = none` },
  'detail=none, no tags column': { options: `${AS_IS.options}, detail = none`, columns: 'message, attrs', select: `id, message, ${ATTRS}` },
  'no contentless_delete': { options: `content = '', ${TOKENIZE}` },
  'page 8 KiB, pgsz 8000': { pageSize: 8192, pgsz: 8000 },
  'page 16 KiB, pgsz 16000': { pageSize: 16384, pgsz: 16000 },
  'chunk 2,000': { chunk: 2000 },
  'chunk 50,000': { chunk: 50_000 },
  'automerge 4 (an indexer keeping up)': { automerge: 4 },
  'automerge 4, crisismerge 64': { automerge: 4, crisismerge: 64 },
  'cache 64 MiB (before 2026-12-01)': { cacheKiB: 65_536 },
  'cache 256 MiB': { cacheKiB: 262_144 },
  'batches read by their ids (as the writer queues them)': { idLists: true },
};

export function benchFtsVariants(work: string, n: number, messageOf: (i: number) => string, rounds = 3): BenchRow[] {
  const src = join(work, 'fts-variants.db');
  const db = newDatabase(src);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE logs (id INTEGER PRIMARY KEY, severity INTEGER, message TEXT, attributes TEXT, attrs_json TEXT)');
  const insert = db.prepare('INSERT INTO logs VALUES (?, ?, ?, NULL, ?)');
  const severities = [9, 9, 9, 5, 13, 9, 17];
  const ids: number[] = [];
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const id = 1_700_000_000_000_000 + i * 10_000;
      ids.push(id);
      const attrs = JSON.stringify({ user_id: i % 1000, path: `/api/users/${i % 1000}`, method: 'GET' });
      insert.run(id, severities[i % severities.length], messageOf(i), attrs);
    }
  })();
  db.close();

  const runOnce = (name: string): number => {
    const v = { ...AS_IS, ...VARIANTS[name] };
    const file = join(work, 'fts-variant.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    const conn = newDatabase(src);
    conn.pragma('cache_size = -8192');
    conn.function('fts_attributes_text', { deterministic: true }, (json: unknown) => attributesSearchText(JSON.parse(String(json))));
    conn.prepare('ATTACH DATABASE ? AS fts').run(file);
    conn.pragma(`fts.page_size = ${v.pageSize}`);
    conn.pragma('fts.journal_mode = WAL');
    conn.pragma('fts.synchronous = NORMAL');
    conn.pragma(`fts.cache_size = -${v.cacheKiB}`);
    conn.exec(`CREATE VIRTUAL TABLE fts.t USING fts5(${v.columns}, ${v.options})`);
    const config = conn.prepare('INSERT INTO fts.t (t, rank) VALUES (?, CAST(? AS INTEGER))');
    config.run('automerge', v.automerge);
    if (v.pgsz) config.run('pgsz', v.pgsz);
    if (v.crisismerge) config.run('crisismerge', v.crisismerge);
    const into = `INSERT INTO fts.t (rowid, ${v.columns}) SELECT ${v.select} FROM logs`;
    const byRange = conn.prepare(`${into} WHERE id >= ? AND id <= ? ORDER BY id`);
    const byIds = conn.prepare(`${into} WHERE id >= ? AND id <= ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id`);
    const chunk = conn.transaction((from: number, to: number) => {
      for (let b = from; b < to; b += BATCH) {
        const last = Math.min(to, b + BATCH) - 1;
        if (v.idLists) byIds.run(ids[b], ids[last], JSON.stringify(ids.slice(b, last + 1)));
        else byRange.run(ids[b], ids[last]);
      }
    });
    conn.prepare('SELECT sum(length(message)) FROM logs').get(); // the records' pages read before, for every variant alike
    const cpu0 = process.cpuUsage();
    for (let from = 0; from < n; from += v.chunk) chunk(from, Math.min(n, from + v.chunk));
    const cpu = process.cpuUsage(cpu0);
    conn.close();
    return (cpu.user + cpu.system) / 1e6;
  };

  const names = Object.keys(VARIANTS);
  const cpu = new Map<string, number[]>(names.map((name) => [name, []]));
  const load0 = loadavg()[0]!;
  runOnce('as is'); // warms the code and the records' file
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) cpu.get(name)!.push(runOnce(name));
  }
  const load = `load ${load0.toFixed(0)}–${loadavg()[0]!.toFixed(0)}`;
  const median = (name: string): number => percentile(cpu.get(name)!, 50);
  const base = median('as is');
  return names.map((name) => ({
    what: `FTS insert, ${n.toLocaleString('en')} Python lines, ${name} (median of ${rounds}, ${load})`,
    value: `${((median(name) / n) * 1e6).toFixed(2)} CPU µs a line (${cpu
      .get(name)!
      .map((s) => ((s / n) * 1e6).toFixed(2))
      .join(' / ')}), ${Math.round(n / median(name) / 1000)}k lines per CPU s`,
    ceiling: name === 'as is' ? undefined : 'as is, same run',
    ratio: name === 'as is' ? undefined : (median(name) / base).toFixed(2),
    target: 'report',
  }));
}
