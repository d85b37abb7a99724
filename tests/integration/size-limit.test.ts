// --max-db-size holds while ingest runs: a burst of lines many times the limit keeps the data
// dir (database, WAL and all) within about 10% of it at every moment, the newest records kept —
// and about as many as fit: once full, the live data is most of the limit.
// Before, the size was looked at on a 10 s timer that yielded to ingest: 40 MB grew to 264 MB;
// then the room kept for the full-text file's WAL and merges left a quarter of the limit in data.
import { appendFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe, waitFor, type ServeProcess } from '../support/serve-process.js';
import type { EngineStatusView, LogPage } from '../../shared/model.js';

let serve: ServeProcess | undefined;
afterAll(async () => serve?.stop());

const LIMIT = 32 * 1024 * 1024;

describe('--max-db-size under a burst', () => {
  it('keeps the data dir within ~10% of the limit while 400k lines arrive, newest kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-size-'));
    const dataDir = join(dir, 'data');
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    serve = await startServe(['--data-dir', dataDir, '--no-otlp', '--max-db-size', '32MiB', log]);
    // A file may go between the listing and its stat (a journal cut at a commit, a rules file's temporary).
    const sizeOf = (f: string): number => statSync(join(dataDir, f), { throwIfNoEntry: false })?.size ?? 0;
    const dirBytes = (): number => readdirSync(dataDir).reduce((n, f) => n + sizeOf(f), 0);

    let largest = 0;
    const sampler = setInterval(() => (largest = Math.max(largest, dirBytes())), 20);
    const total = 400_000;
    const levels = ['INFO', 'WARNING', 'ERROR', 'DEBUG'];
    for (let start = 0; start < total; start += 50_000) {
      let text = '';
      for (let i = start; i < start + 50_000; i++) {
        const t = `10:${String(Math.floor(i / 60_000) % 60).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')},${String(i % 1000).padStart(3, '0')}`;
        text += `2026-11-30 ${t} - app.mod${i % 13} - ${levels[i % 4]} - request ${i} user_id=${i % 9973} path=/api/items/${i % 331} took ${i % 997}ms\n`;
      }
      appendFileSync(log, text);
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = serve;
    // Stored (a page also shows lines still being read from the file, as `pending`).
    const newestStored = async (): Promise<true | undefined> => {
      const newest = (await s.get<LogPage>('/api/logs?limit=1')).records[0];
      return newest?.message.startsWith(`request ${total - 1} `) && !newest.pending ? true : undefined;
    };
    await waitFor(newestStored, 150_000, 'the newest line');
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(sampler);

    // The burst was many times the limit (≈ 200 bytes a record stored)…
    const status = await s.get<EngineStatusView>('/api/status');
    expect(status.retention.deletedRecords).toBeGreaterThan(total / 2);
    // …and the data dir never held much more than the limit…
    expect(largest).toBeGreaterThan(LIMIT * 0.6);
    expect(largest).toBeLessThanOrEqual(LIMIT * 1.1);
    // …while what it keeps is most of it (the status says how much is live data, how much on disk).
    expect(status.database.usedBytes).toBeGreaterThanOrEqual(LIMIT * 0.45);
    expect(status.database.diskBytes).toBeLessThanOrEqual(LIMIT * 1.1);
    // Newest first: what is left is the end of the burst, in one piece.
    const kept = (await s.get<{ total: number }>('/api/logs/histogram?buckets=1')).total;
    const page = await s.get<LogPage>(`/api/logs?limit=5000`);
    const numbers = page.records.map((r) => Number(/request (\d+)/.exec(r.message)![1]));
    expect(numbers[0]).toBe(total - 1);
    expect(numbers.slice(0, 5000)).toEqual(Array.from({ length: Math.min(5000, kept) }, (_, k) => total - 1 - k));
  }, 180_000);
});
