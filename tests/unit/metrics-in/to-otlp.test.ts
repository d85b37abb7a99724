// The two exposition formats name a counter's family differently (`x_total` in text 0.0.4, `x` in
// OpenMetrics): stored, both are the same monotonic sum `x`, so a target that switches format keeps
// its series. Histograms become explicit buckets, summaries quantiles, and a bucket exemplar's
// trace_id its trace link.
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../../electron/engine/ingest/metrics-in/exposition-parser.js';
import { familiesToMetrics } from '../../../electron/engine/ingest/metrics-in/to-otlp.js';

const NOW_US = 1_700_000_000_000_000;

const TEXT = `# TYPE http_requests_total counter
http_requests_total{code="200"} 10
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 1
latency_seconds_bucket{le="1"} 3
latency_seconds_bucket{le="+Inf"} 4
latency_seconds_sum 5.5
latency_seconds_count 4
# TYPE rpc summary
rpc{quantile="0.5"} 0.2
rpc{quantile="0.99"} 0.9
rpc_sum 3
rpc_count 7
`;

const OPENMETRICS = `# TYPE http_requests counter
http_requests_total{code="200"} 10
http_requests_created{code="200"} 1699999990.5
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 1
latency_seconds_bucket{le="1.0"} 3 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 0.7 1699999999.0
latency_seconds_bucket{le="+Inf"} 4
latency_seconds_sum 5.5
latency_seconds_count 4
# EOF
`;

describe('families as OTLP metrics', () => {
  it('stores a counter under one name whichever format it came in, with its _created as start', () => {
    const text = familiesToMetrics(parseExposition(TEXT, 'prometheus-text').families, NOW_US);
    const om = familiesToMetrics(parseExposition(OPENMETRICS, 'openmetrics').families, NOW_US);
    for (const metrics of [text, om]) {
      expect(metrics.find((m) => m.name === 'http_requests')).toMatchObject({
        type: 'sum',
        temporality: 2,
        monotonic: true,
        points: [{ value: 10, attributes: { code: '200' }, timeUs: NOW_US }],
      });
    }
    expect(text.find((m) => m.name === 'http_requests')!.points[0]!.startUs).toBe(0);
    expect(om.find((m) => m.name === 'http_requests')!.points[0]!.startUs).toBe(1_699_999_990_500_000);
  });

  it('turns cumulative le buckets into explicit bounds and counts, and summaries into quantiles', () => {
    const text = familiesToMetrics(parseExposition(TEXT, 'prometheus-text').families, NOW_US);
    const latency = text.find((m) => m.name === 'latency_seconds')!;
    expect(latency).toMatchObject({
      type: 'histogram',
      monotonic: true,
      points: [{ count: 4, sum: 5.5, distribution: { bounds: [0.1, 1], counts: [1, 2, 1] } }],
    });
    expect(text.find((m) => m.name === 'rpc')).toMatchObject({
      type: 'summary',
      points: [
        {
          count: 7,
          sum: 3,
          distribution: {
            quantiles: [
              { quantile: 0.5, value: 0.2 },
              { quantile: 0.99, value: 0.9 },
            ],
          },
        },
      ],
    });
    const om = familiesToMetrics(parseExposition(OPENMETRICS, 'openmetrics').families, NOW_US);
    expect(om.find((m) => m.name === 'latency_seconds')!.points[0]!.exemplars).toEqual([
      { timeUs: 1_699_999_999_000_000, value: 0.7, traceId: '4bf92f3577b34da6a3ce929d0e0e4736' },
    ]);
  });
});
