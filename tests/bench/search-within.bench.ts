// A search's pages asked as the Logs view asks them (logs.search within 1 s, then on from where
// each stopped), for the search bench (10M) and the scale bench (100M): how soon the first answer
// comes, what it holds, and the longest call (the engine serves nothing else while one runs).
import type { LogReader } from '../../electron/engine/signals/logs/log-reader.js';
import type { BenchRow } from './bench-row.js';

/** A row for `q` over all time, at most `maxCalls` calls (a rare regex over 100M records takes minutes in all). */
export function searchWithinRow(reader: LogReader, q: string, size: string, maxCalls: number): BenchRow {
  const calls: number[] = [];
  let first: { ms: number; found: number } | null = null;
  let found = 0;
  let cursor: string | undefined;
  do {
    const t0 = performance.now();
    const page = reader.search({ q, limit: 300, cursor, within: 1000 });
    calls.push(performance.now() - t0);
    found += page.records.length;
    first ??= { ms: calls[0]!, found };
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && calls.length < maxCalls);
  const longest = Math.max(...calls);
  const spent = calls.reduce((a, b) => a + b, 0).toFixed(0);
  const end =
    cursor === undefined
      ? `all ${found} after ${calls.length} calls, ${spent} ms`
      : `${found} after ${calls.length} calls, ${spent} ms (not all: stopped there)`;
  return {
    what: `search "${q}" asked within 1 s as the Logs view asks its pages, ${size}`,
    value: `first answer ${first!.ms.toFixed(0)} ms (${first!.found} matches); ${end}; longest call ${longest.toFixed(0)} ms`,
    target: 'every call < 1.5 s',
    ok: longest < 1500,
  };
}
