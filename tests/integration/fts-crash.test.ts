// kill -9 the real server while its full-text index (its own file, written on its own thread) is
// behind the records of a big file; restart it: no record lost or doubled, nothing indexed twice
// or left out, and a search finds every match.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startServe, waitFor } from '../support/serve-process.js';
import type { LogPage } from '../../shared/model.js';

const LINES = 300_000;
/** One line in 1,000 has the rare word; one in 7 of the others the common one. */
const RARE = LINES / 1000;
const wordOf = (i: number): string => (i % 1000 === 7 ? 'rarebird' : i % 7 === 0 ? 'common' : 'plain');

/** The store as the files say, read beside the server (WAL lets both). */
function look(dataDir: string): { records: number; distinct: number; queued: number; indexedBatches: number } {
  const db = new Database(join(dataDir, 'loupe.db'));
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('ATTACH DATABASE ? AS fts').run(join(dataDir, 'loupe-fts.db'));
    const hasState = db.prepare("SELECT 1 FROM fts.sqlite_master WHERE name = 'fts_state'").get() !== undefined;
    const mark = hasState ? (db.prepare("SELECT value FROM fts.fts_state WHERE key = 'through_seq'").pluck().get() as number) : 0;
    return {
      records: db.prepare('SELECT count(*) FROM logs').pluck().get() as number,
      distinct: db.prepare('SELECT count(DISTINCT message) FROM logs').pluck().get() as number,
      queued: db.prepare('SELECT count(*) FROM fts_pending WHERE seq > ?').pluck().get(mark) as number,
      indexedBatches: mark,
    };
  } finally {
    db.close();
  }
}

/** How many index rows hold `term`, and how often it is indexed in all. */
function indexed(dataDir: string, term: string): { docs: number; occurrences: number } {
  const db = new Database(join(dataDir, 'loupe.db'));
  try {
    db.prepare('ATTACH DATABASE ? AS fts').run(join(dataDir, 'loupe-fts.db'));
    db.exec("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(fts, logs_fts, 'row')");
    const row = db.prepare('SELECT doc, cnt FROM temp.terms WHERE term = ?').get(term) as { doc: number; cnt: number } | undefined;
    return { docs: row?.doc ?? 0, occurrences: row?.cnt ?? 0 };
  } finally {
    db.close();
  }
}

describe('crash safety of the full-text index', () => {
  it('kill -9 while the index is behind: after restart every record once, every match found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-fts-crash-'));
    const file = join(dir, 'big.log');
    const lines: string[] = [];
    let common = 0;
    for (let i = 0; i < LINES; i++) {
      const t = new Date(Date.UTC(2026, 10, 30, 10) + i * 10).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
      const word = wordOf(i);
      if (word === 'common') common++;
      lines.push(`${t} INFO app.worker: line ${String(i).padStart(7, '0')} ${word} status=200\n`);
    }
    writeFileSync(file, lines.join(''));
    const dataDir = join(dir, 'data');

    // Kill it while records are stored and the index is part-way through them, up to three times.
    let server = await startServe(['--data-dir', dataDir, file]);
    let killedBehind = 0;
    for (let round = 0; round < 3; round++) {
      const state = await waitFor(
        async () => {
          const s = look(dataDir);
          return (s.indexedBatches > 0 && s.queued > 0) || s.records >= LINES ? s : undefined;
        },
        60_000,
        'the index part-way',
      );
      await server.stop('SIGKILL');
      if (state.queued > 0) killedBehind++;
      server = await startServe(['--data-dir', dataDir]);
    }
    expect(killedBehind).toBeGreaterThan(0);

    const final = await waitFor(
      async () => {
        const s = look(dataDir);
        return s.records >= LINES && s.queued === 0 ? s : undefined;
      },
      120_000,
      'every record stored and indexed',
    );
    expect(final).toMatchObject({ records: LINES, distinct: LINES });
    // Nothing indexed twice, nothing left out.
    expect(indexed(dataDir, 'common')).toEqual({ docs: common, occurrences: common });
    expect(indexed(dataDir, 'rarebird')).toEqual({ docs: RARE, occurrences: RARE });
    const page = await server.get<LogPage>('/api/logs?q=rarebird&limit=1000');
    expect(new Set(page.records.map((r) => r.message)).size).toBe(RARE);
    await server.stop();
  }, 300_000);
});
