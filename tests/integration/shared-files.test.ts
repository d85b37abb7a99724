// A file covered by two sources (a folder and a file in it, two nested folders) is read once: the
// second source says who reads it, and takes it over from its checkpoint when that source goes.
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogPage, SourceView } from '../../shared/model.js';
import { startServe, waitFor, type ServeProcess } from '../support/serve-process.js';

const line = (i: number, msg: string): string => `2026-11-30 10:00:${String(i).padStart(2, '0')},000 INFO app: ${msg}\n`;

const messages = async (serve: ServeProcess): Promise<string[]> =>
  (await serve.get<LogPage>('/api/logs?limit=100')).records.map((r) => r.message).reverse();

async function sources(serve: ServeProcess): Promise<SourceView[]> {
  return (await serve.get<{ sources: SourceView[] }>('/api/sources')).sources;
}

/** Waits until at least as many messages as expected are stored: a file read twice shows more (its lines come in one read). */
async function expectMessages(serve: ServeProcess, expected: string[]): Promise<void> {
  const got = await waitFor(async () => {
    const m = await messages(serve);
    return m.length >= expected.length ? m : undefined;
  });
  expect(got).toEqual(expected);
}

describe('a file in two sources', () => {
  it('is read once, survives a restart, and passes to the other source from its checkpoint when its source is removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-shared-'));
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const app = join(logs, 'app.log');
    writeFileSync(app, line(1, 'one') + line(2, 'two'));
    const dataDir = join(dir, 'data');

    let serve = await startServe(['--data-dir', dataDir, '--poll-ms', '50', logs, app]);
    let readerId = 0;
    try {
      await expectMessages(serve, ['one', 'two']);
      // Whichever source got to the file first reads it; the other says so.
      const both = await waitFor(async () => {
        const s = await sources(serve);
        return s.some((x) => x.files[0]?.readBy) ? s : undefined;
      });
      const reader = both.find((x) => !x.files[0]?.readBy)!;
      const other = both.find((x) => x !== reader)!;
      expect(reader.files.map((f) => [f.path, f.records])).toEqual([[app, 2]]);
      expect(other.files).toEqual([expect.objectContaining({ path: app, records: 0, readBy: { source: reader.id, path: reader.path } })]);
      readerId = reader.id;
      appendFileSync(app, line(3, 'three'));
      await expectMessages(serve, ['one', 'two', 'three']);
    } finally {
      await serve.stop();
    }

    serve = await startServe(['--data-dir', dataDir, '--poll-ms', '50']);
    try {
      appendFileSync(app, line(4, 'four'));
      await expectMessages(serve, ['one', 'two', 'three', 'four']);
      const after = await sources(serve);
      const reader = after.find((x) => x.id === readerId)!;
      expect(after.find((x) => x !== reader)!.files[0]?.readBy).toEqual({ source: readerId, path: reader.path });

      const res = await fetch(new URL(`/api/sources/${readerId}`, serve.url), {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${serve.token}` },
      });
      expect(res.status).toBe(204);
      appendFileSync(app, line(5, 'five'));
      await expectMessages(serve, ['one', 'two', 'three', 'four', 'five']);
      const [only] = await waitFor(async () => {
        const s = await sources(serve);
        return s.length === 1 && s[0]?.records === 5 ? s : undefined;
      });
      expect(only!.files.map((f) => [f.path, f.records, f.readBy])).toEqual([[app, 5, undefined]]);
    } finally {
      await serve.stop();
    }
  });

  it('is read once when two watched folders overlap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-shared-nested-'));
    const logs = join(dir, 'logs');
    const nested = join(logs, 'worker');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(logs, 'app.log'), line(1, 'app'));
    writeFileSync(join(nested, 'worker.log'), line(2, 'worker'));
    const serve = await startServe(['--data-dir', join(dir, 'data'), '--poll-ms', '50', logs, nested]);
    try {
      await expectMessages(serve, ['app', 'worker']);
      // The source that does not read worker.log has decided so (and says by whom it is read).
      await waitFor(async () => ((await sources(serve)).some((x) => x.files.some((f) => f.readBy)) ? true : undefined));
      expect(await messages(serve)).toEqual(['app', 'worker']);
      appendFileSync(join(nested, 'worker.log'), line(3, 'worker again'));
      await expectMessages(serve, ['app', 'worker', 'worker again']);
      const [outer, inner] = await sources(serve);
      expect(outer!.records + inner!.records).toBe(3);
    } finally {
      await serve.stop();
    }
  });
});
