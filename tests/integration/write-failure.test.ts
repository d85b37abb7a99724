// When the database refuses writes (a full disk, a read-only file), reading pauses instead of
// filling memory, the failure shows on the status, and once writes work again every line is
// stored exactly once. The failure is real: SQLite's query_only switch on the engine's connection.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { MAX_PENDING_RECORDS } from '../../electron/engine/ingest/files/pipeline/log-pipeline.js';
import { waitFor } from '../support/serve-process.js';

let engine: Engine | undefined;
afterAll(async () => engine?.close());

describe('when writes fail', () => {
  it('pauses reading, says why, and stores everything exactly once after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-writefail-'));
    const file = join(dir, 'app.log');
    const lines = 150_000;
    const line = (i: number): string => `2026-11-30 10:00:00,000 INFO app: line ${i}\n`;
    // The file is known (and its fingerprint complete) before writes start failing.
    let head = '';
    for (let i = 1; i <= 100; i++) head += line(i);
    writeFileSync(file, head);
    engine = await createEngine({ dataDir: join(dir, 'data') });
    await engine.sources.add(file);
    const e = engine;
    await waitFor(() => (e.pipeline.stats.recordsWritten === 100 ? true : undefined));
    engine.db.pragma('query_only = ON');
    let text = '';
    for (let i = 101; i <= lines; i++) text += line(i);
    appendFileSync(file, text);

    const failing = await waitFor(() => {
      const s = e.status();
      return s.logs.writeErrors > 0 && s.logs.pendingRecords >= MAX_PENDING_RECORDS ? s : undefined;
    });
    expect(failing.logs.lastWriteError).toMatch(/readonly|read-only|query_only/i);
    // Reading stopped near the bound instead of holding the whole file in memory.
    await new Promise((r) => setTimeout(r, 500));
    expect(engine.pipeline.pendingRecords).toBeLessThan(MAX_PENDING_RECORDS + 50_000);
    expect(engine.pipeline.pendingRecords).toBeLessThan(lines);

    engine.db.pragma('query_only = OFF');
    await waitFor(
      () => (e.db.prepare('SELECT count(*) FROM logs').pluck().get() === lines ? true : undefined),
      30_000,
      'every line stored',
    );
    expect(engine.status().logs.lastWriteError).toBeNull();
    const distinct = engine.db.prepare("SELECT count(DISTINCT message) FROM logs WHERE message LIKE 'line %'").pluck().get();
    expect(distinct).toBe(lines);
  });
});
