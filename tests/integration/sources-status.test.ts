// What a user sees on a source when its input is bad: the reason, a counter, and the rest flowing.
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { waitFor } from '../support/serve-process.js';
import type { LiveBatch } from '../../shared/api.js';

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

function pyLine(i: number, msg: string): string {
  return `2026-11-30 10:00:${String(i % 60).padStart(2, '0')},000 INFO app: ${msg}\n`;
}

describe('bad input on a source', () => {
  it('skips binary files with a reason, cuts over-long lines, replaces invalid UTF-8, and keeps reading the good lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-bad-'));
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    writeFileSync(join(logs, 'core.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3, 0, 0, 0]));
    const long = 'x'.repeat(1024 * 1024 + 10);
    writeFileSync(
      join(logs, 'app.log'),
      Buffer.concat([
        Buffer.from(pyLine(1, 'first good line')),
        Buffer.from(pyLine(2, long)),
        Buffer.from(pyLine(3, 'a plain line')),
        Buffer.from(pyLine(4, 'last good line')),
      ]),
    );
    // A line with bytes that are not UTF-8.
    appendFileSync(
      join(logs, 'app.log'),
      Buffer.concat([Buffer.from('2026-11-30 10:00:05,000 INFO app: broken \xff\xfe here\n', 'latin1')]),
    );
    engine = await createEngine({ dataDir: join(dir, 'data'), paths: [logs], pollMs: 50 });
    const e = engine;
    const view = await waitFor(() => {
      const s = e.sources.list()[0];
      return s && s.records === 5 && s.files.some((f) => f.skipped) ? s : undefined;
    });
    const bin = view.files.find((f) => f.path.endsWith('core.bin'))!;
    expect(bin.skipped).toMatch(/binary/);
    expect(view.lastError).toMatch(/binary/);
    const app = view.files.find((f) => f.path.endsWith('app.log'))!;
    expect(app.truncatedLines).toBe(1);
    expect(app.invalidUtf8Lines).toBe(1);
    expect(app.format).toBe('python');

    const records = e.reader.search({ limit: 10 }).records;
    expect(records.map((r) => r.message.slice(0, 15))).toEqual([
      'broken \ufffd\ufffd here',
      'last good line',
      'a plain line',
      'x'.repeat(15),
      'first good line',
    ]);
    const cut = records.find((r) => r.truncated)!;
    expect(cut.message.endsWith('[line cut at the line limit]')).toBe(true);
    expect(cut.message.length).toBeLessThan(1024 * 1024 + 100);
  });

  it('lets the user force a format, and says which format each file was read as', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-format-'));
    const file = join(dir, 'app.log');
    writeFileSync(file, 'level=info msg="hello there" user=42\nlevel=error msg="it broke" user=7\n');
    engine = await createEngine({ dataDir: join(dir, 'data'), paths: [file], pollMs: 50 });
    const e = engine;
    await waitFor(() => (e.sources.list()[0]?.records === 2 ? true : undefined));
    expect(e.sources.list()[0]!.files[0]!.format).toBe('logfmt');
    expect(e.reader.search({ q: 'user:42' }).records.map((r) => r.message)).toEqual(['hello there']);

    const id = e.sources.list()[0]!.id;
    await expect(e.sources.setFormat(id, 'no-such-format')).rejects.toThrow(/unknown format/);
    const forced = await e.sources.setFormat(id, 'plain');
    expect(forced.format).toBe('plain');
    // The old records are erased in the background first; the source says so meanwhile.
    expect(forced.state).toBe('rereading');
    await expect(e.sources.setFormat(id, 'logfmt')).rejects.toThrow(/being read again/);
    // The file is read again with the forced format: the same two lines, once each, as plain text.
    await waitFor(() => (e.sources.list()[0]?.records === 2 ? true : undefined));
    const plain = e.reader.search({ limit: 10 }).records;
    expect(plain.map((r) => r.message)).toEqual(['level=error msg="it broke" user=7', 'level=info msg="hello there" user=42']);
    expect(e.reader.search({ q: 'user:42' }).records).toEqual([]);
    expect(e.reader.search({ q: 'hello' }).records).toHaveLength(1);
    expect(e.reader.histogram({}).total).toBe(2);
    expect(e.sources.list()[0]!.files.map((f) => [f.format, f.records])).toEqual([['plain', 2]]);

    // Back to detection: logfmt again, and lines appended meanwhile are read once.
    appendFileSync(file, 'level=warn msg="third" user=9\n');
    await e.sources.setFormat(id, null);
    await waitFor(() => (e.sources.list()[0]?.records === 3 ? true : undefined));
    expect(e.reader.search({ limit: 10 }).records.map((r) => r.message)).toEqual(['third', 'it broke', 'hello there']);
    expect(e.reader.search({ q: 'user:42' }).records.map((r) => r.message)).toEqual(['hello there']);
    expect(e.reader.histogram({}).total).toBe(3);
  });

  for (const kind of ['file', 'folder'] as const) {
    it(`keeps the records of a file truncated in place (copytruncate) when the format changes: its old lines are only in the copy (${kind} source)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'loupe-reread-truncated-'));
      const logs = join(dir, 'logs');
      mkdirSync(logs);
      const file = join(logs, 'app.log');
      writeFileSync(file, pyLine(1, 'before one') + pyLine(2, 'before two') + pyLine(3, 'before three'));
      engine = await createEngine({ dataDir: join(dir, 'data'), paths: [kind === 'file' ? file : logs], pollMs: 50 });
      const e = engine;
      await waitFor(() => (e.sources.list()[0]?.records === 3 ? true : undefined));
      // logrotate copytruncate: copy, then truncate in place; the writer goes on.
      copyFileSync(file, `${file}.1`);
      truncateSync(file, 0);
      appendFileSync(file, pyLine(4, 'after the truncation'));
      await waitFor(() => (e.reader.search({ limit: 10 }).records.length === 4 ? true : undefined));

      const id = e.sources.list()[0]!.id;
      await e.sources.setFormat(id, 'plain');
      await waitFor(() => (e.sources.list()[0]?.state === 'watching' ? true : undefined));
      appendFileSync(file, pyLine(5, 'read as plain text'));
      await waitFor(() => (e.reader.search({ limit: 10 }).records.length === 5 ? true : undefined));
      const messages = e.reader.search({ limit: 10 }).records.map((r) => r.message);
      expect(messages.slice(1)).toEqual(['after the truncation', 'before three', 'before two', 'before one']);
      // The new format applies to what is read from now on; in a folder, the copy was not read again.
      expect(messages[0]).toMatch(/^2026-11-30 10:00:05,000 INFO app: read as plain text$/);
    });
  }

  it('finishes a re-read that a stop interrupted: old records erased, the file read once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-reread-'));
    const file = join(dir, 'app.log');
    let text = '';
    for (let i = 0; i < 30_000; i++) text += pyLine(i, `line ${i}`);
    writeFileSync(file, text);
    const dataDir = join(dir, 'data');
    engine = await createEngine({ dataDir, paths: [file], pollMs: 50 });
    const first = engine;
    await waitFor(() => (first.sources.list()[0]?.records === 30_000 ? true : undefined));
    await first.close();
    // As if Loupe stopped right after the re-read began: the old row is marked, nothing erased yet.
    engine = undefined;
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dataDir, 'loupe.db'));
    const { SourceStore } = await import('../../electron/engine/ingest/source-store.js');
    expect(new SourceStore(db).rereadWithFormat(1, 'python')).toHaveLength(1);
    db.close();

    engine = await createEngine({ dataDir, pollMs: 50 });
    const third = engine;
    // The start doesn't wait for the erase: the source says it is reading again meanwhile.
    expect(third.sources.list()[0]!.state).toBe('rereading');
    await waitFor(() => (third.reader.histogram({}).total === 30_000 && third.sources.list()[0]?.records === 30_000 ? true : undefined));
    expect(third.reader.search({ q: '"line 29999"' }).records).toHaveLength(1);
    expect(third.reader.search({ q: '"line 0"' }).records).toHaveLength(1);
    expect(third.sources.list()[0]!.files).toHaveLength(1);
    expect(third.db.prepare('SELECT count(*) FROM logs').pluck().get() as number).toBe(30_000);
  });
});

describe('the live tail under a burst', () => {
  it('coalesces thousands of new lines into a few messages, with the count it skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-burst-'));
    const file = join(dir, 'app.log');
    writeFileSync(file, pyLine(0, 'start'));
    engine = await createEngine({ dataDir: join(dir, 'data'), paths: [file], pollMs: 50 });
    const e = engine;
    await waitFor(() => (e.sources.list()[0]?.records === 1 ? true : undefined));
    const batches: LiveBatch[] = [];
    const unsubscribe = e.live.subscribe('burst', (b) => batches.push(b));
    let text = '';
    for (let i = 0; i < 20_000; i++) text += pyLine(i, `burst line ${i}`);
    appendFileSync(file, text);
    await waitFor(() => {
      const seen = batches.reduce((n, b) => n + b.records.length + b.skipped, 0);
      return seen === 20_000 ? true : undefined;
    });
    unsubscribe();
    expect(batches.length).toBeLessThan(50);
    expect(Math.max(...batches.map((b) => b.records.length))).toBeLessThanOrEqual(500);
    expect(batches.reduce((n, b) => n + b.skipped, 0)).toBeGreaterThan(0);
    // The newest line is always among what was sent.
    expect(batches.at(-1)!.records.at(-1)!.message).toBe('burst line 19999');
  });
});
