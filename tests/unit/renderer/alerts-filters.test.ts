// The Alerts view's label filter (`severity=P1 service=checkout`) and whether labels meet it, as
// Alertmanager matches (anchored regexes); and the RED rule templates the Metrics view's "Alert…"
// opens, which the engine's rule files must accept as they are.
import { describe, expect, it } from 'vitest';
import { parseRuleFile } from '../../../electron/engine/alerting/rules/rule-file.js';
import { matchesAll, parseLabelFilter } from '../../../renderer/src/features/alerts/silence-matchers.js';
import { redRuleTemplate } from '../../../renderer/src/lib/red-series.js';

describe('label filter', () => {
  it('reads space-separated matchers, quoted values with spaces, and says which word is not one', () => {
    expect(parseLabelFilter('severity=P1  service=checkout')).toEqual({
      matchers: [
        { name: 'severity', value: 'P1', isRegex: false, isEqual: true },
        { name: 'service', value: 'checkout', isRegex: false, isEqual: true },
      ],
    });
    expect(parseLabelFilter('summary=~"disk .*" env!=dev')).toEqual({
      matchers: [
        { name: 'summary', value: 'disk .*', isRegex: true, isEqual: true },
        { name: 'env', value: 'dev', isRegex: false, isEqual: false },
      ],
    });
    expect(parseLabelFilter('')).toEqual({ matchers: [] });
    expect(parseLabelFilter('severity=P1 checkout')).toEqual({ error: expect.stringContaining('"checkout" is not a label matcher') });
  });

  it('matches every matcher, a regex against the whole value, a missing label as empty', () => {
    const labels = { alertname: 'Api5xx', severity: 'P1', service: 'checkout' };
    const m = (text: string): boolean => {
      const f = parseLabelFilter(text);
      if ('error' in f) throw new Error(f.error);
      return matchesAll(labels, f.matchers);
    };
    expect(m('severity=P1 service=checkout')).toBe(true);
    expect(m('severity=P1 service=cart')).toBe(false);
    expect(m('service=~check')).toBe(false);
    expect(m('service=~check.*')).toBe(true);
    expect(m('env!=prod')).toBe(true);
    expect(m('env=')).toBe(true);
  });

  it('runs a regex as Alertmanager does, in RE2 syntax (linear time too: RE2JS)', () => {
    const m = (labels: Record<string, string>, text: string): boolean => {
      const f = parseLabelFilter(text);
      if ('error' in f) throw new Error(f.error);
      return matchesAll(labels, f.matchers);
    };
    // Go's inline flags (a JS RegExp refuses them: no match at all).
    expect(m({ severity: 'P1' }, 'severity=~"(?i)p1"')).toBe(true);
    // Not a regex RE2 reads: it matches nothing (and its negation everything).
    expect(m({ instance: 'x' }, 'instance=~"(x"')).toBe(false);
    expect(m({ instance: 'x' }, 'instance!~"(x"')).toBe(true);
  });
});

describe('RED rule templates', () => {
  it('write rules on one service that a rule file loads', () => {
    const error = redRuleTemplate('error-ratio', 'check-out.api');
    expect(error.name).toBe('CheckOutApiErrorRatio');
    expect(error.expr).toContain('service_name="check-out.api"');
    expect(error.expr).toMatch(/ > 0\.05$/);
    const p95 = redRuleTemplate('p95-latency', 'check-out.api');
    expect(p95.expr).toMatch(/^histogram_quantile\(0\.95, .* > 500$/);
    const yaml = `groups:\n  - name: services\n    rules:\n${[error, p95]
      .map(
        (t) =>
          `      - alert: ${t.name}\n        expr: ${JSON.stringify(t.expr)}\n        for: ${t.for}\n        annotations: { summary: ${JSON.stringify(t.summary)} }\n`,
      )
      .join('')}`;
    const parsed = parseRuleFile(yaml, 'services.yml');
    expect(parsed.problems).toEqual([]);
    expect(parsed.groups[0]!.rules.map((r) => r.name)).toEqual(['CheckOutApiErrorRatio', 'CheckOutApiP95Latency']);
  });
});
