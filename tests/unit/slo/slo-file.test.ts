// slos.yml (mistakes at line:column, edits keeping the rest) and OpenSLO v1 import/export. The
// OpenSLO documents are the spec's own examples (github.com/OpenSLO/OpenSLO at aa5cb78: README.md's
// "SLO where SLI is inlined" and "ratioMetric" examples, examples/budgeting-method/timeslices-slo.yaml),
// with the metric source made Prometheus where the example leaves it open.
import { describe, expect, it } from 'vitest';
import { editSlosFile, readOpenSlo, readSlosFile, writeOpenSlo } from '../../../electron/engine/slo/slo-file.js';
import { asIncreases, promPairOf } from '../../../electron/engine/slo/sli.js';

const FILE = `# our SLOs
slos:
  - name: availability
    service: shop
    objective: 99.9
    window: 28d
    sli:
      availability: {}
  - name: fast
    service: shop
    objective: 95
    window: 7d
    sli:
      latency: { threshold: 200ms }
`;

describe('slos.yml', () => {
  it('reads the SLOs with the defaults, and points at each mistake', () => {
    const ok = readSlosFile(FILE, 'slos.yml');
    expect(ok.errors).toEqual([]);
    expect(ok.slos[0]).toEqual({
      name: 'availability',
      service: 'shop',
      objective: 99.9,
      window: '28d',
      budgeting: 'occurrences',
      sli: { availability: {} },
    });
    const bad = readSlosFile(FILE.replace('99.9', '100.5').replace('200ms', '300ms'), 'slos.yml');
    expect(bad.errors.map((e) => `${e.line}:${e.column} ${e.message.split(':')[0]}`)).toEqual([
      '5:16 objective',
      '14:29 latency.threshold',
    ]);
    expect(bad.errors[1]!.message).toContain('400ms');
    expect(readSlosFile('slos:\n  - name: [', 'f').errors[0]).toMatchObject({ line: 2 });
    const dup = readSlosFile(`${FILE}  - name: fast\n    service: shop\n    objective: 90\n    sli: { probe: { name: api } }\n`, 'f');
    expect(dup.errors[0]!.message).toBe('a second SLO named "fast" for service "shop"');
  });

  it('saves one SLO in place and keeps the comments and the others', () => {
    const next = editSlosFile(FILE, {
      save: {
        name: 'fast',
        service: 'shop',
        objective: 99,
        window: '7d',
        budgeting: 'occurrences',
        sli: { latency: { threshold: '400ms' } },
      },
    });
    expect(next).toContain('# our SLOs');
    const read = readSlosFile(next, 'f');
    expect(read.slos.map((s) => s.objective)).toEqual([99.9, 99]);
    expect(readSlosFile(editSlosFile(next, { remove: 'shop-availability' }), 'f').slos.map((s) => s.name)).toEqual(['fast']);
  });
});

const README_INLINED = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: foo-slo
  displayName: Foo SLO
spec:
  service: foo
  indicator:
    metadata:
      name: foo-error
      displayName: Foo Error
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            metricSourceRef: datadog-datasource
            type: Datadog
            spec:
              query: sum:trace.http.request.hits.by_http_status{http.status_code:200}.as_count()
        total:
          metricSource:
            metricSourceRef: datadog-datasource
            type: Datadog
            spec:
              query: sum:trace.http.request.hits.by_http_status{*}.as_count()
  objectives:
    - displayName: Foo Total Errors
      target: 0.98
`;

const README_PROMETHEUS_RATIO = `      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            metricSourceRef: prometheus-datasource
            spec:
              query: sum(localhost_server_requests{code=~"2xx|3xx",host="*",instance="127.0.0.1:9090"})
        total:
          metricSource:
            type: Prometheus
            metricSourceRef: prometheus-datasource
            spec:
              query: localhost_server_requests{code="total",host="*",instance="127.0.0.1:9090"}
`;

describe('OpenSLO v1', () => {
  it('refuses a metric source that is not Prometheus, saying which', () => {
    const r = readOpenSlo(README_INLINED);
    expect(r.slos).toEqual([]);
    expect(r.errors[0]).toContain('only Prometheus is read (found "Datadog")');
  });

  it('imports the README example with its Prometheus ratioMetric, counters read as increases over the window', () => {
    const text = README_INLINED.replace(/ {6}ratioMetric:\n[\s\S]*?(?= {2}objectives:)/, README_PROMETHEUS_RATIO);
    const r = readOpenSlo(text);
    expect(r.errors).toEqual([]);
    expect(r.slos).toEqual([
      {
        name: 'foo-slo',
        service: 'foo',
        objective: 98,
        window: '28d',
        budgeting: 'occurrences',
        sli: {
          ratio: {
            good: 'sum(localhost_server_requests{code=~"2xx|3xx",host="*",instance="127.0.0.1:9090"})',
            total: 'localhost_server_requests{code="total",host="*",instance="127.0.0.1:9090"}',
          },
        },
      },
    ]);
    expect(promPairOf(r.slos[0]!)).toEqual({
      good: 'sum(increase(localhost_server_requests{code=~"2xx|3xx",host="*",instance="127.0.0.1:9090"}[{{.window}}]))',
      total: 'increase(localhost_server_requests{code="total",host="*",instance="127.0.0.1:9090"}[{{.window}}])',
    });
  });

  it('imports the timeslices example with its SLA objective, and writes it back', () => {
    // examples/budgeting-method/timeslices-slo.yaml; its "1m" duration is meant as a month (its comment says so): 1M.
    const text = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: service-availability
spec:
  service: web-availability
  indicator:
    metadata:
      name: web-availability
    spec:
      ratioMetric:
        good:
          metricSource: { type: Prometheus, spec: { query: 'sum(up{job="web"})' } }
        total:
          metricSource: { type: Prometheus, spec: { query: 'count(up{job="web"})' } }
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar:
        startTime: 2022-01-01 12:00:00
        timeZone: America/New_York
  budgetingMethod: Timeslices
  objectives:
    - displayName: Internal objective
      op: gt
      target: 0.995
      timeSliceTarget: 0.99
      timeSliceWindow: 1m
    - displayName: SLA
      target: 0.99
      timeSliceTarget: 0.99
      timeSliceWindow: 1m
---
apiVersion: openslo/v1
kind: Service
metadata:
  name: web-availability
spec: {}
`;
    const r = readOpenSlo(text);
    expect(r.errors).toEqual([]);
    expect(r.skipped).toEqual(['Service web-availability']);
    const slo = r.slos[0]!;
    expect(slo).toMatchObject({
      objective: 99.5,
      sla: 99,
      window: 'month',
      budgeting: 'timeslices',
      timeSlice: { window: '1m', target: 99 },
    });
    const back = readOpenSlo(writeOpenSlo([slo], () => ({ good: 'sum(up{job="web"})', total: 'count(up{job="web"})' })));
    expect(back.slos).toEqual([slo]);
  });

  it('reads each selector of a counter query as its increase, leaving range selectors alone', () => {
    expect(asIncreases('sum(a{x="1"}) / sum(rate(b[5m]))')).toBe('sum(increase(a{x="1"}[{{.window}}])) / sum(rate(b[5m]))');
  });
});
