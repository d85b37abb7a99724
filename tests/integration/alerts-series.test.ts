// The ALERTS series over the whole engine on a TestClock (rules → SQLite series store → PromQL): an
// alert's ALERTS{alertstate="pending"} turns into alertstate="firing" after `for`, and when the
// alert resolves its series ends at once (a staleness marker, as Prometheus writes), instead of
// lingering for PromQL's 5-minute lookback. A recording rule's series that its expression no longer
// returns ends the same way.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../electron/engine/core/clock.js';
import { createEngine } from '../../electron/engine/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'loupe-alerts-series-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Holds during the first two minutes of every four (the clock starts on a whole hour).
const RULES = `groups:
  - name: g
    interval: 10s
    rules:
      - alert: Wave
        expr: vector(time() % 240) < 120
        for: 30s
        labels: { severity: P3 }
      - record: wave:up
        expr: vector(time() % 240) < 120
`;

describe('ALERTS series', () => {
  it('follows the alert from pending to firing and ends when it resolves', async () => {
    const rules = join(dir, 'rules.yml');
    writeFileSync(rules, RULES);
    const clock = new TestClock(Date.UTC(2026, 0, 1, 12));
    const engine = await createEngine({ dataDir: join(dir, 'data'), rules: [rules], clock });
    try {
      const states = async (): Promise<string[]> => {
        const r = (await engine.api.table.request('metrics.query', { query: 'ALERTS' })) as {
          result: { metric: Record<string, string> }[];
        };
        return r.result.map((s) => `${s.metric.alertname}/${s.metric.alertstate}/${s.metric.severity}`);
      };
      await clock.advance(10_000);
      expect(await states()).toEqual(['Wave/pending/P3']);
      await clock.advance(30_000);
      expect(await states()).toEqual(['Wave/firing/P3']);
      // Resolved at 2 min: nothing left at the next evaluation.
      await clock.advance(90_000);
      expect(await states()).toEqual([]);
      // The recording rule recorded during the first two minutes; its series ended with them.
      const recorded = async (): Promise<number> => {
        const r = (await engine.api.table.request('metrics.query', { query: 'wave:up' })) as { result: unknown[] };
        return r.result.length;
      };
      expect(await recorded()).toBe(0);
      await clock.advance(120_000); // the next wave: recorded again
      expect(await recorded()).toBe(1);
    } finally {
      await engine.close();
    }
  });
});
