// SLOs over the whole engine on a TestClock: counters stored as OTLP points (the metrics sink),
// the SLOs of slos.yml written every minute as Sloth's series, and their generated burn-rate rules
// evaluated by the alerts module — a service failing 20% of its requests pages within the hour;
// one that failed 1 request out of 3 does not (the low-traffic guard). Then the API over a range.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../electron/engine/core/clock.js';
import { createEngine } from '../../electron/engine/engine.js';
import { PointsSink } from '../../electron/engine/signals/metrics/points-sink.js';
import type { SloDetailView, SloStatusView } from '../../shared/slo.js';

const dir = mkdtempSync(join(tmpdir(), 'loupe-slo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SLOS = `slos:
  - name: availability
    service: shop
    objective: 99
    window: 30d
    sli:
      ratio:
        bad: sum(app_requests_total{service="shop", code="500"})
        total: sum(app_requests_total{service="shop"})
  - name: availability
    service: quiet
    objective: 99
    window: 30d
    sli:
      ratio:
        bad: sum(app_requests_total{service="quiet", code="500"})
        total: sum(app_requests_total{service="quiet"})
`;

const START = Date.UTC(2026, 0, 1, 12);
const MINUTE = 60_000;

describe('SLOs on the engine', () => {
  it('pages on a fast burn, not on one failure of three, and answers the Sloth series and the API', async () => {
    const data = join(dir, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'slos.yml'), SLOS);
    const clock = new TestClock(START);
    const engine = await createEngine({ dataDir: data, clock });
    const sink = new PointsSink(engine.db, engine.events);
    const counts = { shop200: 0, shop500: 0, quiet200: 0, quiet500: 0 };
    const write = (): void => {
      const point = (service: string, code: string, value: number) => ({
        startUs: START * 1000,
        timeUs: clock.nowUs(),
        attributes: { service, code },
        value,
        flags: 0,
        exemplars: [],
      });
      sink.write({ attributes: {} }, 'test', [
        {
          name: 'app_requests_total',
          type: 'sum',
          temporality: 2,
          monotonic: true,
          points: [
            point('shop', '200', counts.shop200),
            point('shop', '500', counts.shop500),
            point('quiet', '200', counts.quiet200),
            point('quiet', '500', counts.quiet500),
          ],
        },
      ]);
    };
    const firing = async (): Promise<string[]> => {
      const r = (await engine.api.table.request('alerts.prometheusAlerts', {})) as {
        alerts: { labels: Record<string, string>; state: string }[];
      };
      return r.alerts.map((a) => `${a.labels.sloth_id}/${a.labels.sloth_severity}/${a.state}`);
    };
    const query = async (q: string): Promise<number[]> => {
      const r = (await engine.api.table.request('metrics.query', { query: q })) as { result: { value: [number, string] }[] };
      return r.result.map((s) => Number(s.value[1]));
    };
    try {
      write();
      // An hour: the shop serves 100 requests a minute, 20 of them failing; the quiet service 3, one failing.
      for (let m = 1; m <= 60; m++) {
        counts.shop200 += 80;
        counts.shop500 += 20;
        if (m === 30) {
          counts.quiet200 += 2;
          counts.quiet500 += 1;
        }
        await clock.advance(MINUTE - 1);
        write();
        await clock.advance(1);
      }
      await clock.advance(2 * MINUTE);
      // 20% errors is 20× a 1% budget: over 14.4× on 5 m and 1 h (page), and over 3× on 2 h and 1 d
      // (ticket: the day holds only this hour).
      expect(await firing()).toEqual(['shop-availability/page/firing', 'shop-availability/ticket/firing']);
      // The quiet service burns at 33× over the hour too, but 3 requests are under the 10 the guard asks.
      expect(await query('slo:sli_error:ratio_rate1h{sloth_id="quiet-availability"}')).toEqual([expect.closeTo(1 / 3, 6)]);
      // Counted per minute from the counters' points: the 3 requests, not PromQL's extrapolation to
      // the window's edges (about 3).
      expect(await query('slo:sli_events:increase1h{sloth_id="quiet-availability"}')).toEqual([3]);

      // Sloth's series: its recording rule's expression for the 5 m error ratio gives the same number.
      const [ours] = await query(
        'slo:sli_error:ratio_rate5m{sloth_id="shop-availability", sloth_service="shop", sloth_slo="availability"}',
      );
      const [sloths] = await query(
        '(1 - ((sum(rate(app_requests_total{service="shop"}[5m])) - sum(rate(app_requests_total{service="shop", code="500"}[5m]))) / (sum(rate(app_requests_total{service="shop"}[5m])))))',
      );
      expect(ours).toBeCloseTo(0.2, 9);
      expect(ours).toBeCloseTo(sloths!, 9);
      expect(await query('slo:objective:ratio{sloth_id="shop-availability"}')).toEqual([0.99]);
      expect(await query('slo:error_budget:ratio{sloth_id="shop-availability"}')).toEqual([expect.closeTo(0.01, 12)]);
      expect(await query('slo:current_burn_rate:ratio{sloth_id="shop-availability"}')).toEqual([expect.closeTo(20, 6)]);

      // The API: 1,200 bad of 6,000 over the window so far is 20 budgets spent.
      const detail = (await engine.api.table.request('slos.get', { id: 'shop-availability' })) as SloDetailView;
      expect(detail.total).toBe(6000);
      expect(detail.sli).toBeCloseTo(0.8, 6);
      expect(detail.consumed).toBeCloseTo(20, 4);
      // Overspent already: exhausted now.
      expect(Date.parse(detail.exhaustion!)).toBe(clock.nowMs());
      expect(detail.history.length).toBeGreaterThan(0);
      // A session: the first half hour against the second, side by side.
      const t = (ms: number): string => new Date(ms).toISOString();
      const both = (await engine.api.table.request('slos.compare', {
        id: 'quiet-availability',
        from: t(START),
        to: t(START + 25 * MINUTE),
        againstFrom: t(START + 25 * MINUTE),
        againstTo: t(START + 35 * MINUTE),
      })) as { a: SloStatusView; b: SloStatusView };
      expect([both.a.total, both.b.total]).toEqual([0, 3]);
      expect(both.b.sli).toBeCloseTo(2 / 3, 6);
    } finally {
      await engine.close();
    }
  }, 120_000);
});
