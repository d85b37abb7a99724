// The burn-rate alerts against Sloth's own output (github.com/slok/sloth at 0e395d8,
// examples/getting-started.yml and its generated examples/_gen/getting-started.yml) and the SRE
// workbook's table (https://sre.google/workbook/alerting-on-slos/: 2% of a 30-day budget in 1 h is
// 14.4×, 5% in 6 h 6×, 10% in 1 d 3×, 10% in 3 d 1×), scaled to other windows.
import { describe, expect, it } from 'vitest';
import type { SloSpec } from '../../../shared/slo.js';
import { alertConditions, alertRuleGroup, recordedWindowsMs } from '../../../electron/engine/slo/sloth.js';
import { promDuration } from '../../../electron/engine/slo/sli.js';

const GETTING_STARTED: SloSpec = {
  name: 'requests-availability',
  service: 'myservice',
  objective: 99.9,
  window: '30d',
  budgeting: 'occurrences',
  sli: {
    ratio: {
      bad: 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))',
      total: 'sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))',
    },
  },
  alerting: { name: 'MyServiceHighErrorRate', minEvents: 0, labels: { category: 'availability' } },
};

const IDS = 'sloth_id="myservice-requests-availability", sloth_service="myservice", sloth_slo="requests-availability"';
const SLOTH_PAGE = `(
    max(slo:sli_error:ratio_rate5m{${IDS}} > (14.4 * 0.0009999999999999432)) without (sloth_window)
    and
    max(slo:sli_error:ratio_rate1h{${IDS}} > (14.4 * 0.0009999999999999432)) without (sloth_window)
)
or
(
    max(slo:sli_error:ratio_rate30m{${IDS}} > (6 * 0.0009999999999999432)) without (sloth_window)
    and
    max(slo:sli_error:ratio_rate6h{${IDS}} > (6 * 0.0009999999999999432)) without (sloth_window)
)`;
const SLOTH_TICKET = `(
    max(slo:sli_error:ratio_rate2h{${IDS}} > (3 * 0.0009999999999999432)) without (sloth_window)
    and
    max(slo:sli_error:ratio_rate1d{${IDS}} > (3 * 0.0009999999999999432)) without (sloth_window)
)
or
(
    max(slo:sli_error:ratio_rate6h{${IDS}} > (1 * 0.0009999999999999432)) without (sloth_window)
    and
    max(slo:sli_error:ratio_rate3d{${IDS}} > (1 * 0.0009999999999999432)) without (sloth_window)
)`;

type Rule = { alert: string; expr: string; labels: Record<string, string> };

describe('burn-rate alerts', () => {
  it("are Sloth's page and ticket rules for its getting-started SLO", () => {
    const group = alertRuleGroup(GETTING_STARTED, 60_000) as { rules: Rule[] };
    // Sloth indents its expressions by 4 spaces inside the YAML block; the text is the same.
    expect(group.rules.map((r) => r.expr)).toEqual([SLOTH_PAGE, SLOTH_TICKET]);
    expect(group.rules.map((r) => [r.alert, r.labels])).toEqual([
      ['MyServiceHighErrorRate', { category: 'availability', sloth_severity: 'page' }],
      ['MyServiceHighErrorRate', { category: 'availability', sloth_severity: 'ticket' }],
    ]);
  });

  it("have the workbook's factors and error ratios for 30 days, and its windows scaled for 28", () => {
    const thirty = alertConditions(GETTING_STARTED).map((c) => [c.severity, c.longWindow, c.shortWindow, c.factor]);
    expect(thirty).toEqual([
      ['page', '1h', '5m', 14.4],
      ['page', '6h', '30m', 6],
      ['ticket', '1d', '2h', 3],
      ['ticket', '3d', '6h', 1],
    ]);
    // The workbook's example: at 99.9% the 1 h page fires over a 1.44% error ratio.
    expect(alertConditions(GETTING_STARTED)[0]!.errorRatio).toBeCloseTo(0.0144, 12);
    const four = alertConditions({ ...GETTING_STARTED, window: '28d' }).map((c) => [c.longWindow, c.shortWindow]);
    expect(four).toEqual([
      ['56m', '4m40s'],
      ['5h36m', '28m'],
      ['22h24m', '1h52m'],
      ['2d19h12m', '5h36m'],
    ]);
    // A 1-day SLO keeps only the conditions whose short window is a minute or more.
    expect(alertConditions({ ...GETTING_STARTED, window: '1d' }).map((c) => c.longWindow)).toEqual(['12m', '48m', '2h24m']);
    expect(recordedWindowsMs({ ...GETTING_STARTED, window: '28d' }).map(promDuration)).toContain('4m40s');
  });

  it('guard each condition with a minimum of events in its long window', () => {
    const group = alertRuleGroup({ ...GETTING_STARTED, alerting: { minEvents: 25 } }, 60_000) as { rules: Rule[] };
    expect(group.rules[0]!.expr).toContain(
      'max(slo:sli_error:ratio_rate1h{' +
        IDS +
        '} > (14.4 * 0.0009999999999999432)) without (sloth_window)\n    and on (sloth_id)\n    slo:sli_events:increase1h{sloth_id="myservice-requests-availability"} >= 25\n)',
    );
    expect(alertRuleGroup({ ...GETTING_STARTED, alerting: { enabled: false } }, 60_000)).toBeNull();
  });
});
